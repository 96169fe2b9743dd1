// The engine against the shared real test cluster: informers, owned-object routing, zero-write
// resyncs and restarts, watch restarts after a cut connection, leader election handover, and a
// stop that leaves nothing running.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { createTestNamespace, eventually, sharedTestCluster } from '@k0smotron/testenv';
import { startOperator, type RunningOperator } from '../index';
import { InformerCache } from './cache';
import { KubeApi, writeRequests } from '@k0smotron/api/kube';
import { JsonLogger } from './logger';
import { CHILD, PARENT, parentChildController } from './testing/parentChildController';

const { kubeConfig: kc, kubeconfigPath } = sharedTestCluster();
const core = kc.makeApiClient(CoreV1Api);
const quiet = new JsonLogger({ level: process.env.K0SMOTRON_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error' });

function parent(ns: string, name: string, v: string) {
  return core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels: { 'engine-test': 'parent' } }, data: { v } } });
}

async function readChild(ns: string, name: string) {
  try {
    return await core.readNamespacedSecret({ namespace: ns, name: `${name}-child` });
  } catch {
    return undefined;
  }
}

jest.setTimeout(90_000);

const running: RunningOperator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(op => op.stop()));
});

describe('informer cache', () => {
  it('sees create, update and delete, keeps namespace and owner indexes', async () => {
    const ns = await createTestNamespace(kc, 'engine-informer');
    const api = new KubeApi(kc);
    const cache = new InformerCache({ api, namespaces: [ns], log: quiet });
    const seen: string[] = [];
    cache.addKinds([{ ...PARENT }]);
    cache.on(PARENT, (e, o) => seen.push(`${e} ${o.metadata?.name}`));
    cache.start();
    try {
      await cache.waitForSync();
      expect(cache.list(PARENT, { namespace: ns }).map(o => o.metadata?.name)).toEqual(['kube-root-ca.crt']);
      await parent(ns, 'a', '1');
      await eventually('add of a', () => seen.includes('add a'));
      const a = await core.readNamespacedConfigMap({ namespace: ns, name: 'a' });
      await core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { ...a, data: { v: '2' } } });
      await eventually('update of a', () => cache.get<KubernetesObject & { data: { v: string } }>(PARENT, ns, 'a')?.data.v === '2');
      expect(cache.get(PARENT, ns, 'a')?.metadata?.managedFields).toBeUndefined();
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'a' });
      await eventually('delete of a', () => seen.includes('delete a'));
      expect(cache.get(PARENT, ns, 'a')).toBeUndefined();
      expect(seen.filter(s => s.endsWith(' a'))).toEqual(['add a', 'update a', 'delete a']);
    } finally {
      await cache.stop();
      api.close();
    }
  });
});

