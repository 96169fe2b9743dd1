import type { KubernetesObject } from '@kubernetes/client-node';
import { PerKeyBackoff } from './backoff';
import { FakeClock } from './clock';
import type { Cache, Client, ControllerSpec, EventRecorder, ObjectKey, ReconcileContext } from './contract';
import { Controller, decodeKey, encodeKey } from './controller';
import { silentLogger } from './logger';
import { OperatorMetrics } from './metrics';

const objects: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name: 'x' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'b', name: 'y' } },
];
const cache: Cache = {
  get: () => undefined,
  list: <T extends KubernetesObject>() => objects as T[],
  byIndex: () => [],
};
// Reconcilers under test make no API calls; these would fail the test if they did.
const client = {} as Client;
const events: EventRecorder = { event: () => undefined };

async function settle() {
  for (let i = 0; i < 10; i++) await new Promise(r => setImmediate(r));
}

function controller(reconcile: ControllerSpec['reconcile'], clock: FakeClock, concurrency = 2) {
  const metrics = new OperatorMetrics();
  const c = new Controller(
    { name: 't', for: { apiVersion: 'v1', kind: 'ConfigMap' }, reconcile, concurrency },
    { cache, client, events, log: silentLogger, metrics, clock, backoff: () => new PerKeyBackoff({ baseMs: 100, maxMs: 1000 }) },
  );
  return { c, metrics };
}

describe('Controller', () => {
  it('keys round-trip, including cluster-scoped ones', () => {
    expect(decodeKey(encodeKey({ namespace: 'ns', name: 'n' }))).toEqual({ namespace: 'ns', name: 'n' });
    expect(decodeKey(encodeKey({ namespace: '', name: 'node-1' }))).toEqual({ namespace: '', name: 'node-1' });
  });

  it('reconciles every cached key on start, retries failures with growing backoff, resets on success', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    let failures = 2;
    const { c, metrics } = controller(async key => {
      calls.push(`${key.namespace}/${key.name}@${clock.now()}`);
      if (key.name === 'x' && failures-- > 0) throw new Error('not yet');
    }, clock);
    c.start();
    await settle();
    expect(calls).toEqual(['a/x@0', 'b/y@0']);
    clock.advance(100);
    await settle();
    expect(calls.slice(2)).toEqual(['a/x@100']);
    clock.advance(199);
    await settle();
    expect(calls).toHaveLength(3);
    clock.advance(1);
    await settle();
    expect(calls.slice(3)).toEqual(['a/x@300']);
    expect(c.stats).toEqual({ success: 2, error: 2 });
    const text = await metrics.text();
    expect(text).toContain('k0smotron_reconcile_errors_total{controller="t"} 2');
    expect(text).toContain('k0smotron_reconcile_total{controller="t",result="success"} 2');
    await c.stop();
    expect(clock.pending()).toBe(0);
  });

  it('requeueAfterMs re-adds the key later', async () => {
    const clock = new FakeClock();
    const calls: number[] = [];
    const { c } = controller(async key => {
      if (key.name !== 'x') return;
      calls.push(clock.now());
      return { requeueAfterMs: 5000 };
    }, clock);
    c.start();
    await settle();
    clock.advance(5000);
    await settle();
    clock.advance(5000);
    await settle();
    expect(calls).toEqual([0, 5000, 10000]);
    await c.stop();
  });

  it('stop waits for in-flight reconciles, aborts their signal, and takes no new work', async () => {
    const clock = new FakeClock();
    let release!: () => void;
    let seen: ReconcileContext | undefined;
    const started: ObjectKey[] = [];
    const { c } = controller(
      async (key, ctx) => {
        started.push(key);
        seen = ctx;
        await new Promise<void>(r => (release = r));
      },
      clock,
      1,
    );
    c.start();
    await settle();
    expect(started).toHaveLength(1);
    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    await settle();
    expect(seen!.signal.aborted).toBe(true);
    expect(stopped).toBe(false);
    c.enqueue({ namespace: 'a', name: 'z' });
    release();
    await stopping;
    expect(started).toHaveLength(1); // b/y and a/z were never started
    expect(c.isRunning()).toBe(false);
  });

  it("hands reconciles the client and recorder bound to the run's signal; abortInFlight aborts it at once", async () => {
    const clock = new FakeClock();
    const fencedClient = {} as Client;
    const fencedEvents: EventRecorder = { event: () => undefined };
    const runs: AbortSignal[] = [];
    let release!: () => void;
    let seen: ReconcileContext | undefined;
    const c = new Controller(
      {
        name: 't',
        for: { apiVersion: 'v1', kind: 'ConfigMap' },
        concurrency: 1,
        reconcile: async (_key, ctx) => {
          seen = ctx;
          await new Promise<void>(r => (release = r));
        },
      },
      {
        cache,
        client,
        events,
        log: silentLogger,
        metrics: new OperatorMetrics(),
        clock,
        fenced: signal => (runs.push(signal), { client: fencedClient, events: fencedEvents }),
      },
    );
    c.start();
    await settle();
    expect(seen!.client).toBe(fencedClient);
    expect(seen!.events).toBe(fencedEvents);
    expect(seen!.signal).toBe(runs[0]);
    const lost = new Error('leader election lost');
    c.abortInFlight(lost);
    expect(seen!.signal.aborted).toBe(true); // synchronously, while the reconcile still runs
    expect(seen!.signal.reason).toBe(lost);
    release();
    await c.stop();
    c.start(); // a new run gets a new, live signal
    await settle();
    expect(runs).toHaveLength(2);
    expect(runs[1].aborted).toBe(false);
    release();
    await c.stop();
  });
});
