// The manager wires the engine: one KubeApi (all requests counted), one informer cache for every
// kind any controller reads, event → key mapping, leader election, periodic resync, and an
// orderly stop that leaves no timer, socket or watch behind.
//
// Leader fencing: the Lease is renewed over a KubeApi of its own (its own sockets), so
// reconcilers that fill the shared pool cannot delay a renew past its deadline. Reconciles get a
// client and event recorder bound to their run's AbortSignal and to the lease deadline; when
// leadership is lost, every in-flight reconcile's signal is aborted at once, which cuts its
// requests in flight and refuses any later one unsent.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { InformerCache, controllerOwner } from './cache';
import { FIELD_MANAGER, KubeClient, type RequestGuard } from './client';
import { type Clock, realClock, type TimerHandle } from './clock';
import type { ControllerSpec, GroupVersionKind, Logger, ObjectKey, WatchSpec } from './contract';
import { Controller, keyOf } from './controller';
import { KubeEventRecorder } from './events';
import { KubeApi } from '@k0smotron/api/kube';
import { KubeLeaseStore, LeaderElector } from './leaderElection';
import { silentLogger } from './logger';
import { OperatorMetrics } from './metrics';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Default: hostname + random suffix. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  controllers: ControllerSpec[];
  /** Namespaces to watch; undefined or empty = all. */
  namespaces?: string[];
  /** Default workers per controller (a controller's own `concurrency` wins). */
  workers?: number;
  leaderElection?: LeaderElectionOptions;
  /** Enqueue every object of every controller this often (0 = never). Default 10 min. */
  resyncPeriodMs?: number;
  log?: Logger;
  metrics?: OperatorMetrics;
  clock?: Clock;
  /** Server-side watch length (seconds, randomised up to twice this). Default 300. */
  watchTimeoutSeconds?: number;
  /**
   * Called when leadership is lost, right after every in-flight reconcile has been aborted and
   * before the controllers have drained. The standalone operator exits the process here, as
   * controller-runtime does; without it the manager stops its controllers and campaigns again.
   */
  onLeadershipLost?: () => void;
}

function sameGroup(apiVersionA: string | undefined, apiVersionB: string): boolean {
  const group = (v: string) => (v.includes('/') ? v.slice(0, v.indexOf('/')) : '');
  return apiVersionA !== undefined && group(apiVersionA) === group(apiVersionB);
}

/** Keys of the `for` kind that an owned object's controller owner reference points to. */
export function ownerKeys(obj: KubernetesObject, owner: GroupVersionKind): ObjectKey[] {
  const ref = controllerOwner(obj);
  if (!ref || ref.kind !== owner.kind || !sameGroup(ref.apiVersion, owner.apiVersion)) return [];
  return [{ namespace: obj.metadata?.namespace ?? '', name: ref.name }];
}

