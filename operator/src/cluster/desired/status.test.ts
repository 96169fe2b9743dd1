import type { V1StatefulSet } from '@kubernetes/client-node';
import { computeStatus, conditionChanges, isHealthy, notableConditionChanges, type StatusFacts } from './status';

const now = new Date('2026-03-01T10:00:00Z');
const later = new Date('2026-03-01T11:00:00Z');

function sts(replicas: number, ready: number, updated = replicas, rolling = false): V1StatefulSet {
  return {
    metadata: { name: 'kmc-demo', generation: 2 },
    spec: { replicas, selector: {}, template: {}, serviceName: '' },
    status: { replicas, readyReplicas: ready, updatedReplicas: updated, observedGeneration: 2, currentRevision: 'a', updateRevision: rolling ? 'b' : 'a' },
  };
}

const healthy: StatusFacts = {
  name: 'demo',
  namespace: 'ns1',
  generation: 4,
  desiredReplicas: 1,
  version: 'v1.30.2-k0s.0',
  now,
  statefulSet: sts(1, 1),
  endpoint: { known: true, host: '192.0.2.2', source: 'node', url: 'https://192.0.2.2:30443' },
  certificates: { ok: true, generated: ['ca', 'sa'], provided: [] },
  kubeconfig: { ok: true, secretName: 'demo-kubeconfig' },
};

const cond = (s: ReturnType<typeof computeStatus>, type: string) => s.conditions!.find(c => c.type === type)!;

