// A stable hash of a desired object: the same content gives the same hash whatever the key order.
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';

export const APPLIED_HASH_ANNOTATION = 'k0smotron.io/applied-hash';

/** JSON with object keys sorted (undefined values dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(v => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** Hash of a desired object, ignoring the hash annotation itself. */
export function desiredHash(obj: KubernetesObject): string {
  const annotations = { ...(obj.metadata?.annotations ?? {}) };
  delete annotations[APPLIED_HASH_ANNOTATION];
  return hashOf({ ...obj, metadata: { ...obj.metadata, annotations } });
}

/** The desired object carrying its hash annotation. */
export function withAppliedHash<T extends KubernetesObject>(obj: T): { obj: T; hash: string } {
  const hash = desiredHash(obj);
  return {
    hash,
    obj: { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata?.annotations ?? {}), [APPLIED_HASH_ANNOTATION]: hash } } },
  };
}