export class Manager {
  readonly api: KubeApi;
  /** The Lease's own request layer: never the reconcilers' connection pool. */
  readonly leaseApi: KubeApi;
  readonly cache: InformerCache;
  readonly client: KubeClient;
  readonly events: KubeEventRecorder;
  readonly metrics: OperatorMetrics;
  readonly controllers: Controller[];
  readonly identity: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly elector: LeaderElector | undefined;
  private resyncTimer: TimerHandle | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private controllersWanted = false;
  private transition: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(private readonly opts: ManagerOptions) {
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics ?? new OperatorMetrics();
    this.identity = opts.leaderElection?.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    const countRequest = (verb: string, _resource: string, code: number) => this.metrics.apiRequests.inc({ verb, code: String(code) });
    this.api = new KubeApi(opts.kubeConfig, countRequest);
    this.leaseApi = new KubeApi(opts.kubeConfig, countRequest);
    this.cache = new InformerCache({
      api: this.api,
      namespaces: opts.namespaces,
      log: this.log,
      clock: opts.clock,
      watchTimeoutSeconds: opts.watchTimeoutSeconds,
    });
    this.client = new KubeClient(
      this.api,
      FIELD_MANAGER,
      {},
      {
        onDrift: (obj, path) => {
          this.metrics.driftRepairs.inc({ kind: obj.kind ?? '' });
          this.log.info('repairing drift: a field the operator sets was changed', {
            kind: obj.kind,
            namespace: obj.metadata?.namespace,
            name: obj.metadata?.name,
            field: path,
          });
        },
      },
    );
    this.events = new KubeEventRecorder(this.api, this.log, this.identity);

    const names = new Set<string>();
    for (const c of opts.controllers) {
      if (names.has(c.name)) throw new Error(`two controllers are named "${c.name}": controller names must be unique`);
      names.add(c.name);
    }
    const specs: WatchSpec[] = opts.controllers.flatMap(c => [c.for, ...(c.owns ?? []), ...(c.watches ?? [])]);
    this.cache.addKinds(specs);
    for (const c of opts.controllers) for (const i of c.indexes ?? []) this.cache.addIndex(i, i.name, i.fn);
    // After an outage, failed reconciles wait out a backoff that doubled with every failure (a
    // minute or more after a 30 s outage); the first successful relist retries them at once.
    this.cache.onRecovered(() => {
      const woken = this.controllers.reduce((n, c) => n + c.retryBackedOff(), 0);
      if (woken > 0) this.log.info('API server answers again: retrying failed reconciles now', { keys: woken });
    });
    this.controllers = opts.controllers.map(
      spec =>
        new Controller(spec, {
          cache: this.cache,
          client: this.client,
          events: this.events,
          log: this.log,
          metrics: this.metrics,
          clock: opts.clock,
          workers: opts.workers,
          fenced: signal => {
            const guard: RequestGuard = { signal, ...(opts.leaderElection ? { beforeSend: () => this.assertLeading() } : {}) };
            return { client: this.client.fenced(guard), events: this.events.fenced(guard) };
          },
        }),
    );
    for (const controller of this.controllers) this.route(controller);

    if (opts.leaderElection) {
      const le = opts.leaderElection;
      this.elector = new LeaderElector({
        store: new KubeLeaseStore(this.leaseApi, le.namespace, le.name),
        namespace: le.namespace,
        name: le.name,
        identity: this.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        clock: opts.clock,
        log: this.log,
        onStartedLeading: () => {
          this.metrics.isLeader.set(1);
          this.setControllers(true);
        },
        onStoppedLeading: () => {
          this.metrics.isLeader.set(0);
          // Synchronously, before anything else gets to run: from here on no reconcile of this
          // term sends a request, and the ones in flight are cut.
          const lost = new Error('leader election lost: this replica no longer holds the lease');
          for (const c of this.controllers) c.abortInFlight(lost);
          this.opts.onLeadershipLost?.();
          this.setControllers(false);
          return this.transition;
        },
      });
    }
  }

  /** Start caches, then (as leader, or at once without leader election) the controllers. */
  start(): void {
    if (this.state !== 'new') throw new Error('a Manager starts once; create a new one to restart');
    this.state = 'running';
    this.cache.start();
    if (this.elector) {
      this.elector.start();
    } else {
      this.metrics.isLeader.set(1);
      this.setControllers(true);
    }
    this.scheduleResync();
  }

  /** Stop taking work, finish in-flight reconciles, stop watches, release the lease. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.transition;
    this.state = 'stopping';
    this.stopping.abort();
    this.resyncTimer?.cancel();
    this.setControllers(false);
    await this.transition;
    await this.elector?.stop();
    await this.cache.stop();
    await this.events.close();
    this.api.close();
    this.leaseApi.close();
    this.metrics.isLeader.set(0);
    this.state = 'stopped';
    this.log.info('operator stopped');
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.state === 'running';
  }

  /** Requests of the reconcilers, informers, events and the Lease, keyed "verb resource code". */
  requestCounts(): Record<string, number> {
    const counts = this.api.requestCounts();
    for (const [k, v] of Object.entries(this.leaseApi.requestCounts())) counts[k] = (counts[k] ?? 0) + v;
    return counts;
  }

  /**
   * Throws unless this replica leads and its renew deadline has not passed on `clock`. Checked
   * right before each reconcile request is sent, so a write cannot slip out between the deadline
   * and the moment the elector's timer gets to run.
   */
  private assertLeading(): void {
    const until = this.elector?.leadingUntil();
    if (until === undefined || this.clock.now() >= until) {
      throw new Error('leader election lost: this replica no longer holds the lease');
    }
  }

