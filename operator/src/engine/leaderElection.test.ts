import { FakeClock } from './clock';
import { ApiError } from '@k0smotron/api/kube';
import { type Lease, LeaderElector, type LeaseStore, microTime } from './leaderElection';

/** An in-memory Lease with resourceVersion checks, like the API server's optimistic locking. */
class MemoryLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  rv = 0;
  failing = new Set<string>();
  async get() {
    if (this.failing.has('get')) throw new ApiError('down', 0, 'Unreachable');
    return this.lease && structuredClone(this.lease);
  }
  async create(l: Lease) {
    if (this.lease) throw new ApiError('exists', 409, 'Conflict');
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
  async update(l: Lease) {
    if (this.failing.has('update')) throw new ApiError('down', 0, 'Unreachable');
    if (l.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ApiError('conflict', 409, 'Conflict');
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
}

/** A store whose calls can hang: honouring the abort signal (rejecting), or ignoring it for good. */
class HangingLeaseStore extends MemoryLeaseStore {
  hang: { mode: 'honours-signal' | 'ignores-signal'; method: 'get' | 'update' } | undefined;
  hung: Array<{ method: string; signal?: AbortSignal }> = [];
  /** Answer successful updates this late (on `clock`). */
  delayMs = 0;
  clock: FakeClock | undefined;

  private hangIf(method: 'get' | 'update', signal?: AbortSignal): Promise<never> | undefined {
    if (this.hang?.method !== method) return undefined;
    this.hung.push({ method, signal });
    const honour = this.hang.mode === 'honours-signal';
    return new Promise<never>((_resolve, reject) => {
      if (honour) signal?.addEventListener('abort', () => reject(new ApiError('aborted', 0, 'Aborted')), { once: true });
    });
  }

  override get(signal?: AbortSignal) {
    return this.hangIf('get', signal) ?? super.get();
  }

  override async update(l: Lease, signal?: AbortSignal) {
    const hanging = this.hangIf('update', signal);
    if (hanging) return hanging;
    const stored = await super.update(l);
    if (this.delayMs > 0 && this.clock) await new Promise<void>(r => this.clock!.setTimeout(r, this.delayMs));
    return stored;
  }
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise(r => setImmediate(r));
}

function elector(store: LeaseStore, clock: FakeClock, identity: string, log: string[]) {
  return new LeaderElector({
    store,
    clock,
    identity,
    namespace: 'k0smotron',
    name: 'lease',
    leaseDurationMs: 10_000,
    retryPeriodMs: 2_000,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => void log.push(`${identity} lost`),
  });
}

async function tick(clock: FakeClock, ms: number, step = 500) {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

describe('LeaderElector', () => {
  it('formats MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });

  it('only one of two electors leads; the other takes over after the lease expires when the leader dies', async () => {
    const clock = new FakeClock(1_000_000);
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, clock, 'a', log);
    const b = elector(store, clock, 'b', log);
    a.start();
    await settle();
    b.start();
    await tick(clock, 20_000);
    expect(log).toEqual(['a leads']);
    expect(a.isLeader() && !b.isLeader()).toBe(true);
    expect(store.lease?.spec?.holderIdentity).toBe('a');

    // "kill" a: it stops renewing without releasing (its store calls fail from now on)
    const failingForA: LeaseStore = {
      get: () => Promise.reject(new ApiError('dead', 0, 'Unreachable')),
      create: () => Promise.reject(new Error('dead')),
      update: () => Promise.reject(new Error('dead')),
    };
    (a as unknown as { opts: { store: LeaseStore } }).opts.store = failingForA; // simulate a partitioned leader
    await tick(clock, 12_000);
    expect(b.isLeader()).toBe(true);
    expect(log).toContain('b leads');
    expect(log).toContain('a lost'); // a could not renew within its deadline
    expect(store.lease?.spec?.leaseTransitions).toBe(1);
    await a.stop();
    await b.stop();
    expect(clock.pending()).toBe(0);
  });

  it('stop() releases the lease so the standby takes over on its next retry', async () => {
    const clock = new FakeClock(5_000_000);
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, clock, 'a', log);
    const b = elector(store, clock, 'b', log);
    a.start();
    await settle();
    b.start();
    await tick(clock, 4_000);
    await a.stop();
    expect(store.lease?.spec?.holderIdentity).toBeNull();
    await tick(clock, 2_500);
    expect(b.isLeader()).toBe(true);
    expect(log).toEqual(['a leads', 'b leads']); // a's stop is not a "lost"
    await b.stop();
  });

  it('a leader that cannot renew steps down after the renew deadline, then re-acquires', async () => {
    const clock = new FakeClock(9_000_000);
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, clock, 'a', log);
    a.start();
    await settle();
    expect(a.isLeader()).toBe(true);
    store.failing.add('update');
    await tick(clock, 8_000);
    expect(a.isLeader()).toBe(false);
    expect(log).toEqual(['a leads', 'a lost']);
    store.failing.delete('update');
    await tick(clock, 3_000);
    expect(a.isLeader()).toBe(true);
    expect(log).toEqual(['a leads', 'a lost', 'a leads']);
    await a.stop();
  });

  describe('bounded renew (client-go defaults: lease 15 s, renew deadline 10 s, retry 2 s)', () => {
    const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

    /** A leader `a` that acquired at `t0` and renewed once at t0 + 2 s, before `store` went silent. */
    async function leaderThenSilence(mode: 'honours-signal' | 'ignores-signal', method: 'get' | 'update') {
      const t0 = 1_000_000;
      const clock = new FakeClock(t0);
      const store = new HangingLeaseStore();
      const log: string[] = [];
      const a = new LeaderElector({
        store,
        clock,
        identity: 'a',
        namespace: 'k0smotron',
        name: 'lease',
        ...timings,
        onStartedLeading: () => log.push(`leads@${clock.now() - t0}`),
        onStoppedLeading: () => void log.push(`lost@${clock.now() - t0}`),
      });
      a.start();
      await settle();
      expect(log).toEqual(['leads@0']);
      await tick(clock, 2_000, 100); // the renew at t0 + 2 s succeeds
      expect(a.leadingUntil()).toBe(t0 + 2_000 + 10_000);
      store.hang = { mode, method };
      return { t0, clock, store, log, a };
    }

    for (const mode of ['honours-signal', 'ignores-signal'] as const) {
      it(`loses leadership exactly at the renew deadline after the last successful renew when a renew hangs (store ${mode})`, async () => {
        const { t0, clock, store, log, a } = await leaderThenSilence(mode, 'update');
        // The next renew (t0 + 4 s) hangs for good. Still leader up to the last millisecond…
        await tick(clock, 2_000, 100);
        expect(store.hung).toHaveLength(1);
        await tick(clock, 7_999, 7_999);
        expect(a.isLeader()).toBe(true);
        expect(clock.now() - t0).toBe(11_999);
        // …and not a millisecond longer: cut by its own timer, not by any answer.
        await tick(clock, 1, 1);
        expect(a.isLeader()).toBe(false);
        expect(a.leadingUntil()).toBeUndefined();
        expect(log).toEqual(['leads@0', 'lost@12000']);
        expect(store.hung[0].signal?.aborted).toBe(true);
        await a.stop();
        expect(clock.pending()).toBe(0);
      });
    }

    it('a hanging read is cut just the same', async () => {
      const { clock, store, log, a } = await leaderThenSilence('ignores-signal', 'get');
      await tick(clock, 10_000, 100);
      expect(log).toEqual(['leads@0', 'lost@12000']);
      expect(store.hung[0].method).toBe('get');
      await a.stop();
    });

    it('counts the deadline from when the last successful renew was sent, not answered', async () => {
      const { t0, clock, store, log, a } = await leaderThenSilence('honours-signal', 'update');
      // A renew sent at t0 + 4 s that the server answers (successfully) only 3 s later: the
      // server may have stored it at any moment in between, so only the sending time is safe.
      store.hang = undefined;
      store.delayMs = 3_000;
      store.clock = clock;
      await tick(clock, 2_000 + 3_000, 100);
      expect(a.isLeader()).toBe(true);
      expect(a.leadingUntil()).toBe(t0 + 4_000 + 10_000);
      store.delayMs = 0;
      store.hang = { mode: 'ignores-signal', method: 'update' };
      await tick(clock, 14_000 - 7_000 + 1_000, 100);
      expect(log).toEqual(['leads@0', 'lost@14000']);
      await a.stop();
    });

    it('steps down at once when it sees another holder of an unexpired lease', async () => {
      const clock = new FakeClock(3_000_000);
      const store = new HangingLeaseStore();
      const log: string[] = [];
      const a = elector(store, clock, 'a', log);
      a.start();
      await settle();
      // Someone else holds the lease now (e.g. it was taken over by hand).
      store.lease = {
        ...store.lease!,
        metadata: { ...store.lease!.metadata, resourceVersion: String(++store.rv) },
        spec: { ...store.lease!.spec, holderIdentity: 'z', renewTime: microTime(clock.now()) },
      };
      await tick(clock, 2_000, 100);
      expect(log).toEqual(['a leads', 'a lost']);
      expect(clock.now() - 3_000_000).toBeLessThan(6_666); // at its first renew, before its deadline
      await a.stop();
    });

    it("a standby's attempt is bounded too: a hanging one does not stop it from campaigning", async () => {
      const clock = new FakeClock(4_000_000);
      const store = new HangingLeaseStore();
      store.hang = { mode: 'ignores-signal', method: 'get' };
      const log: string[] = [];
      const b = elector(store, clock, 'b', log);
      b.start();
      await tick(clock, 7_000, 100); // 6.666 s renew deadline of the 10 s lease: the attempt is given up
      store.hang = undefined;
      await tick(clock, 2_000, 100); // the next attempt, a retry period later, acquires
      expect(log).toEqual(['b leads']);
      await b.stop();
    });
  });

  it('rejects inconsistent timings with a clear message', () => {
    expect(
      () =>
        new LeaderElector({
          store: new MemoryLeaseStore(),
          namespace: 'n',
          name: 'l',
          identity: 'x',
          leaseDurationMs: 1000,
          retryPeriodMs: 2000,
          onStartedLeading: () => {},
          onStoppedLeading: () => {},
        }),
    ).toThrow(/retryPeriod < renewDeadline/);
  });
});