describe('computeStatus', () => {
  it('a healthy cluster is Available with every condition explained', () => {
    const s = computeStatus(healthy);
    expect(s.conditions!.map(c => c.type)).toEqual([
      'Available',
      'ControlPlaneFunctional',
      'KubeconfigSecretAvailable',
      'ControlPlaneExposed',
      'ControlPlaneScaling',
      'ControlPlaneUpToDate',
      'CertificatesAvailable',
      'Deleting',
      'Paused',
    ]);
    expect(cond(s, 'Available')).toMatchObject({ status: 'True', reason: 'Available', observedGeneration: 4, lastTransitionTime: '2026-03-01T10:00:00Z' });
    expect(cond(s, 'ControlPlaneFunctional')).toMatchObject({ status: 'Unknown', reason: 'NotChecked' });
    expect(cond(s, 'ControlPlaneExposed')).toMatchObject({ status: 'True', reason: 'NodePortReady', message: 'reachable at https://192.0.2.2:30443' });
    expect(cond(s, 'ControlPlaneScaling')).toMatchObject({ status: 'False', reason: 'ControlPlaneWithDesiredReplicas' });
    expect(cond(s, 'ControlPlaneUpToDate')).toMatchObject({ status: 'True', reason: 'AllReplicasUpToDate' });
    expect(cond(s, 'Deleting')).toMatchObject({ status: 'False', reason: 'NotDeleting' });
    expect(s).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      updatedReplicas: 1,
      selector: 'app=k0smotron,cluster=demo,cluster.x-k8s.io/control-plane=true,component=cluster',
      endpoint: 'https://192.0.2.2:30443',
      version: 'v1.30.2-k0s.0',
      ready: true,
      reconciliationStatus: 'Reconciliation successful',
      observedGeneration: 4,
    });
  });

  it('reports a switched-on unsupported feature in FeaturesSupported only, leaving Available as it is', () => {
    const message = 'spec.monitoring is not supported by this k0smotron yet and is ignored. Scrape the control-plane pods with your own Prometheus.';
    const s = computeStatus({ ...healthy, unsupported: [{ field: 'spec.monitoring', message }] });
    expect(cond(s, 'FeaturesSupported')).toMatchObject({ status: 'False', reason: 'Unsupported', message });
    expect(cond(s, 'Available')).toMatchObject({ status: 'True', reason: 'Available' });
    expect(computeStatus({ ...healthy, unsupported: [] }).conditions!.map(c => c.type)).not.toContain('FeaturesSupported');
  });

  it('is identical when nothing changed, keeping lastTransitionTime', () => {
    const first = computeStatus(healthy);
    const second = computeStatus({ ...healthy, now: later, previous: first });
    expect(second).toEqual(first);
  });

  it('moves lastTransitionTime only on a status change', () => {
    const first = computeStatus(healthy);
    const down = computeStatus({ ...healthy, now: later, previous: first, statefulSet: sts(1, 0) });
    expect(cond(down, 'Available')).toMatchObject({ status: 'False', reason: 'NoReadyReplicas', lastTransitionTime: '2026-03-01T11:00:00Z' });
    expect(cond(down, 'Available').message).toContain('kubectl -n ns1 get pods -l');
    expect(cond(down, 'CertificatesAvailable').lastTransitionTime).toBe('2026-03-01T10:00:00Z');
    expect(conditionChanges(first.conditions, down.conditions!).map(c => c.type)).toEqual(['Available', 'ControlPlaneScaling']);
  });

  it('a ClusterIP cluster can be Available', () => {
    const s = computeStatus({ ...healthy, endpoint: { known: true, host: 'kmc-demo.ns1.svc', source: 'serviceDNS', url: 'https://kmc-demo.ns1.svc:30443' } });
    expect(cond(s, 'ControlPlaneExposed')).toMatchObject({ status: 'True', reason: 'ClusterIPService' });
    expect(cond(s, 'Available').status).toBe('True');
  });

  it('sleep (replicas 0) says so and how to wake', () => {
    const s = computeStatus({ ...healthy, desiredReplicas: 0, statefulSet: sts(0, 0) });
    expect(cond(s, 'Available')).toMatchObject({ status: 'False', reason: 'Sleeping' });
    expect(cond(s, 'Available').message).toMatch(/set spec.replicas to 1 or more/);
    expect(isHealthy(cond(s, 'Available'))).toBe(true);
  });

  it('scaling and rolling updates', () => {
    expect(cond(computeStatus({ ...healthy, desiredReplicas: 3, statefulSet: sts(1, 1) }), 'ControlPlaneScaling')).toMatchObject({
      status: 'True',
      reason: 'ScalingUp',
    });
    expect(cond(computeStatus({ ...healthy, desiredReplicas: 1, statefulSet: sts(3, 3) }), 'ControlPlaneScaling')).toMatchObject({
      status: 'True',
      reason: 'ScalingDown',
    });
    const rolling = computeStatus({ ...healthy, desiredReplicas: 3, statefulSet: sts(3, 3, 1, true) });
    expect(cond(rolling, 'ControlPlaneUpToDate')).toMatchObject({ status: 'False', reason: 'NotAllReplicasUpToDate' });
    expect(cond(rolling, 'ControlPlaneUpToDate').message).toMatch(/1 of 3 replicas/);
  });

  it('failures: spec errors, missing certificates, LB pending, functional probe', () => {
    const bad = computeStatus({ ...healthy, failure: { reason: 'InvalidK0sConfig', message: 'spec.k0sConfig.spec must be an object' } });
    expect(cond(bad, 'Available')).toMatchObject({ status: 'False', reason: 'InvalidK0sConfig' });
    expect(bad.reconciliationStatus).toBe('Failed: spec.k0sConfig.spec must be an object');
    expect(isHealthy(cond(bad, 'Available'))).toBe(false);
    const certs = computeStatus({ ...healthy, certificates: { ok: false, reason: 'NotFound', message: 'Secret my-ca not found' } });
    expect(cond(certs, 'CertificatesAvailable')).toMatchObject({ status: 'False', reason: 'NotFound' });
    expect(cond(certs, 'Available').reason).toBe('CertificatesNotAvailable');
    const lb = computeStatus({ ...healthy, endpoint: { known: false, reason: 'WaitingForLoadBalancer', message: 'no address' }, kubeconfig: undefined });
    expect(cond(lb, 'ControlPlaneExposed')).toMatchObject({ status: 'False', reason: 'WaitingForLoadBalancer' });
    expect(lb.endpoint).toBeUndefined();
    const nf = computeStatus({ ...healthy, functional: { status: 'False', reason: 'NotFound', message: 'kube-system not found' } });
    expect(cond(nf, 'Available')).toMatchObject({ status: 'False', reason: 'ControlPlaneNotFunctional' });
  });

  it('status.workers: the count from a functional probe, none while the control plane does not answer, unchanged while paused', () => {
    const up = { status: 'True' as const, reason: 'KubeSystemNamespaceFound', message: 'answers', workers: { total: 2, ready: 1 } };
    const counted = computeStatus({ ...healthy, functional: up });
    expect(counted.workers).toEqual({ total: 2, ready: 1 });
    // The count is not part of the condition, so a new count does not move lastTransitionTime.
    const more = computeStatus({ ...healthy, now: later, previous: counted, functional: { ...up, workers: { total: 2, ready: 2 } } });
    expect(more.workers).toEqual({ total: 2, ready: 2 });
    expect(cond(more, 'ControlPlaneFunctional')).toEqual(cond(counted, 'ControlPlaneFunctional'));
    // An unchanged count computes an identical status: the controller writes nothing.
    expect(computeStatus({ ...healthy, now: later, previous: more, functional: { ...up, workers: { total: 2, ready: 2 } } })).toEqual(more);
    const down = computeStatus({ ...healthy, previous: counted, functional: { status: 'False', reason: 'Unreachable', message: 'connection refused' } });
    expect(down.workers).toBeUndefined();
    expect(computeStatus({ ...healthy, functional: { status: 'True', reason: 'KubeSystemNamespaceFound', message: 'answers' } }).workers).toBeUndefined();
    const paused = computeStatus({ ...healthy, now: later, previous: counted, paused: true, functional: { ...up, workers: { total: 5, ready: 5 } } });
    expect(paused.workers).toEqual({ total: 2, ready: 1 });
  });

  it('pause changes only the Paused condition', () => {
    const first = computeStatus(healthy);
    const paused = computeStatus({ ...healthy, now: later, previous: first, paused: true, statefulSet: sts(1, 0) });
    expect(cond(paused, 'Paused')).toMatchObject({ status: 'True', reason: 'Paused' });
    expect(cond(paused, 'Available')).toEqual(cond(first, 'Available'));
    expect(paused.readyReplicas).toBe(1);
    expect(paused.reconciliationStatus).toBe('Paused');
  });

  it('deleting', () => {
    const s = computeStatus({ ...healthy, deleting: true });
    expect(cond(s, 'Deleting')).toMatchObject({ status: 'True', reason: 'Deleting' });
    expect(cond(s, 'Available')).toMatchObject({ status: 'False', reason: 'Deleting' });
  });

  it('keeps earlier conditions for facts not observed this time', () => {
    const first = computeStatus(healthy);
    const partial = computeStatus({
      ...healthy,
      now: later,
      previous: first,
      certificates: undefined,
      kubeconfig: undefined,
      failure: { reason: 'PatchFailed', message: 'x' },
    });
    expect(cond(partial, 'CertificatesAvailable')).toEqual(cond(first, 'CertificatesAvailable'));
    expect(cond(partial, 'KubeconfigSecretAvailable')).toEqual(cond(first, 'KubeconfigSecretAvailable'));
  });
});

