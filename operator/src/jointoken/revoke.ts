// Revocation: when a JoinTokenRequest is deleted, its finalizer deletes
// `kube-system/bootstrap-token-<id>` in the child. It does not hold the JTR forever: the finalizer
// is released at once when no token was issued, when the Cluster is gone or being deleted (its
// datastore goes with it), when the token already expired, and otherwise after
// REVOKE_GIVE_UP_MS of failed attempts, with a Warning event saying the token may keep working
// until it expires.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster, JoinTokenRequest } from '@k0smotron/api';
import type { ObjectKey, ReconcileResult } from '../engine/contract';
import { deleteChildSecret } from './child-token';
import { reachChild } from './control-plane';
import { CLUSTER_GVK } from './kinds';
import { JTR_FINALIZER, releaseFinalizer } from './metadata';
import type { JoinTokenStep } from './reconcile-step';

/** Give up revoking a deleted JTR's token after this long (see the header). */
export const REVOKE_GIVE_UP_MS = 10 * 60_000;

/** What deleting `jtr` takes: nothing left to revoke (release the finalizer), or deleting its token in `cluster`. */
export function revocation(jtr: JoinTokenRequest, cluster: Cluster | undefined, now: Date): { release: true } | { revoke: string; cluster: Cluster } {
  const tokenId = jtr.status?.tokenID;
  if (!tokenId) return { release: true };
  if (!cluster || cluster.metadata?.deletionTimestamp || (jtr.status?.clusterUID && cluster.metadata?.uid !== jtr.status.clusterUID)) return { release: true };
  const expiration = jtr.status?.expiration ? Date.parse(jtr.status.expiration) : undefined;
  if (expiration !== undefined && expiration <= now.getTime()) return { release: true };
  return { revoke: tokenId, cluster };
}

/** Still worth retrying the revocation (with the engine's backoff), or time to give up. */
export function keepTryingToRevoke(jtr: JoinTokenRequest, now: Date): boolean {
  const since = jtr.metadata.deletionTimestamp ? Date.parse(jtr.metadata.deletionTimestamp) : now.getTime();
  return now.getTime() - since < REVOKE_GIVE_UP_MS;
}

/** The Warning a user gets when the token could not be revoked: how long it may work, and how to delete it by hand. */
export function notRevokedMessage(jtr: JoinTokenRequest, tokenId: string, err: Error): string {
  const until = jtr.status?.expiration ? `until ${jtr.status.expiration}` : 'with no expiry';
  return (
    `could not delete bootstrap-token-${tokenId} from the control plane for ${REVOKE_GIVE_UP_MS / 60000} min ` +
    `(${err.message}); the token may keep working ${until}. ` +
    `Delete it there with: kubectl -n kube-system delete secret bootstrap-token-${tokenId}`
  );
}

/** A deleted JTR: revoke its token in the child if there is one to revoke, then release the finalizer. */
export async function revokeAndRelease(step: JoinTokenStep, jtr: JoinTokenRequest, clusterKey: ObjectKey | undefined): Promise<ReconcileResult | void> {
  if (!(jtr.metadata.finalizers ?? []).includes(JTR_FINALIZER)) return;
  const { ctx } = step;
  const cluster = clusterKey ? ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, clusterKey.namespace, clusterKey.name) : undefined;
  const plan = revocation(jtr, cluster, ctx.now());
  if ('revoke' in plan) {
    const tokenId = plan.revoke;
    try {
      const { child } = await reachChild(step, plan.cluster);
      await deleteChildSecret(child, tokenId, ctx.signal);
      ctx.events.event(jtr as KubernetesObject, 'Normal', 'TokenRevoked', `bootstrap token ${tokenId} deleted from the control plane`);
    } catch (err) {
      if (keepTryingToRevoke(jtr, ctx.now())) throw err; // retried with backoff
      ctx.events.event(jtr as KubernetesObject, 'Warning', 'TokenNotRevoked', notRevokedMessage(jtr, tokenId, err as Error));
    }
  }
  await releaseFinalizer(step, jtr);
}
