// A de-duplicating work queue in the client-go model: a key waiting in the queue is held once
// (`dirty`), a key being processed is never handed to a second worker (`processing`); adding a
// key while it is processed marks it dirty and it is queued again on `done`. Delayed adds keep
// only the earliest due time per key; failures back off per key until `forget`.
import { PerKeyBackoff } from './backoff';
import { type Clock, realClock, type TimerHandle } from './clock';

export interface WorkQueueHooks {
  /** Called whenever the number of waiting keys changes. */
  depth?(n: number): void;
  /** Time a key waited between add and get. */
  latency?(ms: number): void;
}

export class WorkQueue {
  private queue: string[] = [];
  private dirty = new Set<string>();
  private processing = new Set<string>();
  private addedAt = new Map<string, number>();
  private delayed = new Map<string, { at: number; timer: TimerHandle }>();
  private waiters: Array<(key: string | undefined) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock = realClock,
    private readonly backoff = new PerKeyBackoff(),
    private readonly hooks: WorkQueueHooks = {},
  ) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Add after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Add after this key's next backoff delay (a failed reconcile). Returns the delay. */
  addRateLimited(key: string): number {
    const delay = this.backoff.next(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Reset the key's backoff (a successful reconcile). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /**
   * Keys waiting out a failure backoff are added now (their failure count stays, so a key that
   * fails again keeps backing off). Returns how many were woken. Delayed adds of keys without
   * failures (a requested requeue) keep their time.
   */
  retryBackedOffNow(): number {
    let woken = 0;
    for (const [key, d] of [...this.delayed]) {
      if (this.backoff.retries(key) === 0) continue;
      d.timer.cancel();
      this.delayed.delete(key);
      this.add(key);
      woken++;
    }
    return woken;
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  /** Next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.pop();
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise(resolve => this.waiters.push(resolve));
  }

  /** Mark a key from `get` finished; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      idle.forEach(fn => fn());
    }
  }

  len(): number {
    return this.queue.length;
  }

  processingCount(): number {
    return this.processing.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  pendingDelayed(): number {
    return this.delayed.size;
  }

  /**
   * Stop handing out keys: waiting `get`s return undefined, delayed adds are dropped. The
   * promise resolves when every key already handed out is `done` (in-flight work finished).
   */
  shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    this.queue = [];
    this.dirty.clear();
    this.addedAt.clear();
    this.hooks.depth?.(0);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(w => w(undefined));
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.hooks.depth?.(this.queue.length);
  }

  private pop(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.hooks.depth?.(this.queue.length);
    this.take(key);
    return key;
  }

  private take(key: string): void {
    this.processing.add(key);
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.hooks.latency?.(this.clock.now() - added);
  }
}
