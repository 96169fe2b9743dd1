// Leader fencing against the real test cluster: two operators share a Lease; the leader (A) talks
// to the API server through a partition proxy, the standby (B) directly. A is partitioned while
// one of its reconciles has a write on the wire and another is about to write; B takes over; the
// partition heals; only then does A's second reconcile try its write. The proof is the proxy's
// log of what reached the server: nothing A wrote got there after the partition began, so
// nothing after B's first write either. The held write was cut (never forwarded), the late one
// refused unsent, and the children hold B's values at the resourceVersions B wrote.
// A second test fills the reconcilers' connection pool and shows the Lease is still renewed.
import { setMaxListeners } from 'node:events';
import { CoordinationV1Api, CoreV1Api, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import { createTestNamespace, eventually, sharedTestCluster } from '@k0smotron/testenv';
import { startOperator, type RunningOperator } from '../index';
import type { ControllerSpec, Logger, ObjectKey } from './contract';
import { ApiError } from '@k0smotron/api/kube';
import { JsonLogger } from './logger';
import { startPartitionProxy, type PartitionProxy } from './testing/partitionProxy';

const { kubeConfig: kc } = sharedTestCluster();
const core = kc.makeApiClient(CoreV1Api);
const quiet = new JsonLogger({ level: process.env.K0SMOTRON_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error' });

jest.setTimeout(120_000);

const PARENT = { apiVersion: 'v1', kind: 'ConfigMap' };
const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const LABEL = 'engine-fencing';

/** A gate a reconcile waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>(r => (open = r));
  return { wait, open };
}

/**
 * Each parent ConfigMap owns a Secret `<name>-child` whose `writer` is the operator that wrote
 * it. In A, the reconciles of `held` and `late` wait at a gate before they write.
 */
function fencingController(writer: string, gates: Record<string, Promise<void>> = {}) {
  const errors = new Map<string, unknown>();
  const entered = new Set<string>();
  const spec: ControllerSpec = {
    name: `fencing-${writer}`,
    for: { ...PARENT, labelSelector: `${LABEL}=parent` },
    owns: [{ ...SECRET, labelSelector: `${LABEL}=child` }],
    async reconcile(key: ObjectKey, ctx) {
      const parent = ctx.cache.get<KubernetesObject>(PARENT, key.namespace, key.name);
      if (!parent?.metadata?.uid) return;
      entered.add(key.name);
      await gates[key.name];
      const desired = {
        ...SECRET,
        metadata: {
          name: `${key.name}-child`,
          namespace: key.namespace,
          labels: { [LABEL]: 'child' },
          ownerReferences: [{ ...PARENT, name: key.name, uid: parent.metadata.uid, controller: true }],
        },
        data: { writer: Buffer.from(writer).toString('base64') },
      };
      try {
        await ctx.client.applyIfChanged(desired, ctx.cache.get(SECRET, key.namespace, `${key.name}-child`));
        ctx.events.event(parent, 'Normal', 'ChildApplied', `written by ${writer}`);
      } catch (err) {
        errors.set(key.name, err);
        throw err;
      }
    },
  };
  return { spec, errors, entered };
}

/** A logger that notes when a message is logged (and drops the rest below `error`). */
function noting(seen: Map<string, number>): Logger {
  const wrap = (l: Logger): Logger => ({
    debug: (m, f) => l.debug(m, f),
    info: (m, f) => {
      if (!seen.has(m)) seen.set(m, Date.now());
      l.info(m, f);
    },
    warn: (m, f) => l.warn(m, f),
    error: (m, f) => {
      if (!seen.has(m)) seen.set(m, Date.now());
      l.error(m, f);
    },
    child: f => wrap(l.child(f)),
  });
  return wrap(quiet);
}

async function child(ns: string, name: string): Promise<V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ namespace: ns, name: `${name}-child` });
  } catch {
    return undefined;
  }
}
const writerOf = (s: V1Secret | undefined) => (s?.data?.writer ? Buffer.from(s.data.writer, 'base64').toString() : undefined);

let proxy: PartitionProxy | undefined;
const running: RunningOperator[] = [];
const gates: Array<() => void> = [];
afterEach(async () => {
  gates.splice(0).forEach(open => open());
  proxy?.heal();
  await Promise.all(running.splice(0).map(op => op.stop()));
  await proxy?.close();
  proxy = undefined;
});

