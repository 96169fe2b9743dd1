import { ANNOTATION_PAUSED, DEFAULT_K0S_VERSION, clusterEndpoint, clusterPhase, normalizeClusterSpec, statusWriter, type Cluster } from '@k0smotron/api';
import type { KubeEvent } from '@k0smotron/api/client';
import type { CertificateSummary, ClusterDetails, ClusterEvent, ClusterSummary, OwnedObjectSummary } from '@k0smotron/plugin-k0smotron-common';

// Pure mappings from Kubernetes objects to the REST bodies. Nothing secret leaves here: only
// names, counts, conditions and certificate expiry dates.

/**
 * Whether reconciliation is paused: our pause annotation is set and an operator that honours it
 * manages the Cluster. Upstream k0smotron's operator ignores the annotation, so a Cluster whose
 * status it writes is never shown paused (the same rule as clusterPhase's Paused).
 */
export function isPaused(cluster: Cluster): boolean {
  return cluster.metadata.annotations?.[ANNOTATION_PAUSED] === 'true' && statusWriter(cluster) !== 'upstream';
}

/** The datastore the operator runs the Cluster with (its reading of the spec, v1beta1 fields included). */
export function storageTypeOf(cluster: Cluster): string {
  return normalizeClusterSpec(cluster.spec).storage.type;
}

// The informer replaces an object on every change, so object identity is a safe memo key.
const summaryMemo = new WeakMap<Cluster, { managementCluster: string; summary: ClusterSummary }>();

/** toClusterSummary of a cached (never mutated) object, computed once per object version. */
export function cachedClusterSummary(managementCluster: string, cluster: Cluster): ClusterSummary {
  const hit = summaryMemo.get(cluster);
  if (hit && hit.managementCluster === managementCluster) return hit.summary;
  const summary = toClusterSummary(managementCluster, cluster);
  summaryMemo.set(cluster, { managementCluster, summary });
  return summary;
}

export function toClusterSummary(managementCluster: string, cluster: Cluster): ClusterSummary {
  const spec = cluster.spec ?? {};
  const status = cluster.status ?? {};
  const replicas = spec.replicas ?? 1;
  const summary: ClusterSummary = {
    managementCluster,
    namespace: cluster.metadata.namespace ?? '',
    name: cluster.metadata.name ?? '',
    uid: cluster.metadata.uid ?? '',
    creationTimestamp: cluster.metadata.creationTimestamp ?? '',
    phase: clusterPhase(cluster),
    replicas,
    readyReplicas: status.readyReplicas ?? 0,
    version: status.version ?? spec.version ?? DEFAULT_K0S_VERSION,
    serviceType: spec.service?.type ?? 'ClusterIP',
    storageType: storageTypeOf(cluster),
    paused: isPaused(cluster),
    managedBy: statusWriter(cluster),
    sleeping: replicas === 0,
    conditions: status.conditions ?? [],
    labels: cluster.metadata.labels ?? {},
  };
  // Ours reports status.endpoint; for a Cluster upstream's operator manages it is derived.
  const endpoint = clusterEndpoint(cluster);
  if (endpoint) summary.endpoint = endpoint.url;
  if (status.workers) summary.workers = { total: status.workers.total, ready: status.workers.ready };
  return summary;
}

export interface ClusterListFilter {
  namespace?: string;
  phase?: string;
}

/** Filters summaries by namespace and phase. */
export function filterSummaries(summaries: readonly ClusterSummary[], filter: ClusterListFilter): ClusterSummary[] {
  return summaries.filter(s => (!filter.namespace || s.namespace === filter.namespace) && (!filter.phase || s.phase === filter.phase));
}

/** Stable order for lists: management cluster, namespace, name. */
export function compareSummaries(a: ClusterSummary, b: ClusterSummary): number {
  return a.managementCluster.localeCompare(b.managementCluster) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

/** The most recent events, newest first (`events` come oldest first). */
export function toClusterEvents(events: KubeEvent[], limit = 20): ClusterEvent[] {
  return events
    .slice(-limit)
    .reverse()
    .map(e => ({
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
      lastTimestamp: isoTime(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp),
    }));
}

/** The time in one ISO form (with milliseconds), whatever precision the server wrote. */
function isoTime(t: string | undefined): string {
  if (!t) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString();
}

export function toClusterDetails(
  managementCluster: string,
  cluster: Cluster,
  extra: { ownedObjects: OwnedObjectSummary[]; events: KubeEvent[]; certificates: CertificateSummary[] },
): ClusterDetails {
  return {
    ...toClusterSummary(managementCluster, cluster),
    spec: cluster.spec ?? {},
    status: cluster.status ?? {},
    ownedObjects: extra.ownedObjects,
    events: toClusterEvents(extra.events),
    certificates: extra.certificates,
  };
}
