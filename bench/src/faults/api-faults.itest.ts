// Faults of the API server, injected by a local proxy in front of the real test cluster's
// kube-apiserver (lib/fault-proxy.ts): watches answered with 410 Gone, and requests answered with
// 409, 429 and 5xx. The operator runs in this process, talking only through the proxy.
import { CoreV1Api } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND, clusterObjectNames } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { startClusterOperator } from '@k0smotron/operator/testing';
import type { RunningOperator } from '@k0smotron/operator';
import { createTestNamespace, poller, sharedTestCluster } from '@k0smotron/testenv';
import { ChildTracker } from '../lib/children';
import { startFaultProxy, type FaultProxy } from '../lib/fault-proxy';
import { sleep } from '../lib/operator-process';

const { kubeConfig: kc } = sharedTestCluster();
const core = kc.makeApiClient(CoreV1Api);
const kmc = new K0smotronClient(kc);

jest.setTimeout(120_000);

let proxy: FaultProxy | undefined;
let op: RunningOperator | undefined;
let tracker: ChildTracker | undefined;
afterEach(async () => {
  tracker?.stop();
  await op?.stop();
  await proxy?.close();
  tracker = op = proxy = undefined;
});

const create = (ns: string, name: string) =>
  kmc.createCluster({ apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata: { name, namespace: ns }, spec: { service: { type: 'ClusterIP' } } });

const until = poller({ timeoutMs: 60_000, everyMs: 200 });

async function setUp(prefix: string): Promise<string> {
  proxy = await startFaultProxy(kc);
  const ns = await createTestNamespace(kc, prefix);
  op = await startClusterOperator(proxy.kubeConfig, [ns]);
  tracker = await ChildTracker.start(kc, ns);
  return ns;
}

it('a watch answered with 410 Gone relists, and changes made meanwhile are not missed', async () => {
  const ns = await setUp('fault-gone');
  await create(ns, 'a');
  await tracker!.waitAll(['a'], 90_000, 'gone: a');
  const configMap = clusterObjectNames('a').configMap;
  const oldUid = (await core.readNamespacedConfigMap({ namespace: ns, name: configMap })).metadata!.uid;

  // Every watched collection's next watch gets 410 Gone, then the streams are cut (as when the
  // server drops them), so every informer resumes from a resourceVersion the "server" has lost.
  const gone = new Map<string, number>();
  proxy!.setPolicy(r => {
    if (!r.isWatch) return undefined;
    const collection = r.url.split('?')[0];
    if (gone.has(collection)) return undefined;
    gone.set(collection, proxy!.log.length - 1);
    return 'watch-gone';
  });
  proxy!.cutWatches();
  // Changes while the informers are between the 410 and their relist.
  await create(ns, 'b');
  await core.deleteNamespacedConfigMap({ namespace: ns, name: configMap });

  await tracker!.waitAll(['b'], 90_000, 'gone: b');
  await until(
    'the deleted ConfigMap re-created',
    async () => {
      const cm = await core.readNamespacedConfigMap({ namespace: ns, name: configMap });
      return cm.metadata!.uid !== oldUid;
    },
    60_000,
  );

  // Each informer relisted (a plain GET of the collection) after its 410. An informer restarts
  // after a jittered backoff, so the last of them may relist after the Clusters above converged.
  const notRelisted = () =>
    [...gone]
      .filter(([collection, at]) => !proxy!.log.slice(at + 1).some(r => r.method === 'GET' && !r.isWatch && r.url.split('?')[0] === collection))
      .map(([c]) => c);
  await until('every informer that got 410 Gone relisted', () => gone.size >= 4 && notRelisted().length === 0, 30_000);
  expect(notRelisted()).toEqual([]);
  expect(gone.size).toBeGreaterThanOrEqual(4); // clusters, services, configmaps, secrets, statefulsets, …
});

it('a failed first write of the cluster CA is retried: the Cluster is never left waiting for a CA backup that never existed', async () => {
  const ns = await setUp('fault-ca');
  // The CA Secret's first write fails; every other write passes. The other certificate Secrets
  // count as evidence of an earlier CA, so they must not land before the CA does.
  const caPath = `/api/v1/namespaces/${ns}/secrets/${clusterObjectNames('c').caSecret}`;
  let failed = 0;
  proxy!.setPolicy(r => (r.method !== 'GET' && !r.isWatch && r.url.split('?')[0] === caPath && failed++ === 0 ? { status: 500 } : undefined));
  await create(ns, 'c');
  await tracker!.waitAll(['c'], 60_000, 'ca');
  expect(failed).toBeGreaterThanOrEqual(2); // the refused write, then the one that landed
  const conditions = (await kmc.getCluster(ns, 'c'))?.status?.conditions ?? [];
  expect(conditions.filter(c => c.reason === 'CASecretMissing')).toEqual([]);
});