  /** Ready: caches synced and either leading, or a standby campaigning for the lease. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.state !== 'running') reasons.push(`manager is ${this.state}`);
    if (!this.cache.hasSynced()) reasons.push('informer caches have not synced yet');
    if (!this.elector && this.controllers.some(c => !c.isRunning()) && this.state === 'running' && this.cache.hasSynced()) {
      reasons.push('controllers are starting');
    }
    return { ready: reasons.length === 0, reasons };
  }

  /**
   * Resolves once every controller has been idle (empty queue, no reconcile running) for
   * `quietMs`, e.g. after the informer events of the last writes have been handled. Tests use it
   * instead of sleeping; rejects after `timeoutMs`.
   */
  async waitForIdle(opts: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const quietMs = opts.quietMs ?? 500;
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    let idleSince: number | undefined;
    for (;;) {
      const idle = this.controllers.every(c => c.isIdle());
      const now = Date.now();
      if (!idle) idleSince = undefined;
      else if (idleSince === undefined) idleSince = now;
      else if (now - idleSince >= quietMs) return;
      if (now > deadline) {
        const busy = this.controllers.filter(c => !c.isIdle()).map(c => c.name);
        throw new Error(`controllers still busy after ${opts.timeoutMs ?? 60_000} ms: ${busy.join(', ')}`);
      }
      await new Promise(r => setTimeout(r, 25));
    }
  }

  /** Resolves when caches synced or after `timeoutMs`; logs progress while waiting. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    let done = false;
    const synced = this.cache.waitForSync().then(() => (done = true));
    while (!done && this.clock.now() < deadline && this.state === 'running') {
      let timer: TimerHandle | undefined;
      await Promise.race([synced, new Promise<void>(r => (timer = this.clock.setTimeout(r, Math.min(5000, deadline - this.clock.now()))))]);
      timer?.cancel();
      if (!done) this.log.info('waiting for informer caches to sync', { kinds: this.cache.kinds().map(k => k.kind) });
    }
    return this.cache.hasSynced();
  }

  private route(controller: Controller): void {
    const spec = controller.spec;
    this.cache.on(spec.for, (_e, obj) => controller.enqueue(keyOf(obj)));
    for (const owned of spec.owns ?? []) {
      this.cache.on(owned, (_e, obj, old) => {
        for (const k of ownerKeys(obj, spec.for)) controller.enqueue(k);
        if (old) for (const k of ownerKeys(old, spec.for)) controller.enqueue(k);
      });
    }
    for (const w of spec.watches ?? []) {
      const map = w.map;
      if (!map) continue;
      this.cache.on(w, (event, obj) => {
        try {
          for (const k of map(obj, event, this.cache)) controller.enqueue(k);
        } catch (err) {
          this.log.error('watch map function failed', { controller: spec.name, kind: w.kind, error: err instanceof Error ? err.message : String(err) });
        }
      });
    }
  }

  /** Serialise controller start/stop so a fast lose/re-acquire cannot overlap. */
  private setControllers(on: boolean): void {
    if (on && this.state !== 'running') return;
    this.controllersWanted = on;
    this.transition = this.transition.then(async () => {
      if (this.controllersWanted && this.state === 'running') {
        await this.syncedOrStopping();
        if (this.controllersWanted && this.state === 'running') this.controllers.forEach(c => c.start());
      } else if (!this.controllersWanted) {
        await Promise.all(this.controllers.map(c => c.stop()));
      }
    });
  }

  private syncedOrStopping(): Promise<void> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise(resolve => {
      signal.addEventListener('abort', () => resolve(), { once: true });
      void this.cache.waitForSync().then(() => resolve());
    });
  }

  private scheduleResync(): void {
    const period = this.opts.resyncPeriodMs ?? 10 * 60_000;
    if (period <= 0 || this.state !== 'running') return;
    this.resyncTimer = this.clock.setTimeout(() => {
      this.resync();
      this.scheduleResync();
    }, period);
  }

  /** Enqueue every key of every running controller (what the periodic resync does). */
  resync(): void {
    this.log.debug('resync');
    for (const c of this.controllers) c.enqueueAll();
  }
}
