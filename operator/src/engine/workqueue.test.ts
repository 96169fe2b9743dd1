import { PerKeyBackoff } from './backoff';
import { FakeClock } from './clock';
import { WorkQueue } from './workqueue';

describe('WorkQueue', () => {
  it('hands out each added key once, in order, however often it was added', async () => {
    const q = new WorkQueue(new FakeClock());
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key to a second worker while it is processed; re-adds it after done', async () => {
    const q = new WorkQueue(new FakeClock());
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a'); // changed while being reconciled
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then(k => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
    expect(q.isProcessing('a')).toBe(true);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue(new FakeClock());
    const got = q.get();
    q.add('x');
    expect(await got).toBe('x');
  });

  it('delays addAfter until the clock passes, keeping the earliest due time', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    q.addAfter('a', 1000);
    q.addAfter('a', 500);
    q.addAfter('a', 2000);
    expect(clock.pending()).toBe(1);
    clock.advance(499);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(5000);
    expect(q.len()).toBe(1);
  });

  it('backs off per key exponentially and resets on forget', () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock, new PerKeyBackoff({ baseMs: 5, maxMs: 5 * 60_000 }));
    const delays = Array.from({ length: 20 }, () => q.addRateLimited('a'));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays[19]).toBe(300_000);
    expect(q.addRateLimited('b')).toBe(5);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(5);
  });

  it('retries keys waiting out a failure backoff at once, keeps their failure count, and leaves requested requeues alone', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock, new PerKeyBackoff({ baseMs: 5, maxMs: 5 * 60_000 }));
    for (let i = 0; i < 14; i++) q.addRateLimited('failing'); // due in 82 s
    q.addAfter('requeued', 120_000);
    expect(q.retryBackedOffNow()).toBe(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('failing');
    q.done('failing');
    expect(q.retries('failing')).toBe(14);
    expect(q.pendingDelayed()).toBe(1); // the requeue
    clock.advance(82_000);
    expect(q.len()).toBe(0); // the cancelled backoff timer does not add it a second time
    clock.advance(38_000);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('requeued');
  });

  it('shutdown releases waiting workers, drops delayed adds and waits for in-flight keys', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    q.add('busy');
    expect(await q.get()).toBe('busy');
    const idle = q.get();
    q.addAfter('later', 1000);
    let drained = false;
    const done = q.shutdown().then(() => (drained = true));
    expect(await idle).toBeUndefined();
    expect(clock.pending()).toBe(0);
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done('busy');
    await done;
    expect(drained).toBe(true);
    q.add('ignored');
    expect(await q.get()).toBeUndefined();
  });

  it('reports depth and latency through hooks', async () => {
    const clock = new FakeClock();
    const depths: number[] = [];
    const latencies: number[] = [];
    const q = new WorkQueue(clock, undefined, { depth: n => depths.push(n), latency: ms => latencies.push(ms) });
    q.add('a');
    q.add('b');
    clock.advance(30);
    await q.get();
    expect(depths).toEqual([1, 2, 1]);
    expect(latencies).toEqual([30]);
  });

  it('with N workers, a key is never processed concurrently under churn', async () => {
    const q = new WorkQueue(new FakeClock());
    const active = new Set<string>();
    let overlaps = 0;
    let processed = 0;
    const worker = async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (active.has(k)) overlaps++;
        active.add(k);
        await new Promise(r => setImmediate(r));
        if (processed++ < 200) q.add(k); // re-add while processing
        active.delete(k);
        q.done(k);
      }
    };
    ['a', 'b', 'c'].forEach(k => q.add(k));
    const workers = Array.from({ length: 4 }, worker);
    while (processed < 200) await new Promise(r => setImmediate(r));
    await q.shutdown();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(200);
  });
});
