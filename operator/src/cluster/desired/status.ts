// Cluster status, computed from what the reconcile observed. Pure: the same facts give the same
// status, and lastTransitionTime only moves when a condition's status changes, so an unchanged
// Cluster produces an identical status and no write.
import type { V1StatefulSet } from '@kubernetes/client-node';
import {
  clusterObjectNames,
  controlPlaneSelectorLabels,
  formatLabelSelector,
  type ClusterConditionType,
  type ClusterStatus,
  type Condition,
} from '@k0smotron/api';
import type { EndpointResult } from './endpoint';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface FunctionalResult {
  status: ConditionStatus;
  reason: string;
  message: string;
  /** The child's Nodes, when the probe could count them. */
  workers?: { total: number; ready: number };
}

export type CertificatesFact = { ok: true; generated: string[]; provided: string[] } | { ok: false; reason: string; message: string };

export type KubeconfigFact = { ok: true; secretName: string } | { ok: false; reason: string; message: string };

export interface StatusFacts {
  name: string;
  namespace: string;
  generation: number;
  desiredReplicas: number;
  version: string;
  now: Date;
  previous?: ClusterStatus;
  paused?: boolean;
  deleting?: boolean;
  /** A problem with the spec or a step that failed; shown in Available and reconciliationStatus. */
  failure?: { reason: string; message: string };
  statefulSet?: V1StatefulSet;
  endpoint?: EndpointResult;
  certificates?: CertificatesFact;
  kubeconfig?: KubeconfigFact;
  functional?: FunctionalResult;
  /** Unsupported features the spec switches on (ignored; reported in FeaturesSupported). */
  unsupported?: Array<{ field: string; message: string }>;
}

type Draft = { status: ConditionStatus; reason: string; message: string };

function setCondition(previous: Condition[] | undefined, type: ClusterConditionType, d: Draft, generation: number, now: Date): Condition {
  const old = previous?.find(c => c.type === type);
  const lastTransitionTime = old && old.status === d.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { type, status: d.status, observedGeneration: generation, lastTransitionTime, reason: d.reason, message: d.message };
}

function replicasOf(sts: V1StatefulSet | undefined) {
  const s = sts?.status;
  return {
    exists: !!sts,
    replicas: s?.replicas ?? 0,
    ready: s?.readyReplicas ?? 0,
    updated: s?.updatedReplicas ?? 0,
    // The StatefulSet controller has seen the latest template and finished rolling it out.
    rolledOut: !!sts && (s?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0) && (!s?.updateRevision || s.currentRevision === s.updateRevision),
  };
}