it('409, 429 and 5xx answers are retried with backoff: everything converges, a permanent failure is not a hot loop', async () => {
  const ns = await setUp('fault-errors');
  // 1. A share of every Cluster's requests fails: every 3rd write of a Cluster's objects gets
  // 409, 429, 500 and 503 in turn, every 4th read 500, until that Cluster drew each write fault
  // once and two read faults. Faults are counted per Cluster because the per-key backoff doubles
  // from 5 ms: a Cluster left alone with all the faults would draw a dozen failures in a row and
  // wait minutes, which is the backoff working, not what this test is about. Requests that name
  // no Cluster's object (creates, lists) pass untouched.
  const names = ['e0', 'e1', 'e2'];
  const faults = [{ status: 409 }, { status: 429, retryAfterSeconds: 1 }, { status: 500 }, { status: 503 }];
  const perCluster = new Map(names.map(n => [n, { writes: 0, reads: 0, failedWrites: 0, failedReads: 0 }]));
  const clusterOf = (url: string): string | undefined => {
    const last = url.split('?')[0].split('/').pop() ?? '';
    return names.find(n => [n, `kmc-${n}`, `kmc-entrypoint-${n}-config`].includes(last) || last.startsWith(`${n}-`) || last.startsWith(`kmc-${n}-`));
  };
  proxy!.setPolicy(r => {
    if (r.isWatch || r.url.includes('/events')) return undefined;
    const owner = clusterOf(r.url);
    const c = owner === undefined ? undefined : perCluster.get(owner);
    if (!c) return undefined;
    if (r.method === 'GET') {
      if (++c.reads % 4 !== 0 || c.failedReads >= 2) return undefined;
      c.failedReads++;
      return { status: 500 };
    }
    if (++c.writes % 3 !== 0 || c.failedWrites >= faults.length) return undefined;
    return faults[c.failedWrites++];
  });
  const t0 = Date.now();
  const mark = proxy!.log.length;
  await Promise.all(names.map(n => create(ns, n)));
  await tracker!.waitAll(names, 60_000, 'errors').catch(async err => {
    // Which faults each stalled Cluster drew and what its status says tell a stall from a backoff.
    const stalled = names.filter(n => tracker!.completeAt(n) === undefined);
    const details = await Promise.all(
      stalled.map(async n => {
        const conditions = (await kmc.getCluster(ns, n).catch(() => undefined))?.status?.conditions ?? [];
        const drawn = proxy!.log
          .slice(mark)
          .filter(r => r.injected !== undefined && clusterOf(r.url) === n)
          .map(r => `${r.method} ${r.url.split('?')[0]} → ${r.injected}`);
        return `${n}: conditions ${JSON.stringify(conditions.map(c => [c.type, c.status, c.reason, c.message]))}; faults ${drawn.join(', ')}`;
      }),
    );
    throw new Error(`${(err as Error).message}\n${details.join('\n')}`);
  });
  const injected = proxy!.log.slice(mark).filter(r => r.injected !== undefined);
  const byStatus = injected.reduce<Record<string, number>>((a, r) => ({ ...a, [String(r.injected)]: (a[String(r.injected)] ?? 0) + 1 }), {});
  process.stderr.write(
    `[api-faults] 3 Clusters converged in ${((Date.now() - t0) / 1000).toFixed(1)} s through ${injected.length} injected errors ${JSON.stringify(byStatus)}; ${proxy!.log.length - mark} requests\n`,
  );
  for (const s of ['409', '429', '500', '503']) expect(byStatus[s]).toBeGreaterThan(0);
  // Three Clusters need about 100 requests; a retry without backoff would make thousands.
  expect(proxy!.log.length - mark).toBeLessThan(600);

  // 2. One Cluster's StatefulSet can never be written (503 forever): its reconciles back off.
  const sts = clusterObjectNames('p').statefulSet;
  const stsPath = `/apis/apps/v1/namespaces/${ns}/statefulsets/${sts}`;
  proxy!.setPolicy(r => (r.method !== 'GET' && r.url.split('?')[0] === stsPath ? { status: 503 } : undefined));
  await create(ns, 'p');
  await until('the first refused StatefulSet write', () => proxy!.log.some(r => r.url.split('?')[0] === stsPath), 60_000);
  const windowStart = proxy!.log.length;
  const errors0 = op!.manager.controllers[0].stats.error;
  await sleep(8_000);
  const refused = proxy!.log.filter(r => r.url.split('?')[0] === stsPath && r.injected !== undefined);
  const attempts = proxy!.log.slice(windowStart).filter(r => r.url.split('?')[0] === stsPath).length;
  const errors = op!.manager.controllers[0].stats.error - errors0;
  process.stderr.write(`[api-faults] permanent 503 on ${sts}: ${attempts} attempts and ${errors} failed reconciles in 8 s\n`);
  expect(attempts).toBeGreaterThanOrEqual(3); // it does retry…
  expect(attempts).toBeLessThanOrEqual(25); // …with backoff (5 ms doubling: ~11 in 8 s), not in a loop
  // 3. The fault ends: the Cluster converges at its next retry. Each failed reconcile doubles the
  // key's delay, and a reconcile an event starts meanwhile counts too, so the retry is due at most
  // 5 ms · 2^failures after the last refusal; the wait allows for that plus 20 s of a busy machine.
  proxy!.setPolicy(() => undefined);
  const lastRefusal = refused[refused.length - 1].at;
  const retryDueBy = lastRefusal + Math.min(5 * 60_000, 5 * 2 ** refused.length);
  await until('the StatefulSet written after the fault ended', () => tracker!.completeAt('p') !== undefined, Math.max(0, retryDueBy - Date.now()) + 20_000);
});
