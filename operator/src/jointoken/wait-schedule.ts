// How a JoinTokenRequest waits for a control plane that is still starting: a named requeue
// schedule, not a failure. A Cluster's API server takes a while to come up after the Cluster is
// created (pods scheduled, certificates, etcd), and a request made in the meantime is normal.
import { ChildAccessError } from '../childapi/access';
import { ChildApiError } from '../childapi/client';

/**
 * While the child cannot be reached: 2 s doubling to 30 s, so a JTR completes soon after the
 * control plane is up. Waiting for a control plane is normal, not an error, so it does not go
 * through the engine's failure backoff (5 ms doubling to 5 min, logged as a failed reconcile):
 * the reconcile returns `{ requeueAfterMs }` and the engine schedules it.
 */
export const CHILD_RETRY_BASE_MS = 2_000;
export const CHILD_RETRY_MAX_MS = 30_000;

/** The wait before attempt `attempt + 1`, after `attempt` (1, 2, ...) in a row found the child unreachable. */
export function controlPlaneWaitMs(attempt: number): number {
  return Math.min(CHILD_RETRY_BASE_MS * 2 ** (Math.max(attempt, 1) - 1), CHILD_RETRY_MAX_MS);
}

/**
 * The condition reason for an error that means "the control plane is not there yet", or
 * undefined for a real error (which goes to the engine's backoff and log): no address or no CA
 * yet, or an address that does not answer.
 */
export function controlPlaneWaitReason(err: unknown): string | undefined {
  if (err instanceof ChildAccessError) return err.reason === 'CertificatesNotReady' ? 'WaitingForCertificates' : 'WaitingForEndpoint';
  if (err instanceof ChildApiError && (['Unreachable', 'Timeout', 'TLSError'] as string[]).includes(err.reason)) return 'ControlPlaneUnreachable';
  return undefined;
}