export function computeStatus(f: StatusFacts): ClusterStatus {
  const prev = f.previous?.conditions;
  const keep = (type: ClusterConditionType, fallback: Draft): Draft => {
    const old = prev?.find(c => c.type === type);
    return old ? { status: old.status, reason: old.reason, message: old.message } : fallback;
  };
  const unknown = (reason: string, message: string): Draft => ({ status: 'Unknown', reason, message });
  const r = replicasOf(f.statefulSet);
  const want = f.desiredReplicas;
  const sleeping = want === 0;
  const stsName = f.statefulSet?.metadata?.name ?? clusterObjectNames(f.name).statefulSet;
  const podsHint = `kubectl -n ${f.namespace} get pods -l ${formatLabelSelector(controlPlaneSelectorLabels(f.name))}`;

  const certificates: Draft = f.certificates
    ? f.certificates.ok
      ? {
          status: 'True',
          reason: f.certificates.provided.length ? 'Provided' : 'Created',
          message: f.certificates.provided.length
            ? `certificates from spec.certificateRefs (${f.certificates.provided.join(', ')})${f.certificates.generated.length ? `, generated: ${f.certificates.generated.join(', ')}` : ''}`
            : `generated certificates: ${f.certificates.generated.join(', ')}`,
        }
      : { status: 'False', reason: f.certificates.reason, message: f.certificates.message }
    : keep('CertificatesAvailable', unknown('NotChecked', 'certificates have not been checked yet'));

  const exposed: Draft = f.endpoint
    ? f.endpoint.known
      ? {
          status: 'True',
          reason: { spec: 'ExternalAddress', loadBalancer: 'LoadBalancerReady', node: 'NodePortReady', serviceDNS: 'ClusterIPService' }[f.endpoint.source],
          message:
            f.endpoint.source === 'serviceDNS'
              ? `reachable inside the management cluster at ${f.endpoint.url}; set service.type NodePort or LoadBalancer, or spec.externalAddress, for outside access`
              : `reachable at ${f.endpoint.url}`,
        }
      : { status: 'False', reason: f.endpoint.reason, message: f.endpoint.message }
    : keep('ControlPlaneExposed', unknown('NotChecked', 'the endpoint has not been resolved yet'));

  const kubeconfig: Draft = f.kubeconfig
    ? f.kubeconfig.ok
      ? { status: 'True', reason: 'Created', message: `admin kubeconfig in Secret ${f.kubeconfig.secretName}, key value` }
      : { status: 'False', reason: f.kubeconfig.reason, message: f.kubeconfig.message }
    : keep('KubeconfigSecretAvailable', unknown('NotChecked', 'the kubeconfig Secret has not been checked yet'));

  const scaling: Draft = !r.exists
    ? { status: 'False', reason: 'NotCreated', message: `StatefulSet ${stsName} does not exist yet` }
    : r.replicas < want || (r.ready < want && r.replicas === want && r.updated >= want && r.rolledOut)
      ? { status: 'True', reason: 'ScalingUp', message: `scaling up: ${r.ready} of ${want} replicas Ready` }
      : r.replicas > want
        ? { status: 'True', reason: 'ScalingDown', message: `scaling down from ${r.replicas} to ${want} replicas` }
        : { status: 'False', reason: 'ControlPlaneWithDesiredReplicas', message: `${want} replicas as desired` };

  const upToDate: Draft = !r.exists
    ? { status: 'False', reason: 'NotCreated', message: `StatefulSet ${stsName} does not exist yet` }
    : r.rolledOut && r.updated >= Math.min(want, r.replicas)
      ? {
          status: 'True',
          reason: 'AllReplicasUpToDate',
          message: sleeping ? 'no replicas (asleep)' : `all ${want} replicas run version ${f.version} and the current config`,
        }
      : {
          status: 'False',
          reason: 'NotAllReplicasUpToDate',
          message: `${r.updated} of ${want} replicas run the current template (version ${f.version}); rolling update in progress`,
        };

  const functional: Draft = f.functional
    ? { status: f.functional.status, reason: f.functional.reason, message: f.functional.message }
    : { status: 'Unknown', reason: 'NotChecked', message: 'the control plane API has not been probed' };
  const deleting: Draft = f.deleting
    ? { status: 'True', reason: 'Deleting', message: 'the Cluster is being deleted; its children go with it (garbage collection)' }
    : { status: 'False', reason: 'NotDeleting', message: 'not being deleted' };
  const paused: Draft = f.paused
    ? { status: 'True', reason: 'Paused', message: 'annotation k0smotron.io/paused=true: the operator makes no changes; remove the annotation to resume' }
    : { status: 'False', reason: 'NotPaused', message: 'reconciling' };

  let available: Draft;
  if (f.deleting) available = { status: 'False', reason: 'Deleting', message: 'the Cluster is being deleted' };
  else if (f.failure) available = { status: 'False', reason: f.failure.reason, message: f.failure.message };
  else if (certificates.status !== 'True') available = { status: 'False', reason: 'CertificatesNotAvailable', message: certificates.message };
  else if (exposed.status !== 'True') available = { status: 'False', reason: 'NotExposed', message: exposed.message };
  else if (kubeconfig.status !== 'True') available = { status: 'False', reason: 'KubeconfigNotAvailable', message: kubeconfig.message };
  else if (sleeping)
    available = {
      status: 'False',
      reason: 'Sleeping',
      message: 'spec.replicas is 0: the control plane is asleep (no pods; data and certificates are kept); set spec.replicas to 1 or more to wake it',
    };
  else if (r.ready < 1) available = { status: 'False', reason: 'NoReadyReplicas', message: `0 of ${want} control-plane replicas Ready yet; see ${podsHint}` };
  else if (functional.status === 'False') available = { status: 'False', reason: 'ControlPlaneNotFunctional', message: functional.message };
  else available = { status: 'True', reason: 'Available', message: `${r.ready} of ${want} replicas Ready` };

  const drafts: Array<[ClusterConditionType, Draft]> = [
    ['Available', available],
    ['ControlPlaneFunctional', functional],
    ['KubeconfigSecretAvailable', kubeconfig],
    ['ControlPlaneExposed', exposed],
    ['ControlPlaneScaling', scaling],
    ['ControlPlaneUpToDate', upToDate],
    ['CertificatesAvailable', certificates],
    ['Deleting', deleting],
    ['Paused', paused],
  ];
  // Only while a switched-on feature is ignored: most Clusters never carry this condition.
  if (f.unsupported?.length) {
    drafts.push(['FeaturesSupported', { status: 'False', reason: 'Unsupported', message: f.unsupported.map(u => u.message).join(' ') }]);
  }
  // While paused nothing else is re-evaluated: only Paused changes.
  const conditions = drafts.map(([type, d]) => setCondition(prev, type, f.paused && type !== 'Paused' ? keep(type, d) : d, f.generation, f.now));

  const status: ClusterStatus = {
    conditions,
    observedGeneration: f.generation,
    replicas: r.replicas,
    readyReplicas: r.ready,
    updatedReplicas: r.updated,
    selector: formatLabelSelector(controlPlaneSelectorLabels(f.name)),
    version: f.version,
    ready: available.status === 'True' && r.ready >= want,
    reconciliationStatus: f.failure ? `Failed: ${f.failure.message}` : f.paused ? 'Paused' : 'Reconciliation successful',
  };
  const endpointUrl = f.endpoint?.known ? f.endpoint.url : f.endpoint ? undefined : f.previous?.endpoint;
  if (endpointUrl) status.endpoint = endpointUrl;
  // Only a control plane that answers gives a count; while it does not, no number is shown
  // rather than a stale one.
  if (f.functional?.status === 'True' && f.functional.workers) {
    status.workers = { total: f.functional.workers.total, ready: f.functional.workers.ready };
  }
  if (f.paused && f.previous) {
    // Keep the observed numbers as they were; a paused Cluster reports, it does not act.
    for (const k of ['replicas', 'readyReplicas', 'updatedReplicas', 'endpoint', 'version', 'ready', 'workers'] as const) {
      if (f.previous[k] !== undefined) (status as Record<string, unknown>)[k] = f.previous[k];
    }
  }
  return status;
}

