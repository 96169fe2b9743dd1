// Small helpers the Cluster reconcile steps share.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { PolicyViolation } from '@k0smotron/api';
import { SpecError } from './desired';

/** A SpecError listing every policy violation, each with its field. */
export function policyError(violations: PolicyViolation[]): SpecError {
  return new SpecError('PolicyViolation', `refused by the operator's policy: ${violations.map(v => `${v.field}: ${v.message}`).join('; ')}`);
}

/** Who controls an existing object, for NameConflict messages; undefined when it is this Cluster. */
export function foreignController(obj: KubernetesObject, uid: string): string | undefined {
  const ref = obj.metadata?.ownerReferences?.find(r => r.controller);
  if (ref?.uid === uid) return undefined;
  return ref ? `${ref.kind} ${ref.name}` : 'no Cluster (it was created by someone else)';
}

export function isApiError(err: unknown): err is Error & { status: number } {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number';
}

export function decodeSecret(secret: V1Secret | undefined, key: string): string | undefined {
  const v = secret?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/**
 * Promise.all that waits for every write to finish before failing: a reconcile must not return
 * (and be retried) while one of its writes, such as a new CA, is still in flight.
 */
export async function settleAll<T extends readonly unknown[] | []>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = (await Promise.allSettled(promises)) as PromiseSettledResult<unknown>[];
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map(r => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
