// One controller: a work queue of keys of its `for` kind and N workers calling its reconcile.
// The queue guarantees that a key is never reconciled by two workers at once; failures back off
// per key (5 ms doubling to 5 min), success resets the backoff; `requeueAfterMs` re-adds later.
import { setMaxListeners } from 'node:events';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PerKeyBackoff } from './backoff';
import { type Clock, realClock } from './clock';
import type { Cache, Client, ControllerSpec, EventRecorder, Logger, ObjectKey } from './contract';
import { ApiError } from '@k0smotron/api/kube';
import type { OperatorMetrics } from './metrics';
import { WorkQueue } from './workqueue';

export function encodeKey(key: ObjectKey): string {
  return `${key.namespace}/${key.name}`;
}

export function decodeKey(s: string): ObjectKey {
  const i = s.indexOf('/');
  return { namespace: s.slice(0, i), name: s.slice(i + 1) };
}

export function keyOf(obj: KubernetesObject): ObjectKey {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}

/** What the reconciles of one run (start → stop) share: its signal and the client bound to it. */
interface RunScope {
  signal: AbortSignal;
  client: Client;
  events: EventRecorder;
}

export interface ControllerDeps {
  cache: Cache;
  client: Client;
  events: EventRecorder;
  log: Logger;
  metrics: OperatorMetrics;
  clock?: Clock;
  /** Default workers when the spec names none. */
  workers?: number;
  /** Backoff factory for tests; default 5 ms → 5 min. */
  backoff?: () => PerKeyBackoff;
  /**
   * The client and recorder handed to reconciles of one run (start → stop), bound to that run's
   * AbortSignal, so that aborting it (lost leadership, stop) makes their requests fail unsent.
   * Default: `client` and `events` as they are.
   */
  fenced?: (signal: AbortSignal) => { client: Client; events: EventRecorder };
}

export class Controller {
  readonly name: string;
  private queue: WorkQueue | undefined;
  private workers: Promise<void>[] = [];
  private abort: AbortController | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Reconciles finished, by result (tests). */
  readonly stats = { success: 0, error: 0 };

  constructor(
    readonly spec: ControllerSpec,
    private readonly deps: ControllerDeps,
  ) {
    this.name = spec.name;
    this.clock = deps.clock ?? realClock;
    this.log = deps.log.child({ controller: spec.name });
  }

  isRunning(): boolean {
    return !!this.queue && !this.queue.isShuttingDown();
  }

  /** Nothing queued and nothing being reconciled (delayed re-adds do not count). */
  isIdle(): boolean {
    return !this.queue || (this.queue.len() === 0 && this.queue.processingCount() === 0);
  }

  /** Start workers and enqueue every cached object of the `for` kind. */
  start(): void {
    if (this.isRunning()) return;
    const m = this.deps.metrics;
    this.queue = new WorkQueue(this.clock, this.deps.backoff?.(), {
      depth: n => m.queueDepth.set({ controller: this.name }, n),
      latency: ms => m.queueLatency.observe({ controller: this.name }, ms / 1000),
    });
    this.abort = new AbortController();
    const signal = this.abort.signal;
    // Every request of every in-flight reconcile listens on this one signal (and removes its
    // listener when it ends), so more than Node's default of 10 at once is normal, not a leak.
    setMaxListeners(0, signal);
    const scope = this.deps.fenced?.(signal) ?? { client: this.deps.client, events: this.deps.events };
    const n = Math.max(1, this.spec.concurrency ?? this.deps.workers ?? 2);
    this.workers = Array.from({ length: n }, () => this.work(this.queue!, { signal, ...scope }));
    this.enqueueAll();
    this.log.info('controller started', { workers: n });
  }

  /**
   * Abort the signal of every in-flight reconcile at once (synchronously), without waiting for
   * them: their fenced client refuses any further request and cuts the ones in flight.
   */
  abortInFlight(reason: Error): void {
    if (this.abort && !this.abort.signal.aborted) this.abort.abort(reason);
  }

  /** Stop taking work, let in-flight reconciles finish (their signal is aborted), then return. */
  async stop(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    const drained = queue.shutdown();
    this.abortInFlight(new Error('the controller is stopping'));
    await drained;
    await Promise.all(this.workers);
    this.workers = [];
    this.deps.metrics.queueDepth.set({ controller: this.name }, 0);
    this.log.info('controller stopped');
  }

  enqueue(key: ObjectKey): void {
    if (this.isRunning()) this.queue!.add(encodeKey(key));
  }

  enqueueAll(): void {
    if (!this.isRunning()) return;
    for (const obj of this.deps.cache.list(this.spec.for)) this.queue!.add(encodeKey(keyOf(obj)));
  }

  /** Retry now every key waiting out a failure backoff (the API server answers again). */
  retryBackedOff(): number {
    return this.isRunning() ? this.queue!.retryBackedOffNow() : 0;
  }

  private async work(queue: WorkQueue, run: RunScope): Promise<void> {
    for (;;) {
      const item = await queue.get();
      if (item === undefined) return;
      try {
        await this.reconcileOne(queue, item, run);
      } finally {
        queue.done(item);
      }
    }
  }

  private async reconcileOne(queue: WorkQueue, item: string, run: RunScope): Promise<void> {
    const { signal } = run;
    const key = decodeKey(item);
    const log = this.log.child({ namespace: key.namespace, name: key.name });
    const m = this.deps.metrics;
    const end = m.reconcileDuration.startTimer({ controller: this.name });
    try {
      const result = await this.spec.reconcile(key, {
        cache: this.deps.cache,
        client: run.client,
        events: run.events,
        log,
        now: () => new Date(this.clock.now()),
        signal,
      });
      queue.forget(item);
      this.stats.success++;
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs >= 0) {
        queue.addAfter(item, result.requeueAfterMs);
        m.reconcileTotal.inc({ controller: this.name, result: 'requeue' });
      } else {
        m.reconcileTotal.inc({ controller: this.name, result: 'success' });
      }
    } catch (err) {
      this.stats.error++;
      m.reconcileTotal.inc({ controller: this.name, result: 'error' });
      m.reconcileErrors.inc({ controller: this.name });
      if (signal.aborted) return;
      const delay = queue.addRateLimited(item);
      const fields = {
        error: err instanceof Error ? err.message : String(err),
        status: err instanceof ApiError ? err.status : undefined,
        retryInMs: delay,
        retries: queue.retries(item),
      };
      // Conflicts are routine (a stale cache); everything else deserves attention.
      if (err instanceof ApiError && err.status === 409) log.debug('reconcile conflict, retrying', fields);
      else log.warn('reconcile failed, retrying', fields);
    } finally {
      end();
    }
  }
}