/** Conditions whose status or reason changed: each becomes one Event. */
export function conditionChanges(before: Condition[] | undefined, after: Condition[]): Condition[] {
  return after.filter(c => {
    const b = before?.find(x => x.type === c.type);
    return !b || b.status !== c.status || b.reason !== c.reason;
  });
}

/** Healthy transitions still worth an Event: the milestone users wait for, and what they toggle. */
const ANNOUNCED_WHEN_HEALTHY = new Set(['Available', 'Paused']);

/**
 * The changed conditions that deserve an Event (one API write each): every change into an
 * unhealthy state (Warning), every recovery from one, and Available/Paused turning True or False.
 * Routine progress (a new Cluster's conditions turning True one by one, reasons moving between
 * healthy states) is left to the conditions: at 1000 Clusters those Events were 6 of the 27 writes
 * a new Cluster cost.
 */
export function notableConditionChanges(before: Condition[] | undefined, after: Condition[]): Array<Condition & { healthy: boolean }> {
  const out: Array<Condition & { healthy: boolean }> = [];
  for (const c of conditionChanges(before, after)) {
    const healthy = isHealthy(c);
    const b = before?.find(x => x.type === c.type);
    if (!healthy) out.push({ ...c, healthy });
    else if (b && !isHealthy(b)) out.push({ ...c, healthy });
    else if (b && ANNOUNCED_WHEN_HEALTHY.has(c.type) && b.status !== c.status) out.push({ ...c, healthy });
  }
  return out;
}

/** Whether a condition in this state is good news (Normal event) or needs attention (Warning). */
export function isHealthy(c: Pick<Condition, 'type' | 'status' | 'reason'>): boolean {
  switch (c.type) {
    case 'Deleting':
    case 'Paused':
    case 'ControlPlaneScaling':
      return true;
    case 'ControlPlaneFunctional':
      return c.status !== 'False';
    case 'Available':
      return c.status === 'True' || ['Sleeping', 'NoReadyReplicas', 'Deleting'].includes(c.reason) || c.reason === 'NotChecked';
    case 'ControlPlaneUpToDate':
      return true;
    default:
      return c.status !== 'False' || c.reason === 'WaitingForLoadBalancer';
  }
}
