// The v1beta1 alias kind: each `k0smotron.io/v1beta1 K0smotronCluster` becomes a `Cluster` of the
// same name and namespace, controller-owned by it (so deleting it deletes the Cluster), with the
// spec passed through normalizeClusterSpec (v1beta1 names, `spec: null` defaults). The Cluster's
// status is mirrored back, so `kubectl get k0smotronclusters` shows the endpoint and conditions.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  API_VERSION,
  API_VERSION_V1BETA1,
  CLUSTER_KIND,
  K0SMOTRON_CLUSTER_KIND,
  normalizeClusterSpec,
  type Cluster,
  type ClusterSpec,
  type ClusterStatus,
  type K0smotronCluster,
} from '@k0smotron/api';
import type { ControllerSpec, ReconcileContext, ObjectKey } from '../engine/contract';

export const K0SMOTRON_CLUSTER_GVK = { apiVersion: API_VERSION_V1BETA1, kind: K0SMOTRON_CLUSTER_KIND };
const CLUSTER_GVK = { apiVersion: API_VERSION, kind: CLUSTER_KIND };

/**
 * Labels and annotations that belong to tools, not to the user's intent. `regenerate-ca` is a
 * one-off request that the Cluster controller removes once seen; copied, it would come back with
 * every mirror and be removed again, forever. It goes on the Cluster itself.
 */
const NOT_COPIED = /^(kubectl\.kubernetes\.io\/|k0smotron\.io\/applied-hash|k0smotron\.io\/regenerate-ca$)/;

function copyMeta(m: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!m) return undefined;
  const out = Object.fromEntries(Object.entries(m).filter(([key]) => !NOT_COPIED.test(key)));
  return Object.keys(out).length ? out : undefined;
}

/** The Cluster a K0smotronCluster stands for. Pure. */
export function desiredClusterFor(kc: K0smotronCluster): Cluster {
  const { name, namespace, uid } = kc.metadata;
  if (!name || !namespace || !uid) throw new Error('K0smotronCluster needs name, namespace and uid');
  const labels = copyMeta(kc.metadata.labels);
  const annotations = copyMeta(kc.metadata.annotations);
  return {
    apiVersion: API_VERSION,
    kind: CLUSTER_KIND,
    metadata: {
      name,
      namespace,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ownerReferences: [{ apiVersion: API_VERSION_V1BETA1, kind: K0SMOTRON_CLUSTER_KIND, name, uid, controller: true, blockOwnerDeletion: true }],
    },
    // The normalised spec is a valid Cluster spec (v1beta2 names, defaults filled in).
    spec: normalizeClusterSpec(kc.spec ?? null) as ClusterSpec,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function k0smotronClusterController(): ControllerSpec {
  async function reconcile(key: ObjectKey, ctx: ReconcileContext) {
    const kc = ctx.cache.get<K0smotronCluster & KubernetesObject>(K0SMOTRON_CLUSTER_GVK, key.namespace, key.name);
    if (!kc || kc.metadata.deletionTimestamp) return; // owner-reference GC removes the Cluster
    const cluster = ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, key.namespace, key.name);
    if (cluster && !cluster.metadata.ownerReferences?.some(o => o.uid === kc.metadata.uid)) {
      // A Cluster of that name exists and is not ours: never take it over.
      ctx.events.event(
        kc,
        'Warning',
        'ClusterExists',
        `Cluster ${key.namespace}/${key.name} already exists and is not owned by this K0smotronCluster; rename one of them`,
      );
      return;
    }
    await ctx.client.applyIfChanged(desiredClusterFor(kc) as KubernetesObject, cluster);
    const status: ClusterStatus | undefined = cluster?.status;
    if (status && !sameJson(status, kc.status)) {
      await ctx.client.mergePatch(
        { ...K0SMOTRON_CLUSTER_GVK, namespace: key.namespace, name: key.name },
        // A merge patch replaces what we mirrored before; null clears fields the Cluster dropped.
        { status: { ...Object.fromEntries(Object.keys(kc.status ?? {}).map(f => [f, null])), ...status } },
        { subresource: 'status' },
      );
    }
  }

  return {
    name: 'k0smotroncluster',
    for: K0SMOTRON_CLUSTER_GVK,
    owns: [CLUSTER_GVK],
    reconcile,
  };
}
