import type { Cluster } from '@k0smotron/api';
import type { KubeEvent } from '@k0smotron/api/client';
import { cachedClusterSummary, compareSummaries, filterSummaries, toClusterEvents, toClusterSummary } from './summaries';

const base: Cluster = {
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'web', namespace: 'team-a', uid: 'u1', creationTimestamp: '2026-11-21T05:00:00Z', labels: { env: 'prod' } },
  spec: { replicas: 3, version: 'v1.30.2-k0s.0', service: { type: 'NodePort' } },
  status: {
    readyReplicas: 2,
    endpoint: 'https://192.0.2.2:30443',
    conditions: [{ type: 'Available', status: 'False', reason: 'ScalingUp', message: '2/3', lastTransitionTime: '2026-11-21T05:01:00Z' }],
  },
};

describe('toClusterSummary', () => {
  it('summarises spec, status and phase', () => {
    expect(toClusterSummary('local', base)).toEqual({
      managementCluster: 'local',
      namespace: 'team-a',
      name: 'web',
      uid: 'u1',
      creationTimestamp: '2026-11-21T05:00:00Z',
      phase: 'Progressing',
      replicas: 3,
      readyReplicas: 2,
      version: 'v1.30.2-k0s.0',
      endpoint: 'https://192.0.2.2:30443',
      serviceType: 'NodePort',
      storageType: 'etcd',
      paused: false,
      managedBy: 'k0smotron',
      sleeping: false,
      conditions: base.status!.conditions,
      labels: { env: 'prod' },
    });
  });

  it('reports paused, sleeping and kine clusters', () => {
    const s = toClusterSummary('local', {
      ...base,
      metadata: { ...base.metadata, annotations: { 'k0smotron.io/paused': 'true' } },
      spec: { replicas: 0, kineDataSourceURL: 'postgres://db' },
      status: undefined,
    });
    expect(s).toMatchObject({ paused: true, sleeping: true, phase: 'Paused', storageType: 'kine', readyReplicas: 0, serviceType: 'ClusterIP' });
    expect(s).not.toHaveProperty('endpoint');
  });

  it('shows our pause annotation as paused only where an operator that honours it writes the status', () => {
    const annotated = { ...base.metadata, annotations: { 'k0smotron.io/paused': 'true' } };
    const ours = toClusterSummary('local', { ...base, metadata: annotated, status: { ...base.status, observedGeneration: 1 } });
    expect(ours).toMatchObject({ paused: true, phase: 'Paused', managedBy: 'k0smotron' });
    // Upstream k0smotron's operator ignores the annotation and keeps reconciling.
    const upstream = toClusterSummary('local', {
      ...base,
      metadata: annotated,
      spec: { replicas: 1, service: { type: 'NodePort' }, externalAddress: '198.51.100.7' },
      status: { replicas: 1, readyReplicas: 1, ready: true, reconciliationStatus: 'Reconciliation successful', conditions: [] },
    });
    expect(upstream).toMatchObject({ paused: false, managedBy: 'upstream', phase: 'Progressing', endpoint: 'https://198.51.100.7:30443' });
  });
});

describe('filterSummaries / compareSummaries / cachedClusterSummary', () => {
  it('filters by namespace and phase and sorts stably', () => {
    const sleeping: Cluster = { ...base, metadata: { ...base.metadata, name: 'api', namespace: 'team-b' }, spec: { replicas: 0 } };
    const both = [toClusterSummary('a', base), toClusterSummary('a', sleeping)];
    expect(filterSummaries(both, { phase: 'Sleeping' }).map(c => c.name)).toEqual(['api']);
    expect(filterSummaries(both, { namespace: 'team-a' }).map(c => c.name)).toEqual(['web']);
    const list = [toClusterSummary('b', base), toClusterSummary('a', sleeping), toClusterSummary('a', base)].sort(compareSummaries);
    expect(list.map(s => `${s.managementCluster}/${s.namespace}/${s.name}`)).toEqual(['a/team-a/web', 'a/team-b/api', 'b/team-a/web']);
  });

  it('computes a summary once per object version', () => {
    const first = cachedClusterSummary('a', base);
    expect(cachedClusterSummary('a', base)).toBe(first);
    const changed: Cluster = { ...base, spec: { ...base.spec, replicas: 5 } };
    expect(cachedClusterSummary('a', changed).replicas).toBe(5);
    expect(cachedClusterSummary('b', base).managementCluster).toBe('b');
  });
});

describe('toClusterEvents', () => {
  it('keeps the newest events first', () => {
    const ev = (reason: string, t: string): KubeEvent => ({
      involvedObject: {},
      metadata: {},
      reason,
      message: reason,
      type: 'Normal',
      count: 1,
      lastTimestamp: t,
    });
    const out = toClusterEvents([ev('a', '2026-01-01T00:00:00Z'), ev('b', '2026-01-02T00:00:00Z'), ev('c', '2026-01-03T00:00:00Z')], 2);
    expect(out.map(e => e.reason)).toEqual(['c', 'b']);
    expect(out[0].lastTimestamp).toBe('2026-01-03T00:00:00.000Z');
  });
});
