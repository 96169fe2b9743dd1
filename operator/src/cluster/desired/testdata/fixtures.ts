// One Cluster and one set of reconcile facts for the pure builders' tests.
import type { Cluster } from '@k0smotron/api';
import type { ChildFacts } from '../children';

export function testCluster(spec: Cluster['spec'], metadata: Partial<Cluster['metadata']> = {}): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'demo', namespace: 'team-a', uid: 'uid-1', generation: 1, ...metadata },
    spec,
  };
}

/** A NodePort endpoint on a hollow node, and every certificate Secret under its generated name. */
export const testFacts: ChildFacts = {
  clusterIPs: ['10.96.0.20'],
  endpoint: { known: true, host: '192.0.2.2', source: 'node', url: 'https://192.0.2.2:30443' },
  certSecretNames: {
    ca: 'demo-ca',
    sa: 'demo-sa',
    proxy: 'demo-proxy',
    etcd: 'demo-etcd',
    'apiserver-etcd-client': 'demo-apiserver-etcd-client',
    'etcd-server': 'demo-etcd-server',
    'etcd-peer': 'demo-etcd-peer',
  },
  secretVersions: {},
};
