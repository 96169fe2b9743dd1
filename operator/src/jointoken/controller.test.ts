import type { Cluster, JoinTokenRequest } from '@k0smotron/api';
import { clusterKeyOf, joinServerUrl } from './controller';
import { conditionUnchanged, setCondition } from './conditions';
import { desiredClusterFor } from '../k0smotroncluster/controller';

const jtr = (spec: JoinTokenRequest['spec']): JoinTokenRequest => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'JoinTokenRequest',
  metadata: { name: 't', namespace: 'ns1' },
  spec,
});

describe('clusterKeyOf', () => {
  it('clusterName is in the same namespace', () => {
    expect(clusterKeyOf(jtr({ clusterName: 'c1' }))).toEqual({ namespace: 'ns1', name: 'c1' });
  });
  it("clusterRef names where to look, else the same namespace (whether another namespace is served is the policy's call)", () => {
    expect(clusterKeyOf(jtr({ clusterRef: { name: 'c1', namespace: 'other' } }))).toEqual({ namespace: 'other', name: 'c1' });
    expect(clusterKeyOf(jtr({ clusterRef: { name: 'c1' } }))).toEqual({ namespace: 'ns1', name: 'c1' });
  });
  it('says which field is missing', () => {
    expect(clusterKeyOf(jtr({}))).toEqual({ error: expect.stringMatching(/spec\.clusterName/) });
  });
});

describe('joinServerUrl', () => {
  const c = (endpoint?: string): Cluster => ({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'c' }, status: { endpoint } });
  it('workers dial the endpoint; controllers the k0s join API port', () => {
    expect(joinServerUrl(c('https://192.0.2.2:30443/'), 'worker')).toBe('https://192.0.2.2:30443');
    expect(joinServerUrl(c('https://192.0.2.2:30443'), 'controller')).toBe('https://192.0.2.2:9443');
    expect(joinServerUrl(c(undefined), 'worker')).toBeUndefined();
  });
});

describe('conditions', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T01:00:00Z');
  it('keeps the transition time while the status holds', () => {
    const a = setCondition(undefined, { type: 'X', status: 'False', reason: 'A', message: 'm' }, t0);
    const b = setCondition(a, { type: 'X', status: 'False', reason: 'B', message: 'n' }, t1);
    expect(b).toEqual([{ type: 'X', status: 'False', reason: 'B', message: 'n', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    const c = setCondition(b, { type: 'X', status: 'True', reason: 'C', message: 'o' }, t1);
    expect(c[0].lastTransitionTime).toBe('2026-01-01T01:00:00Z');
    expect(conditionUnchanged(c, { type: 'X', status: 'True', reason: 'C', message: 'o' })).toBe(true);
    expect(conditionUnchanged(c, { type: 'X', status: 'True', reason: 'C', message: 'other' })).toBe(false);
  });
});

describe('desiredClusterFor (K0smotronCluster → Cluster)', () => {
  it('spec: null becomes the upstream NodePort defaults, owned by the K0smotronCluster', () => {
    const c = desiredClusterFor({
      apiVersion: 'k0smotron.io/v1beta1',
      kind: 'K0smotronCluster',
      metadata: {
        name: 'k0smotron-test',
        namespace: 'default',
        uid: 'u1',
        labels: { team: 'a' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'n' },
      },
      spec: null as unknown as Cluster['spec'], // what a manifest's `spec: null` decodes to
    });
    expect(c.apiVersion).toBe('k0smotron.io/v1beta2');
    expect(c.kind).toBe('Cluster');
    expect(c.metadata).toEqual({
      name: 'k0smotron-test',
      namespace: 'default',
      labels: { team: 'a' },
      annotations: { note: 'n' },
      ownerReferences: [
        { apiVersion: 'k0smotron.io/v1beta1', kind: 'K0smotronCluster', name: 'k0smotron-test', uid: 'u1', controller: true, blockOwnerDeletion: true },
      ],
    });
    expect(c.spec).toMatchObject({ replicas: 1, service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 }, storage: { type: 'etcd' } });
  });
  it('v1beta1 field names map to v1beta2', () => {
    const c = desiredClusterFor({
      apiVersion: 'k0smotron.io/v1beta1',
      kind: 'K0smotronCluster',
      metadata: { name: 'x', namespace: 'd', uid: 'u' },
      spec: { kineDataSourceURL: 'postgres://u:p@h/db', controllerPlaneFlags: ['--debug=true'] },
    });
    expect(c.spec).toMatchObject({ storage: { type: 'kine', kine: { dataSourceURL: 'postgres://u:p@h/db' } }, controlPlaneFlags: ['--debug=true'] });
  });
});
