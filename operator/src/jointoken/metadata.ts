// The JoinTokenRequest's own metadata: the finalizer that lets its token be revoked when it is
// deleted, and an owner reference to a Cluster in its namespace, so deleting the Cluster deletes
// its requests. Pure patches, written as merge patches with the cached resourceVersion: a
// deleted JTR is never re-created (apply would), and a stale cache turns into a conflict and a
// retry instead of lost list entries.
import { API_VERSION, CLUSTER_KIND, type Cluster, type JoinTokenRequest, type OwnerReference } from '@k0smotron/api';
import { JTR_GVK } from './kinds';
import type { JoinTokenStep } from './reconcile-step';

export const JTR_FINALIZER = 'jointokenrequests.k0smotron.io/finalizer';

interface MetadataPatch {
  metadata: { resourceVersion?: string; finalizers?: string[]; ownerReferences?: OwnerReference[] };
}

/** The patch adding what `jtr` lacks (finalizer, owner reference), or undefined when it has both. */
export function finalizerAndOwnerPatch(jtr: JoinTokenRequest, cluster: Cluster | undefined): MetadataPatch | undefined {
  const finalizers = jtr.metadata.finalizers ?? [];
  const owners = jtr.metadata.ownerReferences ?? [];
  const clusterUid = cluster?.metadata.uid;
  const wantOwner = !!cluster && cluster.metadata.namespace === jtr.metadata.namespace && !!clusterUid && !owners.some(o => o.uid === clusterUid);
  const wantFinalizer = !finalizers.includes(JTR_FINALIZER);
  if (!wantOwner && !wantFinalizer) return undefined;
  const ownerRef: OwnerReference | undefined =
    wantOwner && clusterUid
      ? {
          apiVersion: API_VERSION,
          kind: CLUSTER_KIND,
          name: cluster.metadata.name ?? '',
          uid: clusterUid,
          // Controller only if nothing else controls it already (at most one controller owner).
          controller: !owners.some(o => o.controller),
          blockOwnerDeletion: true,
        }
      : undefined;
  return {
    metadata: {
      resourceVersion: jtr.metadata.resourceVersion,
      ...(wantFinalizer ? { finalizers: [...finalizers, JTR_FINALIZER] } : {}),
      ...(ownerRef ? { ownerReferences: [...owners, ownerRef] } : {}),
    },
  };
}

/** The patch taking our finalizer off. */
export function releaseFinalizerPatch(jtr: JoinTokenRequest): MetadataPatch {
  return { metadata: { resourceVersion: jtr.metadata.resourceVersion, finalizers: (jtr.metadata.finalizers ?? []).filter(f => f !== JTR_FINALIZER) } };
}

/** Adds the finalizer and owner reference when missing; true when it wrote (the update event brings the JTR back). */
export async function ensureFinalizerAndOwner(step: JoinTokenStep, jtr: JoinTokenRequest, cluster: Cluster | undefined): Promise<boolean> {
  const patch = finalizerAndOwnerPatch(jtr, cluster);
  if (!patch) return false;
  await patchMetadata(step, jtr, patch);
  return true;
}

export async function releaseFinalizer(step: JoinTokenStep, jtr: JoinTokenRequest): Promise<void> {
  await patchMetadata(step, jtr, releaseFinalizerPatch(jtr));
}

async function patchMetadata(step: JoinTokenStep, jtr: JoinTokenRequest, patch: MetadataPatch): Promise<void> {
  await step.ctx.client.mergePatch({ ...JTR_GVK, namespace: jtr.metadata.namespace, name: jtr.metadata.name ?? '' }, patch);
}
