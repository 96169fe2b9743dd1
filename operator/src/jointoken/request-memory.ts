// What the JoinTokenRequest controller remembers between reconciles, per request, and how it is
// forgotten: when the reconcile finds the request gone, or by a sweep for requests deleted while
// this instance was not reconciling. Which requests name a Cluster is not kept here: the engine
// cache's index (cluster-ref.ts) answers that.
import type { JoinTokenRequest } from '@k0smotron/api';
import type { ReconcileContext, ReconcileResult } from '../engine/contract';
import { JTR_GVK } from './kinds';
import { controlPlaneWaitMs } from './wait-schedule';

/** How often the controller looks for remembered requests that are gone (see `sweep`). */
export const JTR_MEMORY_SWEEP_MS = 5 * 60_000;

export class JoinTokenMemory {
  /** "ns/name" → attempts that found the child unreachable in a row (the wait schedule's position). */
  readonly failures = new Map<string, number>();
  // Token ids this process recorded, by JTR uid: a status write from a cache that lags behind
  // our own earlier write must never drop the id (server-side apply removes omitted fields).
  readonly recorded = new Map<string, string>();
  // "ns/name" → uid, to forget the ids of deleted JTRs. Not something a cache index can serve:
  // it is read exactly when the cache no longer holds the request.
  readonly recordedKeys = new Map<string, string>();
  private lastSweep: number | undefined;

  /** The reconcile found `jtr` in the cache: remember its uid and the token id its status holds. */
  noteRequest(jtrKey: string, jtr: JoinTokenRequest): void {
    const uid = jtr.metadata.uid;
    if (!uid) return;
    const prev = this.recordedKeys.get(jtrKey);
    if (prev && prev !== uid) this.recorded.delete(prev); // re-created under the same name
    this.recordedKeys.set(jtrKey, uid);
    if (jtr.status?.tokenID) this.recorded.set(uid, jtr.status.tokenID);
  }

  /** The child could not be reached (again): requeue on the control-plane wait schedule. */
  waitForControlPlane(jtrKey: string): ReconcileResult {
    const n = (this.failures.get(jtrKey) ?? 0) + 1;
    this.failures.set(jtrKey, n);
    return { requeueAfterMs: controlPlaneWaitMs(n) };
  }

  /** The child answered: the next wait starts from the beginning of the schedule. */
  controlPlaneReached(jtrKey: string): void {
    this.failures.delete(jtrKey);
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
