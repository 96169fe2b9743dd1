import type { Cluster } from './schema/cluster';
import type { JoinTokenRequest } from './schema/jointokenrequest';
import { findCondition } from './conditions';
import { clusterPhase, clusterSummary, joinTokenRequestPhase } from './summary';

const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason = 'R', message = '') => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const cluster = (over: Partial<Cluster> = {}): Cluster => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'c', namespace: 'ns', generation: 2 },
  spec: { replicas: 3, version: 'v1.30.2-k0s.0', service: { type: 'NodePort' } },
  ...over,
});

describe('clusterPhase', () => {
  it('is Available when Available is True for the current generation', () => {
    expect(clusterPhase(cluster({ status: { observedGeneration: 2, conditions: [cond('Available', 'True')] } }))).toBe('Available');
  });
  it('is Progressing while the new generation is not observed or Available is not True', () => {
    expect(clusterPhase(cluster({ status: { observedGeneration: 1, conditions: [cond('Available', 'True')] } }))).toBe('Progressing');
    expect(clusterPhase(cluster({ status: { conditions: [cond('Available', 'False', 'NoReadyReplicas')] } }))).toBe('Progressing');
    expect(clusterPhase(cluster())).toBe('Progressing');
  });
  it('is Degraded when a condition failed for a reason waiting will not fix', () => {
    expect(clusterPhase(cluster({ status: { conditions: [cond('Available', 'True'), cond('ControlPlaneFunctional', 'False', 'InternalError')] } }))).toBe(
      'Degraded',
    );
  });
  it('ranks Deleting over Paused over Sleeping', () => {
    const base = cluster({ spec: { replicas: 0 } });
    expect(clusterPhase(base)).toBe('Sleeping');
    base.metadata.annotations = { 'k0smotron.io/paused': 'true' };
    expect(clusterPhase(base)).toBe('Paused');
    base.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(clusterPhase(base)).toBe('Deleting');
  });
});

describe('clusterSummary', () => {
  it('summarises replicas, version, service and why it is not Available', () => {
    const s = clusterSummary(
      cluster({
        status: { readyReplicas: 1, endpoint: 'https://192.0.2.2:30443', conditions: [cond('Available', 'False', 'NoReadyReplicas', '1 of 3 ready')] },
      }),
    );
    expect(s).toEqual({
      name: 'c',
      namespace: 'ns',
      phase: 'Progressing',
      replicas: '1/3',
      version: 'v1.30.2-k0s.0',
      serviceType: 'NodePort',
      endpoint: 'https://192.0.2.2:30443',
      message: 'Available: 1 of 3 ready',
    });
  });
  it('uses upstream defaults for a spec-less cluster', () => {
    const s = clusterSummary({ apiVersion: 'k0smotron.io/v1beta1', kind: 'Cluster', metadata: { name: 'x' } });
    expect(s).toMatchObject({ replicas: '0/1', serviceType: 'NodePort', phase: 'Progressing' });
  });
});

describe('findCondition / joinTokenRequestPhase', () => {
  const jtr = (over: Partial<JoinTokenRequest['status']> = {}): JoinTokenRequest => ({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'JoinTokenRequest',
    metadata: { name: 't' },
    spec: { clusterName: 'c' },
    status: over,
  });
  it('finds conditions by type', () => {
    expect(findCondition(jtr({ conditions: [cond('JoinTokenSecretCreated', 'True')] }), 'JoinTokenSecretCreated')?.status).toBe('True');
    expect(findCondition(undefined, 'x')).toBeUndefined();
  });
  it('is Pending, Issued, Expired or Failed', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(joinTokenRequestPhase(jtr(), now)).toBe('Pending');
    expect(joinTokenRequestPhase(jtr({ conditions: [cond('JoinTokenSecretCreated', 'True')], expiration: '2026-06-02T00:00:00Z' }), now)).toBe('Issued');
    expect(joinTokenRequestPhase(jtr({ conditions: [cond('JoinTokenSecretCreated', 'True')], expiration: '2026-05-01T00:00:00Z' }), now)).toBe('Expired');
    expect(joinTokenRequestPhase(jtr({ conditions: [cond('JoinTokenSecretCreated', 'False', 'InternalError')] }), now)).toBe('Failed');
  });
});
