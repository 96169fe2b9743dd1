// Leader election on a coordination.k8s.io/v1 Lease, in client-go's model: the holder renews
// every retry period; others take over once the lease has not been renewed for its duration
// (measured on their own clock from when they last saw it change, so clock skew does not
// matter); a leader that cannot renew within the renew deadline stops leading; `stop()` releases
// the lease so a standby takes over at once.
import { Clock, realClock, sleep } from './clock';
import type { Logger } from './contract';
import { ApiError, isConflict, isNotFound, KubeApi } from './kubeApi';
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

/** Lease reads and writes; `update` must fail with a 409 ApiError when resourceVersion is stale. */
export interface LeaseStore {
  get(): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export class KubeLeaseStore implements LeaseStore {
  constructor(private readonly api: KubeApi, private readonly namespace: string, private readonly name: string) {}

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async get(): Promise<Lease | undefined> {
    try {
      return await this.api.request<Lease>('get', 'leases', 'GET', this.path(this.name), { timeoutMs: 5000 });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  create(lease: Lease): Promise<Lease> {
    return this.api.request<Lease>('create', 'leases', 'POST', this.path(), { body: lease, timeoutMs: 5000 });
  }

  update(lease: Lease): Promise<Lease> {
    return this.api.request<Lease>('update', 'leases', 'PUT', this.path(this.name), { body: lease, timeoutMs: 5000 });
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
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down (default 2/3 of the lease). */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  onStartedLeading: () => void;
  /** Called when leadership is lost (not on `stop()`). */
  onStoppedLeading: () => void | Promise<void>;
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private leading = false;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private current: Lease | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? silentLogger).child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.leaseDurationMs = opts.leaseDurationMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? Math.min(2_000, Math.floor(this.leaseDurationMs / 5));
    this.renewDeadlineMs = opts.renewDeadlineMs ?? Math.floor((this.leaseDurationMs * 2) / 3);
    if (this.retryPeriodMs >= this.renewDeadlineMs || this.renewDeadlineMs >= this.leaseDurationMs + 1) {
      throw new Error('leader election: need retryPeriod < renewDeadline <= leaseDuration; adjust the lease timings');
    }
  }

  isLeader(): boolean {
    return this.leading;
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
    const signal = this.abort.signal;
    while (!signal.aborted) {
      while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
        await sleep(this.clock, this.retryPeriodMs, signal);
      }
      if (signal.aborted) break;
      this.leading = true;
      this.log.info('became leader');
      this.opts.onStartedLeading();
      let lastRenew = this.clock.now();
      while (!signal.aborted) {
        await sleep(this.clock, this.retryPeriodMs, signal);
        if (signal.aborted) break;
        if (await this.tryAcquireOrRenew()) {
          lastRenew = this.clock.now();
        } else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
          break;
        }
      }
      if (signal.aborted) break;
      this.leading = false;
      this.log.warn('lost leadership: could not renew the lease in time', { renewDeadlineMs: this.renewDeadlineMs });
      try {
        await this.opts.onStoppedLeading();
      } catch (err) {
        this.log.error('onStoppedLeading failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /** One attempt; true when this identity holds the lease afterwards. Never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const me = this.opts.identity;
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    try {
      const lease = await this.opts.store.get();
      if (!lease) {
        this.current = await this.opts.store.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.opts.name, namespace: this.opts.namespace },
          spec: { holderIdentity: me, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const renewTime = spec.renewTime ?? '';
      if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
        this.observed = { holder, renewTime, at: now };
      }
      const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder && holder !== me && this.observed.at + leaseMs > now) return false;
      const mine = holder === me;
      this.current = await this.opts.store.update({
        ...lease,
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: durationSeconds,
          acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
        },
      });
      this.observed = { holder: me, renewTime: this.current.spec?.renewTime ?? '', at: now };
      return true;
    } catch (err) {
      if (!isConflict(err)) {
        this.log.warn('lease request failed', {
          error: err instanceof Error ? err.message : String(err),
          status: err instanceof ApiError ? err.status : undefined,
        });
      }
      return false;
    }
  }

  private async release(): Promise<void> {
    const lease = this.current;
    if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
    try {
      await this.opts.store.update({
        ...lease,
        spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()), acquireTime: null },
      });
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn('could not release the lease; another replica takes over when it expires', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
