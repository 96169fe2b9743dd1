// Leader election on a coordination.k8s.io/v1 Lease, in client-go's model: the holder renews
// every retry period; others take over once the lease has not been renewed for its duration
// (measured on their own clock from when they last saw it change, so clock skew does not
// matter); `stop()` releases the lease so a standby takes over at once.
//
// Fencing. A leader that has not renewed within the renew deadline stops leading, and it must stop
// *before* any standby can take over, or two replicas would write at once. The deadline is
// counted from the moment the last successful renew was sent (not answered): the server stored
// that renew no earlier, and a standby counts the lease duration from when it saw it, so the
// leader's deadline comes at least `leaseDuration - renewDeadline` before any takeover. For that
// margin to hold, a renew that hangs must not hold the leader past its deadline: every attempt
// runs under an AbortSignal that fires at the deadline and cuts the request, and the deadline
// fires on a timer of its own, whatever the request does. `leadingUntil()` lets the request layer
// refuse writes past the deadline even before that timer has run.
import { type Clock, realClock, sleep, type TimerHandle } from './clock';
import type { Logger } from './contract';
import { ApiError, isConflict, isNotFound, type KubeApi } from '@k0smotron/api/kube';
import { silentLogger } from './logger';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: LeaseSpec;
}

/**
 * Lease reads and writes; `update` must fail with a 409 ApiError when resourceVersion is stale.
 * Each call should give up when `signal` aborts (the elector stops waiting then in any case).
 */
