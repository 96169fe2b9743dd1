import { Backoff, backoffDelay, PerKeyBackoff } from './backoff';
import { FakeClock, sleep } from './clock';

describe('backoff', () => {
  it('doubles from the base up to the cap', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map(n => backoffDelay(n, opts))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitter shortens the delay by at most the jitter fraction', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 10_000, jitter: 0.5, random: () => 1 })).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 10_000, jitter: 0.5, random: () => 0 })).toBe(400);
  });

  it('single sequence resets', () => {
    const b = new Backoff({ baseMs: 10, maxMs: 100 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    b.reset();
    expect(b.next()).toBe(10);
  });

  it('per-key counts are independent', () => {
    const b = new PerKeyBackoff({ baseMs: 1, maxMs: 8 });
    b.next('x');
    b.next('x');
    expect(b.retries('x')).toBe(2);
    expect(b.retries('y')).toBe(0);
    expect(b.next('y')).toBe(1);
  });

  it('sleep ends at the fake time or on abort', async () => {
    const clock = new FakeClock();
    let done = false;
    const p = sleep(clock, 100).then(() => (done = true));
    clock.advance(99);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await p;
    const ac = new AbortController();
    const q = sleep(clock, 1e9, ac.signal);
    ac.abort();
    await q;
    expect(clock.pending()).toBe(0);
  });
});
