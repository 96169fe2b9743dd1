import { FakeClock } from './clock';
import { ApiError } from './kubeApi';
import { Lease, LeaderElector, LeaseStore, microTime } from './leaderElection';

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

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise(r => setImmediate(r));
}

function elector(store: LeaseStore, clock: FakeClock, identity: string, log: string[]) {
  return new LeaderElector({
    store, clock, identity, namespace: 'k0smotron', name: 'lease',
    leaseDurationMs: 10_000, retryPeriodMs: 2_000,
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
    const failingForA: LeaseStore = { get: () => Promise.reject(new ApiError('dead', 0, 'Unreachable')), create: () => Promise.reject(new Error('dead')), update: () => Promise.reject(new Error('dead')) };
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

  it('rejects inconsistent timings with a clear message', () => {
    expect(() => new LeaderElector({
      store: new MemoryLeaseStore(), namespace: 'n', name: 'l', identity: 'x', leaseDurationMs: 1000, retryPeriodMs: 2000,
      onStartedLeading: () => {}, onStoppedLeading: () => {},
    })).toThrow(/retryPeriod < renewDeadline/);
  });
});