describe('manager with a real controller', () => {
  it('reconciles owners on owned-object events, resyncs and restarts with zero writes, survives cut watches', async () => {
    const ns = await createTestNamespace(kc, 'engine-manager');
    const ctrl = parentChildController();
    let resyncPeriodMs = 0;
    const start = () => startOperator({ kubeConfig: kc, namespaces: [ns], controllers: [ctrl], logger: quiet, resyncPeriodMs });
    let op = await start();
    running.push(op);

    await Promise.all(['p1', 'p2', 'p3'].map((n, i) => parent(ns, n, String(i))));
    for (const n of ['p1', 'p2', 'p3']) {
      const child = await eventually(`${n}-child`, () => readChild(ns, n));
      expect(child.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ConfigMap', name: n, controller: true });
      expect(child.metadata?.annotations?.['k0smotron.io/applied-hash']).toMatch(/^[0-9a-f]{32}$/);
    }
    const events = await eventually('ChildApplied events', async () => {
      const list = await core.listNamespacedEvent({ namespace: ns });
      const mine = list.items.filter(e => e.reason === 'ChildApplied');
      return mine.length === 3 ? mine : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'Normal', reportingComponent: 'k0smotron', source: { component: 'k0smotron' } });

    // An owned object changes behind the operator's back → its owner is reconciled → restored.
    const before = await readChild(ns, 'p2');
    await core.deleteNamespacedSecret({ namespace: ns, name: 'p2-child' });
    const recreated = await eventually('p2-child recreated', async () => {
      const c = await readChild(ns, 'p2');
      return c && c.metadata?.uid !== before?.metadata?.uid ? c : undefined;
    });
    expect(Buffer.from(recreated.data!.v, 'base64').toString()).toBe('1');

    // A resync reconciles every key and writes nothing.
    const controller = op.manager.controllers[0];
    await eventually('all children cached', () => op.manager.cache.list(CHILD, { namespace: ns }).length === 3);
    await op.manager.waitForIdle();
    const writes = writeRequests(op.requestCounts());
    const done = controller.stats.success;
    op.manager.resync();
    await eventually('resync reconciles', () => controller.stats.success >= done + 3);
    expect(writeRequests(op.requestCounts())).toBe(writes);

    // A cut watch connection restarts the informers (relist) and events flow again.
    const restarts = op.manager.cache.restarts();
    op.manager.api.resetWatchConnections();
    await eventually('informer restart', () => op.manager.cache.restarts() > restarts);
    await parent(ns, 'p4', 'after-cut');
    await eventually('p4-child after the cut', () => readChild(ns, 'p4'), 30_000);

    // A restarted operator (now with a 1 s periodic resync) reconciles everything, again and
    // again, and writes nothing.
    await op.stop();
    running.splice(0);
    const reconciledBefore = ctrl.reconciled.length;
    resyncPeriodMs = 1000;
    op = await start();
    running.push(op);
    await eventually('reconciles after restart and two resyncs', () => ctrl.reconciled.length >= reconciledBefore + 3 * 4, 10_000);
    await op.manager.waitForIdle();
    expect(writeRequests(op.requestCounts())).toBe(0);
    expect(op.requestCounts()).not.toHaveProperty(['create events 201']);
  });

  it('one failing key backs off without holding up the others', async () => {
    const ns = await createTestNamespace(kc, 'engine-backoff');
    const attempts: number[] = [];
    const good = parentChildController('backoff');
    const inner = good.reconcile;
    const ctrl = {
      ...good,
      reconcile: async (key: { namespace: string; name: string }, ctx: Parameters<typeof inner>[1]) => {
        if (key.name === 'bad') {
          attempts.push(Date.now());
          throw new Error('bad input: the test says so');
        }
        return inner(key, ctx);
      },
    };
    const op = await startOperator({ kubeConfig: kc, namespaces: [ns], controllers: [ctrl], logger: quiet });
    running.push(op);
    await parent(ns, 'bad', 'x');
    await parent(ns, 'good', 'y');
    await eventually('good-child', () => readChild(ns, 'good'));
    await eventually('a few retries', () => attempts.length >= 6, 10_000);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    // 5 ms doubling: the later gaps grow.
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
    const metrics = await op.metrics.text();
    expect(metrics).toMatch(/k0smotron_reconcile_errors_total\{controller="backoff"\} \d+/);
  });
});

describe('leader election', () => {
  it('only one of two operators leads; the standby takes over when the leader stops or dies', async () => {
    const ns = await createTestNamespace(kc, 'engine-leader');
    const le = { namespace: ns, name: 'engine-test', leaseDurationMs: 4000 };
    // Each replica's info lines, to see that a stopping leader released the lease.
    const lines: Record<string, string[]> = {};
    const mk = (id: string) =>
      startOperator({
        kubeConfig: kc,
        namespaces: [ns],
        controllers: [parentChildController(`le-${id}`)],
        leaderElection: { ...le, identity: id },
        metricsPort: 0,
        metricsHost: '127.0.0.1',
        logger: new JsonLogger({ level: 'info', write: l => (lines[id] ??= []).push(l) }),
      });
    const a = await mk('a');
    running.push(a);
    await eventually('a leads', () => a.isLeader());
    const b = await mk('b');
    running.push(b);
    // Proof that b tried: a second read of the Lease starts only after its first attempt ended,
    // which found the Lease held by a.
    await eventually('b read the Lease twice', () => (b.requestCounts()['get leases 200'] ?? 0) >= 2);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(b.manager.controllers[0].isRunning()).toBe(false);
    expect((await fetch(`${b.metrics.url}/readyz`)).status).toBe(200); // a ready standby

    // Clean stop: the lease is released (a says so), and b takes over. The time is printed, not
    // judged: a loaded machine may delay b's next attempt past the lease anyway.
    const t0 = Date.now();
    await a.stop();
    expect((lines.a ?? []).filter(l => JSON.parse(l).msg === 'released the lease')).toHaveLength(1);
    await eventually('b leads after a stopped', () => b.isLeader(), 60_000, 50);
    const cleanHandover = Date.now() - t0;
    await eventually('b runs its controller', () => b.manager.controllers[0].isRunning());

    // A leader that dies (its API connection gone, no release) is replaced after the lease expires.
    const c = await mk('c');
    running.push(c);
    await eventually('c read the Lease twice', () => (c.requestCounts()['get leases 200'] ?? 0) >= 2);
    expect(c.isLeader()).toBe(false);
    const t1 = Date.now();
    // Every request of b now fails (the Lease has a connection of its own): it can neither renew
    // nor release.
    b.manager.api.close();
    b.manager.leaseApi.close();
    // Generous: only a standby that never takes over misses it; the time is printed below.
    await eventually('c leads after b died', () => c.isLeader(), 60_000, 50);
    const takeover = Date.now() - t1;
    process.stderr.write(`leader handover (lease ${le.leaseDurationMs} ms): after a clean stop ${cleanHandover} ms, after a dead leader ${takeover} ms\n`);
    await eventually('b noticed it lost the lease', () => !b.isLeader(), 5000);
  });
});

describe('stop', () => {
  it('leaves no timers, sockets or watches: a process that starts and stops it exits by itself', async () => {
    const ns = await createTestNamespace(kc, 'engine-stop');
    const script = path.join(__dirname, 'testing/startStop.ts');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', script, kubeconfigPath, ns],
        { timeout: 60_000, cwd: path.join(__dirname, '../../..') },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ leader: false, readyz: 200 });
    // Exited soon after stop, not held open by a leftover handle (a watch or the resync timer
    // would keep it for minutes, until execFile's 60 s timeout kills it and the case fails).
    // Generous: a loaded machine's process teardown takes far less than 20 s.
    expect(Date.now() - result.stoppedAt).toBeLessThan(20_000);
  });
});