describe('notableConditionChanges', () => {
  const notable = (before: ReturnType<typeof computeStatus> | undefined, after: ReturnType<typeof computeStatus>) =>
    notableConditionChanges(before?.conditions, after.conditions!).map(c => `${c.healthy ? 'Normal' : 'Warning'}:${c.type}=${c.status}`);

  it('a new Cluster coming up announces only Available turning True', () => {
    const starting = computeStatus({ ...healthy, statefulSet: undefined });
    expect(notable(undefined, starting)).toEqual([]);
    const up = computeStatus({ ...healthy, now: later, previous: starting });
    expect(conditionChanges(starting.conditions, up.conditions!).length).toBeGreaterThan(1);
    expect(notable(starting, up)).toEqual(['Normal:Available=True']);
  });

  it('problems are Warnings, recoveries Normal, on first sight too', () => {
    const ok = computeStatus(healthy);
    const broken = computeStatus({
      ...healthy,
      now: later,
      previous: ok,
      certificates: { ok: false, reason: 'CertificateSecretNotFound', message: 'Secret x is missing' },
    });
    expect(notable(ok, broken)).toContain('Warning:CertificatesAvailable=False');
    expect(notable(undefined, broken)).toContain('Warning:CertificatesAvailable=False');
    const fixed = computeStatus({ ...healthy, now: later, previous: broken });
    expect(notable(broken, fixed)).toContain('Normal:CertificatesAvailable=True');
  });

  it('nothing when nothing changed', () => {
    const s = computeStatus(healthy);
    expect(notable(s, computeStatus({ ...healthy, previous: s }))).toEqual([]);
  });
});
