// What the JoinTokenRequest controller remembers between reconciles, per request, and how it is
// forgotten: when the reconcile finds the request gone, or by a sweep for requests deleted while
// this instance was not reconciling.
import type { ReconcileContext, ReconcileResult } from '../engine/contract';
import { JTR_GVK } from './kinds';

/** How often the controller looks for remembered requests that are gone (see `sweep`). */
export const JTR_MEMORY_SWEEP_MS = 5 * 60_000;

/**
 * While the child cannot be reached: 2 s doubling to 30 s, so a JTR completes soon after the
 * control plane is up. Waiting for a control plane is normal, not an error, so it does not go
 * through the engine's failure backoff (5 ms doubling to 5 min, logged as a failed reconcile).
 */
export const CHILD_RETRY_BASE_MS = 2_000;
export const CHILD_RETRY_MAX_MS = 30_000;

export class JoinTokenMemory {
  /** "ns/name" → attempts that found the child unreachable in a row. */
  readonly failures = new Map<string, number>();
  // Token ids this process recorded, by JTR uid: a status write from a cache that lags behind
  // our own earlier write must never drop the id (server-side apply removes omitted fields).
  readonly recorded = new Map<string, string>();
  readonly recordedKeys = new Map<string, string>(); // "ns/name" → uid, to forget deleted JTRs
  private lastSweep: number | undefined;

  noteUid(jtrKey: string, uid: string): void {
    const prev = this.recordedKeys.get(jtrKey);
    if (prev && prev !== uid) this.recorded.delete(prev); // re-created under the same name
    this.recordedKeys.set(jtrKey, uid);
  }

  retryLater(jtrKey: string): ReconcileResult {
    const n = (this.failures.get(jtrKey) ?? 0) + 1;
    this.failures.set(jtrKey, n);
    return { requeueAfterMs: Math.min(CHILD_RETRY_BASE_MS * 2 ** (n - 1), CHILD_RETRY_MAX_MS) };
  }

  /** The request is gone: drop everything remembered about it. */
  forget(jtrKey: string): void {
    this.failures.delete(jtrKey);
    const uid = this.recordedKeys.get(jtrKey);
    if (uid) this.recorded.delete(uid);
    this.recordedKeys.delete(jtrKey);
  }

  /**
   * Requests deleted while this instance was not reconciling are never reconciled as gone: now
   * and then, forget every remembered request the cache no longer holds.
   */
  sweep(ctx: ReconcileContext): void {
    const now = ctx.now().getTime();
    if (this.lastSweep !== undefined && now - this.lastSweep < JTR_MEMORY_SWEEP_MS) return;
    this.lastSweep = now;
    for (const jtrKey of new Set([...this.failures.keys(), ...this.recordedKeys.keys()])) {
      const slash = jtrKey.indexOf('/');
      if (!ctx.cache.get(JTR_GVK, jtrKey.slice(0, slash), jtrKey.slice(slash + 1))) this.forget(jtrKey);
    }
  }

  sizes(): Record<string, number> {
    return { failures: this.failures.size, recorded: this.recorded.size, recordedKeys: this.recordedKeys.size };
  }
}
