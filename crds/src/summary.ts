// One reading of a Cluster's state for every face (CLI, Backstage, the printer columns' spirit),
// so a cluster is never "Ready" in one place and "Degraded" in another. Pure and browser-safe.
import { ANNOTATION_PAUSED, JOIN_TOKEN_CONDITION } from './constants';
import { findCondition, isConditionTrue } from './conditions';
import type { Cluster } from './schema/cluster';
import type { JoinTokenRequest } from './schema/jointokenrequest';
import { clusterEndpoint, joinTokenExpiry, statusWriter, upstreamMessage, upstreamPhase, type ClusterPhase } from './status';

/** Condition reasons that mean "something is wrong and waiting will not fix it". */
export const FAILURE_REASONS = new Set([
  'InternalError',
  'Failed',
  'Error',
  'InvalidSpec',
  'Invalid',
  'Degraded',
  'CrashLoop',
  // Refusals: the operator will not act until the spec (or the target Cluster) changes.
  'PolicyViolation',
  'NameConflict',
  'CrossNamespaceDenied',
  'Unsupported',
  'NodePortConflict',
]);

function isPaused(cluster: Cluster): boolean {
  return cluster.metadata?.annotations?.[ANNOTATION_PAUSED] === 'true' || isConditionTrue(cluster, 'Paused');
}

/**
 * The phase shown for a Cluster, the first that applies, in this order: Deleting, Paused,
 * Sleeping (replicas 0), Degraded (a condition failed for a reason waiting will not fix),
 * Available (and the current generation observed), Progressing.
 */
export function clusterPhase(cluster: Cluster): ClusterPhase {
  if (cluster.metadata?.deletionTimestamp) return 'Deleting';
  // Upstream's operator does not know our pause annotation: its Clusters are never Paused here.
  const upstream = statusWriter(cluster) === 'upstream';
  if (!upstream && isPaused(cluster)) return 'Paused';
  if (cluster.spec?.replicas === 0) return 'Sleeping';
  if (upstream) return upstreamPhase(cluster, FAILURE_REASONS);
  const conditions = cluster.status?.conditions ?? [];
  if (conditions.some(c => c.status === 'False' && FAILURE_REASONS.has(c.reason))) return 'Degraded';
  const available = findCondition(cluster, 'Available');
  const generation = cluster.metadata?.generation;
  const observed = cluster.status?.observedGeneration;
  const current = generation === undefined || observed === undefined || observed >= generation;
  if (available?.status === 'True' && current) return 'Available';
  return 'Progressing';
}

export interface ClusterSummary {
  name: string;
  namespace: string;
  phase: ClusterPhase;
  /** `ready/desired` control-plane replicas, e.g. `1/3`. */
  replicas: string;
  version: string;
  serviceType: string;
  endpoint?: string;
  /** The most useful sentence about why the cluster is not Available (empty when it is). */
  message: string;
}

/** The one-line facts a list or a card shows. Uses the CRD defaults for absent fields. */
export function clusterSummary(cluster: Cluster): ClusterSummary {
  const phase = clusterPhase(cluster);
  const desired = cluster.spec?.replicas ?? 1;
  const ready = cluster.status?.readyReplicas ?? 0;
  let message = '';
  if (phase !== 'Available') {
    const failing =
      (cluster.status?.conditions ?? []).find(c => c.status === 'False' && FAILURE_REASONS.has(c.reason)) ??
      (cluster.status?.conditions ?? []).find(c => c.type === 'Available' && c.status !== 'True');
    if (phase === 'Deleting') message = 'The control plane is being deleted.';
    else if (phase === 'Paused') message = `Reconciliation is paused (annotation ${ANNOTATION_PAUSED}).`;
    else if (phase === 'Sleeping') message = 'replicas is 0: the control plane sleeps; scale it up to wake it.';
    else if (statusWriter(cluster) === 'upstream') message = upstreamMessage(cluster, phase === 'Degraded' ? 'Degraded' : 'Progressing', FAILURE_REASONS);
    else message = failing ? `${failing.type}: ${failing.message || failing.reason}` : 'Waiting for the operator.';
  }
  const summary: ClusterSummary = {
    name: cluster.metadata?.name ?? '',
    namespace: cluster.metadata?.namespace ?? '',
    phase,
    replicas: `${ready}/${desired}`,
    version: cluster.status?.version ?? cluster.spec?.version ?? '',
    serviceType: cluster.spec?.service?.type ?? (cluster.spec ? 'ClusterIP' : 'NodePort'),
    message,
  };
  const endpoint = clusterEndpoint(cluster);
  if (endpoint) summary.endpoint = endpoint.url;
  return summary;
}

export type JoinTokenRequestPhase = 'Pending' | 'Issued' | 'Expired' | 'Failed';

/**
 * Pending until the token Secret exists, then Issued until it expires (our `status.expiration`,
 * or upstream's spec.expiry counted from the issue). Upstream releases before v1beta2 set only
 * status.tokenID, without the condition.
 */
export function joinTokenRequestPhase(jtr: JoinTokenRequest, now: Date = new Date()): JoinTokenRequestPhase {
  const created = findCondition(jtr, JOIN_TOKEN_CONDITION);
  if (created?.status === 'False' && FAILURE_REASONS.has(created.reason)) return 'Failed';
  if (created?.status !== 'True' && !(created === undefined && jtr.status?.tokenID)) return 'Pending';
  const expiry = joinTokenExpiry(jtr);
  if (expiry.kind === 'at' && new Date(expiry.at).getTime() <= now.getTime()) return 'Expired';
  return 'Issued';
}
