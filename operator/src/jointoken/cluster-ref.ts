// Which Cluster a JoinTokenRequest names, and the engine cache index that answers the reverse
// question (which requests name this Cluster) for the Cluster watch.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster, JoinTokenRequest } from '@k0smotron/api';
import type { Cache, CacheIndex, ObjectKey } from '../engine/contract';
import { JTR_GVK } from './kinds';

/** "ns/name": how keys are written in status.cluster, messages and the cache index. */
export const keyString = (o: ObjectKey): string => `${o.namespace}/${o.name}`;

/**
 * Cache index on JoinTokenRequests: "ns/name" of the Cluster each names, so a Cluster event
 * (endpoint set, deleted) wakes the requests that name it.
 */
export const JTR_CLUSTER_INDEX = 'cluster';

/**
 * The Cluster a JTR names: `clusterName` (same namespace) or `clusterRef` (namespace optional).
 * Naming another namespace's Cluster is allowed here; whether it may be served is the policy's
 * call (joinTokenDecision), which needs the Cluster's annotations.
 */
export function clusterKeyOf(jtr: JoinTokenRequest): ObjectKey | { error: string } {
  const ns = jtr.metadata.namespace ?? '';
  if (jtr.spec?.clusterName) return { namespace: ns, name: jtr.spec.clusterName };
  if (jtr.spec?.clusterRef?.name) return { namespace: jtr.spec.clusterRef.namespace || ns, name: jtr.spec.clusterRef.name };
  return { error: 'spec.clusterName (or spec.clusterRef.name) is required: name the Cluster to join' };
}

export const jtrClusterIndex: CacheIndex = {
  ...JTR_GVK,
  name: JTR_CLUSTER_INDEX,
  fn: obj => {
    const ref = clusterKeyOf(obj as JoinTokenRequest & KubernetesObject);
    return 'error' in ref ? [] : [keyString(ref)];
  },
};

/** The requests naming `cluster`, from the cache index. */
export function requestsNaming(cache: Cache, cluster: KubernetesObject): ObjectKey[] {
  return cache
    .byIndex(JTR_GVK, JTR_CLUSTER_INDEX, `${cluster.metadata?.namespace}/${cluster.metadata?.name}`)
    .map(jtr => ({ namespace: jtr.metadata?.namespace ?? '', name: jtr.metadata?.name ?? '' }));
}

/**
 * The Cluster this request's token was issued for is gone (missing, or re-created under the same
 * name with another uid): so is the request.
 */
export function issuedClusterGone(jtr: JoinTokenRequest, cluster: Cluster | undefined): boolean {
  const issuedFor = jtr.status?.clusterUID;
  return !!issuedFor && (!cluster || cluster.metadata.uid !== issuedFor);
}