it('a partitioned leader is fenced: after the standby takes over, none of its writes reaches the API server', async () => {
  const ns = await createTestNamespace(kc, 'engine-fencing');
  proxy = await startPartitionProxy(kc);
  // Short timings to keep the test short. The margin that makes fencing safe is
  // leaseDuration - renewDeadline = 4 s: A stops writing at least that long before B may lead.
  const le = { namespace: ns, name: 'fencing', leaseDurationMs: 6000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

  const held = gate();
  const late = gate();
  gates.push(held.open, late.open);
  const a = fencingController('a', { held: held.wait, late: late.wait });
  let aLostAt: number | undefined;
  const opA = await startOperator({
    kubeConfig: proxy.kubeConfig,
    namespaces: [ns],
    controllers: [a.spec],
    logger: quiet,
    resyncPeriodMs: 0,
    leaderElection: { ...le, identity: 'a' },
    onLeadershipLost: () => (aLostAt ??= Date.now()),
  });
  running.push(opA);
  await eventually('A leads', () => opA.isLeader());

  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'held', labels: { [LABEL]: 'parent' } } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late', labels: { [LABEL]: 'parent' } } } });
  await eventually('A reconciles both parents, each waiting at its gate', () => a.entered.has('held') && a.entered.has('late'));

  const b = fencingController('b');
  const bSeen = new Map<string, number>();
  const opB = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    controllers: [b.spec],
    logger: noting(bSeen),
    resyncPeriodMs: 0,
    leaderElection: { ...le, identity: 'b' },
  });
  running.push(opB);
  expect(opB.isLeader()).toBe(false);

  // The partition. A's `held` reconcile now writes: the request waits in the network.
  const partitionedAt = Date.now();
  proxy.partition();
  held.open();
  const heldWrite = await eventually("A's write of held-child on the wire, held by the partition", () =>
    proxy!.log.find(r => r.method === 'PATCH' && r.url.includes('/secrets/held-child')),
  );
  expect(heldWrite.forwardedAt).toBeUndefined();

  // A cannot renew: at its renew deadline it aborts its reconciles, which cuts the held write.
  await eventually('A fenced its held write', () => a.errors.has('held'), 30_000);
  expect(opA.isLeader()).toBe(false);
  expect(a.errors.get('held')).toMatchObject({ reason: 'Aborted' });

  // B takes over once A's lease has expired on B's clock, and writes both children.
  await eventually('B leads', () => opB.isLeader(), 30_000);
  const written = await eventually('B wrote both children', async () => {
    const [h, l] = await Promise.all([child(ns, 'held'), child(ns, 'late')]);
    return writerOf(h) === 'b' && writerOf(l) === 'b' ? { held: h!.metadata!.resourceVersion, late: l!.metadata!.resourceVersion } : undefined;
  });
  // A stopped leading before B started to (same process, same clock).
  expect(aLostAt).toBeDefined();
  expect(aLostAt!).toBeLessThan(bSeen.get('became leader')!);

  // The network comes back: whatever A still had on the wire goes through now, except what it
  // cut. Then A's `late` reconcile, still of A's old term, tries to write.
  proxy.heal();
  late.open();
  await eventually("A's late write refused", () => a.errors.has('late'));
  const lateErr = a.errors.get('late');
  expect(lateErr).toBeInstanceOf(ApiError);
  expect(lateErr).toMatchObject({ reason: 'Aborted', message: expect.stringContaining('not sent') });
  // A campaigns again as a standby: a lease read after the heal is evidence it is talking again.
  const healedAt = Date.now();
  await eventually(
    'A reads the lease again after the heal',
    () => proxy!.log.some(r => r.method === 'GET' && r.url.includes('/leases/fencing') && (r.forwardedAt ?? 0) > healedAt),
    30_000,
  );
  expect(opA.isLeader()).toBe(false);

  // What of A reached the server after the partition began: reads only.
  const aWritesAfter = proxy.log.filter(r => r.method !== 'GET' && r.forwardedAt !== undefined && r.forwardedAt >= partitionedAt);
  expect(aWritesAfter).toEqual([]);
  expect(heldWrite).toMatchObject({ dropped: true });
  expect(proxy.log.some(r => r.method === 'PATCH' && r.url.includes('/secrets/late-child'))).toBe(false);
  // The children are B's, unchanged since B wrote them.
  const [h, l] = await Promise.all([child(ns, 'held'), child(ns, 'late')]);
  expect([writerOf(h), writerOf(l)]).toEqual(['b', 'b']);
  expect({ held: h?.metadata?.resourceVersion, late: l?.metadata?.resourceVersion }).toEqual(written);
  process.stderr.write(
    `fencing: A lost the lease ${aLostAt! - partitionedAt} ms after the partition, B led ${bSeen.get('became leader')! - aLostAt!} ms later; ` +
      `A's requests held then dropped: ${proxy.log.filter(r => r.dropped).length}\n`,
  );
});

it('the Lease is renewed on its own connection: a saturated reconciler pool does not starve it', async () => {
  const ns = await createTestNamespace(kc, 'engine-lease-pool');
  const le = { namespace: ns, name: 'pool', leaseDurationMs: 6000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
  const op = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    controllers: [fencingController('x').spec],
    logger: quiet,
    resyncPeriodMs: 0,
    leaderElection: { ...le, identity: 'x' },
  });
  running.push(op);
  await eventually('x leads', () => op.isLeader());

  // Fill every socket of the reconcilers' pool (32) with requests the server keeps open: watches
  // read as plain requests, answered only when their 60 s are up.
  const hold = new AbortController();
  setMaxListeners(64, hold.signal);
  const hogs = Array.from({ length: 40 }, () =>
    op.manager.api
      .request('list', 'configmaps', 'GET', `/api/v1/namespaces/${ns}/configmaps`, {
        query: { watch: true, timeoutSeconds: 60 },
        signal: hold.signal,
        timeoutMs: 90_000,
      })
      .catch(() => undefined),
  );
  let probeDone = false;
  const probe = op.manager.api
    .request('get', 'namespaces', 'GET', `/api/v1/namespaces/${ns}`, { signal: hold.signal })
    .finally(() => (probeDone = true))
    .catch(() => undefined);
  try {
    // Three renews (each renewTime seen to change) while a simple read on the pool stays queued.
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const renewTimes = new Set<string>();
    await eventually(
      'three renews with the pool saturated',
      async () => {
        const lease = await coordination.readNamespacedLease({ namespace: ns, name: 'pool' });
        renewTimes.add(String(lease.spec?.renewTime));
        return renewTimes.size >= 4;
      },
      30_000,
      200,
    );
    expect(probeDone).toBe(false);
    expect(op.isLeader()).toBe(true);
  } finally {
    hold.abort(new Error('test over'));
    await Promise.all([...hogs, probe]);
  }
});