export interface LeaseStore {
  get(signal?: AbortSignal): Promise<Lease | undefined>;
  create(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  update(lease: Lease, signal?: AbortSignal): Promise<Lease>;
}

/**
 * The Lease through a KubeApi. Give it a KubeApi of its own (its own connection pool): reconcilers
 * that saturate the shared pool would otherwise queue the renew behind their requests.
 */
export class KubeLeaseStore implements LeaseStore {
  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async get(signal?: AbortSignal): Promise<Lease | undefined> {
    try {
      return await this.api.request<Lease>('get', 'leases', 'GET', this.path(this.name), { timeoutMs: 5000, signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  create(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    return this.api.request<Lease>('create', 'leases', 'POST', this.path(), { body: lease, timeoutMs: 5000, signal });
  }

  update(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    return this.api.request<Lease>('update', 'leases', 'PUT', this.path(this.name), { body: lease, timeoutMs: 5000, signal });
  }
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaderElectorOptions {
  store: LeaseStore;
  namespace: string;
  name: string;
  identity: string;
  /** How long a standby waits, after it last saw the lease renewed, before it takes over (10 s). */
  leaseDurationMs?: number;
  /**
   * A leader that has not renewed for this long (from when its last successful renew was sent)
   * stops leading; default 2/3 of the lease, client-go's 10 s of 15 s.
   */
  renewDeadlineMs?: number;
  /** Pause between attempts (default the smaller of 2 s and 1/5 of the lease). */
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  onStartedLeading: () => void;
  /**
   * Called when leadership is lost (not on `stop()`), at the renew deadline at the latest. Its
   * synchronous part runs before the elector campaigns again; the elector waits for the promise.
   */
  onStoppedLeading: () => void | Promise<void>;
}

/** The outcome of one acquire-or-renew attempt. */
export type Attempt = 'held' | 'not-held' | 'held-by-other';
const notHeld = (): Attempt => 'not-held';

export class LeaderElector {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private leading = false;
  /** While leading: when the last successful renew (or the acquire) was sent, on `clock`. */
  private renewedAt = 0;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private current: Lease | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? silentLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000; // controller-runtime's default: 15 s lease, 10 s renew deadline
    this.retryPeriodMs = opts.retryPeriodMs ?? Math.min(2_000, Math.floor(this.leaseDurationMs / 5));
    this.renewDeadlineMs = opts.renewDeadlineMs ?? Math.floor((this.leaseDurationMs * 2) / 3);
    if (this.retryPeriodMs >= this.renewDeadlineMs || this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error('leader election: need retryPeriod < renewDeadline < leaseDuration; adjust the lease timings');
    }
  }

  /** The timings in use (defaults filled in). */
  timings(): { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number } {
    return { leaseDurationMs: this.leaseDurationMs, renewDeadlineMs: this.renewDeadlineMs, retryPeriodMs: this.retryPeriodMs };
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * While leading, the clock time at which leadership ends unless a renew succeeds first;
   * undefined when not leading. Writes at or after it must not be sent.
   */
  leadingUntil(): number | undefined {
    return this.leading ? this.renewedAt + this.renewDeadlineMs : undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stop campaigning; a held lease is released so another replica can take over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.release();
    }
  }

  private async run(): Promise<void> {
    const stopped = this.abort.signal;
    while (!stopped.aborted) {
      // Campaign: one attempt per retry period, each bounded by the renew deadline.
      for (;;) {
        if (stopped.aborted) return;
        const sentAt = this.clock.now();
        const term = new Term(this.clock, sentAt + this.renewDeadlineMs, stopped);
        const outcome = await term.run(s => this.tryAcquireOrRenew(s), notHeld);
        term.close();
        if (outcome === 'held') {
          this.renewedAt = sentAt;
          break;
        }
        await sleep(this.clock, this.retryPeriodMs, stopped);
      }
      if (stopped.aborted) return;
      this.leading = true;
      this.log.info('became leader', this.timings());
      this.opts.onStartedLeading();

      // Renew until stopped or the deadline passes. One Term per renew deadline: its timer fires
      // at renewedAt + renewDeadline, cutting a hanging attempt and the sleep between attempts.
      let why = '';
      for (;;) {
        const term = new Term(this.clock, this.renewedAt + this.renewDeadlineMs, stopped);
        let renewed = false;
        while (!term.signal.aborted) {
          await sleep(this.clock, this.retryPeriodMs, term.signal);
          if (term.signal.aborted) break;
          const sentAt = this.clock.now();
          const outcome = await term.run(s => this.tryAcquireOrRenew(s), notHeld);
          if (outcome === 'held') {
            this.renewedAt = sentAt;
            renewed = true;
            break;
          }
          if (outcome === 'held-by-other') {
            why = `the lease is held by ${this.observed?.holder ?? 'another replica'}`;
            break;
          }
        }
        term.close();
        if (stopped.aborted) return;
        if (!renewed) break;
      }
      this.leading = false;
      why ||= `could not renew the lease within the renew deadline (${this.renewDeadlineMs} ms)`;
      this.log.error('leader election lost', { reason: why, ...this.timings() });
      try {
        await this.opts.onStoppedLeading();
      } catch (err) {
        this.log.error('onStoppedLeading failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /**
   * One attempt; 'held' when this identity holds the lease afterwards. Never throws. Nothing is
   * recorded once `signal` has aborted: an answer that comes after the deadline is ignored.
   */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<Attempt> {
    const now = this.clock.now();
    const me = this.opts.identity;
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    try {
      const lease = await this.opts.store.get(signal);
      if (signal?.aborted) return 'not-held';
      if (!lease) {
        const created = await this.opts.store.create(
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.opts.name, namespace: this.opts.namespace },
            spec: { holderIdentity: me, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
          },
          signal,
        );
        if (signal?.aborted) return 'not-held';
        this.current = created;
        return 'held';
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const renewTime = spec.renewTime ?? '';
      if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
        this.observed = { holder, renewTime, at: now };
      }
      const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder && holder !== me && this.observed.at + leaseMs > now) return 'held-by-other';
      const mine = holder === me;
      const updated = await this.opts.store.update(
        {
          ...lease,
          spec: {
            holderIdentity: me,
            leaseDurationSeconds: durationSeconds,
            acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
            renewTime: microTime(now),
            leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
          },
        },
        signal,
      );
      if (signal?.aborted) return 'not-held';
      this.current = updated;
      this.observed = { holder: me, renewTime: updated.spec?.renewTime ?? '', at: now };
      return 'held';
    } catch (err) {
      if (!isConflict(err) && !signal?.aborted) {
        this.log.warn('lease request failed', {
          error: err instanceof Error ? err.message : String(err),
          status: err instanceof ApiError ? err.status : undefined,
        });
      }
      return 'not-held';
    }
  }

  private async release(): Promise<void> {
    const lease = this.current;
    if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
    // Bounded like a renew, so a stop never hangs on an API server that does not answer.
    const term = new Term(this.clock, this.clock.now() + this.renewDeadlineMs);
    try {
      await term.run(
        async s => {
          await this.opts.store.update(
            {
              ...lease,
              spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()), acquireTime: null },
            },
            s,
          );
          this.log.info('released the lease');
        },
        () => {
          throw new Error('no answer within the renew deadline');
        },
      );
    } catch (err) {
      this.log.warn('could not release the lease; another replica takes over when it expires', {
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      term.close();
    }
  }
}

/**
 * An AbortSignal that fires at a clock time (or when `parent` aborts), and a way to run an attempt
 * that stops being waited for at that moment, even if it ignores the signal.
 */
class Term {
  private readonly ctrl = new AbortController();
  private readonly timer: TimerHandle;
  private readonly onParentAbort = () => this.ctrl.abort(new Error('stopped'));

  constructor(
    private readonly clock: Clock,
    deadline: number,
    private readonly parent?: AbortSignal,
  ) {
    this.timer = clock.setTimeout(() => this.ctrl.abort(new Error('leader election: renew deadline passed')), deadline - clock.now());
    if (parent?.aborted) this.ctrl.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  /** `fn`'s result, or `onAbort()`'s as soon as the signal aborts. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, onAbort: () => T): Promise<T> {
    const signal = this.ctrl.signal;
    if (signal.aborted) return Promise.resolve().then(onAbort);
    let remove = () => {};
    const aborted = new Promise<T>((resolve, reject) => {
      const listener = () => {
        try {
          resolve(onAbort());
        } catch (e) {
          reject(e);
        }
      };
      signal.addEventListener('abort', listener, { once: true });
      remove = () => signal.removeEventListener('abort', listener);
    });
    return Promise.race([fn(signal), aborted]).finally(remove);
  }

  close(): void {
    this.timer.cancel();
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
