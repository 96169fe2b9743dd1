import type { Cluster } from '@k0smotron/api';
import { clusterToEntity, locationKeyOf } from './clusterEntity';

const defaults = { system: 'k0smotron', authProvider: 'serviceAccount' };

function cluster(meta: Partial<Cluster['metadata']> = {}, status?: Cluster['status']): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'web', namespace: 'team-a', uid: 'u1', ...meta },
    spec: { replicas: 1 },
    ...(status ? { status } : {}),
  };
}

describe('clusterToEntity', () => {
  it('publishes a kubernetes-cluster Resource with the annotations the frontend and the Kubernetes plugin read', () => {
    const e = clusterToEntity('local', cluster({}, { endpoint: 'https://192.0.2.2:30443' }), defaults, 'Q0EtUEVN', 'group:default/platform');
    expect(e).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'local-team-a-web',
        title: 'web',
        description: 'k0smotron control plane team-a/web on management cluster local',
        annotations: {
          'backstage.io/managed-by-location': 'k0smotron-cluster:local/team-a/web',
          'backstage.io/managed-by-origin-location': 'k0smotron-cluster:local/team-a/web',
          'k0smotron.io/cluster': 'local/team-a/web',
          'kubernetes.io/auth-provider': 'serviceAccount',
          'kubernetes.io/api-server': 'https://192.0.2.2:30443',
          'kubernetes.io/api-server-certificate-authority': 'Q0EtUEVN',
        },
        tags: ['k0smotron', 'kubernetes'],
        links: [{ url: 'https://192.0.2.2:30443', title: 'Kubernetes API', type: 'api' }],
      },
      spec: { type: 'kubernetes-cluster', owner: 'group:default/platform', system: 'k0smotron' },
    });
    expect(locationKeyOf('local')).toBe('k0smotron:local');
  });

  it("carries the operator's worker count in annotations and in the searchable description, and nothing while it is unknown", () => {
    const e = clusterToEntity('local', cluster({}, { workers: { total: 2, ready: 1 } }), defaults, undefined, 'group:default/platform');
    expect(e.metadata.annotations).toMatchObject({ 'k0smotron.io/workers-ready': '1', 'k0smotron.io/workers-total': '2' });
    expect(e.metadata.description).toBe('k0smotron control plane team-a/web on management cluster local; workers: 1/2 Ready');
    const unknown = clusterToEntity('local', cluster(), defaults, undefined, 'group:default/platform');
    expect(unknown.metadata.annotations).not.toHaveProperty('k0smotron.io/workers-ready');
    expect(unknown.metadata.description).not.toMatch(/workers/);
  });

  it('leaves the API annotations out until the control plane has an endpoint and a CA', () => {
    const e = clusterToEntity('local', cluster(), defaults, undefined, 'group:default/platform');
    expect(e.metadata.annotations).not.toHaveProperty('kubernetes.io/api-server');
    expect(e.metadata.annotations).not.toHaveProperty('kubernetes.io/api-server-certificate-authority');
    expect(e.metadata.links).toBeUndefined();
  });

  it('publishes the endpoint derived from the spec for a Cluster the upstream k0smotron operator manages (no status.endpoint there)', () => {
    const upstream = (spec: Cluster['spec']): Cluster => ({
      ...cluster(),
      spec,
      status: { replicas: 1, readyReplicas: 1, ready: true, reconciliationStatus: 'Reconciliation successful' },
    });
    const nodePort = clusterToEntity(
      'local',
      upstream({ service: { type: 'NodePort', apiPort: 31443 }, externalAddress: '198.51.100.7' }),
      defaults,
      undefined,
      'o',
    );
    expect(nodePort.metadata.annotations?.['kubernetes.io/api-server']).toBe('https://198.51.100.7:31443');
    expect(nodePort.metadata.links).toEqual([{ url: 'https://198.51.100.7:31443', title: 'Kubernetes API', type: 'api' }]);
    const clusterIp = clusterToEntity('local', upstream({ service: { type: 'ClusterIP' } }), defaults, undefined, 'o');
    expect(clusterIp.metadata.annotations?.['kubernetes.io/api-server']).toBe('https://kmc-web.team-a.svc:30443');
    // Upstream has picked no node address yet: nothing is made up.
    const unexposed = clusterToEntity('local', upstream({ service: { type: 'NodePort' } }), defaults, undefined, 'o');
    expect(unexposed.metadata.annotations).not.toHaveProperty('kubernetes.io/api-server');
    // The same spec under our operator, which has not reported an endpoint yet: none either.
    const ours = clusterToEntity(
      'local',
      { ...cluster(), spec: { service: { type: 'ClusterIP' } }, status: { observedGeneration: 1 } },
      defaults,
      undefined,
      'o',
    );
    expect(ours.metadata.annotations).not.toHaveProperty('kubernetes.io/api-server');
  });

  it("takes the owner it is given (never the Cluster's own annotation), and the system from annotations, labels, defaults", () => {
    const byAnnotation = clusterToEntity(
      'local',
      cluster({ annotations: { 'backstage.io/owner': 'group:default/team-a', 'backstage.io/system': 'shop' }, labels: { 'backstage.io/owner': 'team-b' } }),
      defaults,
      undefined,
      'group:default/platform',
    );
    expect(byAnnotation.spec).toMatchObject({ owner: 'group:default/platform', system: 'shop' });
    const byLabel = clusterToEntity('local', cluster({ labels: { 'backstage.io/owner': 'team-b', env: 'prod' } }), defaults, undefined, 'group:default/team-c');
    expect(byLabel.spec).toMatchObject({ owner: 'group:default/team-c', system: 'k0smotron' });
    expect(byLabel.metadata.labels).toEqual({ env: 'prod' });
    const none = clusterToEntity('local', cluster(), { authProvider: 'oidc' }, undefined, 'unknown');
    expect(none.spec).toEqual({ type: 'kubernetes-cluster', owner: 'unknown' });
    expect(none.metadata.annotations?.['kubernetes.io/auth-provider']).toBe('oidc');
  });
});
