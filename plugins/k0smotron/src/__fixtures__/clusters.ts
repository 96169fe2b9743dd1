import type { Condition } from '@k0smotron/api';
import type { ClusterDetails, ClusterPhase } from '@k0smotron/plugin-k0smotron-common';

// Realistic backend answers for tests and the dev app. Times are relative to `now` so ages and
// certificate expiry read sensibly whenever they are rendered.

const minutesAgo = (now: Date, m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const daysFromNow = (now: Date, d: number) => new Date(now.getTime() + d * 86_400_000).toISOString();

function condition(type: string, status: Condition['status'], reason: string, message: string, at: string): Condition {
  return { type, status, reason, message, lastTransitionTime: at };
}

export interface ClusterFixtureOptions {
  managementCluster?: string;
  namespace?: string;
  name?: string;
  phase?: ClusterPhase;
  replicas?: number;
  readyReplicas?: number;
  version?: string;
  now?: Date;
}

/** A Cluster as `GET /clusters/:mc/:ns/:name` returns it, in the given phase. */
export function clusterDetailsFixture(options: ClusterFixtureOptions = {}): ClusterDetails {
  const now = options.now ?? new Date();
  const managementCluster = options.managementCluster ?? 'local';
  const namespace = options.namespace ?? 'default';
  const name = options.name ?? 'kmc-demo';
  const phase = options.phase ?? 'Available';
  const sleeping = phase === 'Sleeping';
  const replicas = options.replicas ?? (sleeping ? 0 : 3);
  const readyReplicas = options.readyReplicas ?? (phase === 'Available' || phase === 'Paused' ? replicas : sleeping ? 0 : 1);
  const version = options.version ?? 'v1.30.2-k0s.0';
  const created = minutesAgo(now, 3 * 24 * 60 + 75);
  const recent = minutesAgo(now, 12);
  const ok = phase === 'Available' || phase === 'Paused';
  const conditions: Condition[] = [
    condition(
      'Available',
      ok ? 'True' : 'False',
      ok ? 'Available' : phase === 'Degraded' ? 'ControlPlaneNotFunctional' : 'Progressing',
      ok ? '' : phase === 'Degraded' ? 'The API server does not answer' : 'Waiting for the controllers to become ready',
      recent,
    ),
    condition(
      'ControlPlaneFunctional',
      ok ? 'True' : 'False',
      ok ? 'KubeSystemNamespaceFound' : 'NotFound',
      ok ? '' : 'Namespace kube-system not found yet',
      recent,
    ),
    condition('KubeconfigSecretAvailable', readyReplicas > 0 ? 'True' : 'False', readyReplicas > 0 ? 'Created' : 'NoReadyReplicas', '', created),
    condition('ControlPlaneExposed', 'True', 'ClusterWithExternalAddress', '', created),
    condition(
      'ControlPlaneScaling',
      readyReplicas === replicas ? 'False' : 'True',
      readyReplicas === replicas ? 'ControlPlaneWithDesiredReplicas' : 'ScalingUp',
      '',
      recent,
    ),
  ];
  if (phase === 'Paused') conditions.push(condition('Paused', 'True', 'Paused', 'Reconciliation is paused', recent));
  const owned = (kind: string, objName: string, ready?: boolean, message?: string) => ({ kind, name: objName, ready, message });
  return {
    managementCluster,
    namespace,
    name,
    uid: `0b6c7f4e-${name}`,
    creationTimestamp: created,
    phase,
    replicas,
    readyReplicas,
    version,
    endpoint: 'https://203.0.113.10:30443',
    serviceType: 'NodePort',
    storageType: 'etcd',
    paused: phase === 'Paused',
    sleeping,
    conditions,
    labels: { team: 'platform' },
    spec: {
      replicas,
      version,
      externalAddress: '203.0.113.10',
      service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 },
      storage: { type: 'etcd' },
    },
    status: { replicas, readyReplicas, endpoint: 'https://203.0.113.10:30443', version, conditions },
    ownedObjects: [
      owned('StatefulSet', `kmc-${name}`, readyReplicas === replicas, `${readyReplicas}/${replicas} ready`),
      owned('StatefulSet', `kmc-${name}-etcd`, true, '3/3 ready'),
      owned('Service', `kmc-${name}-nodeport`, true),
      owned('ConfigMap', `kmc-${name}-config`),
      owned('Secret', `${name}-kubeconfig`, readyReplicas > 0),
    ],
    events: [
      { type: 'Normal', reason: 'Reconciled', message: 'Control plane objects are up to date', count: 4, lastTimestamp: recent },
      ...(phase === 'Degraded'
        ? [{ type: 'Warning', reason: 'Unhealthy', message: 'kube-system namespace not reachable: timeout', count: 7, lastTimestamp: recent }]
        : []),
    ],
    certificates: [
      { name: `${name}-ca`, purpose: 'ca', notAfter: daysFromNow(now, 3640) },
      { name: `${name}-etcd-server`, purpose: 'etcd-server', notAfter: daysFromNow(now, 20) },
      { name: `${name}-proxy`, purpose: 'proxy', notAfter: daysFromNow(now, 360) },
    ],
  };
}
