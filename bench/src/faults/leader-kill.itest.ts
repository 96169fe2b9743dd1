// Fault: two operator processes (the bundle) with leader election on the default 10 s Lease; the
// leader is SIGKILLed while it creates Clusters. The standby must take over (the time is printed),
// every Cluster must converge with exactly its children, and nothing may be written twice: the
// standby wrote nothing while it was not leading, and the certificates that existed at the kill
// are the same objects afterwards (no second PKI).
import * as fs from 'node:fs';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND, clusterObjectNames } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { freePort, createTestNamespace, poller, sharedTestCluster } from '@k0smotron/testenv';
import { ChildTracker, mapLimit } from '../lib/children';
import { startFaultProxy, type FaultProxy } from '../lib/fault-proxy';
import { changedPki, checkChildren, countsDelta, operatorCounts, pkiSecrets, waitQuiet, type OperatorCounts } from '../lib/fault-checks';
import { buildOperatorBundle, startOperatorProcess, type OperatorProcess } from '../lib/operator-process';

const COUNT = 30;
const LEASE = 'k0smotron-leader';
const { kubeConfig: kc } = sharedTestCluster();
const kmc = new K0smotronClient(kc);
const leases = kc.makeApiClient(CoordinationV1Api);

jest.setTimeout(120_000);

const operators: OperatorProcess[] = [];
let tracker: ChildTracker | undefined;
let proxy: FaultProxy | undefined;
afterAll(async () => {
  tracker?.stop();
  await Promise.all(operators.map(o => o.stop()));
  await proxy?.close();
});

/** Identities with which an operator's JSON log says it became leader. */
function identitiesThatLed(logFile: string): string[] {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .flatMap(line => {
      try {
        const entry = JSON.parse(line) as { msg?: string; identity?: string };
        return entry.msg === 'became leader' && entry.identity ? [entry.identity] : [];
      } catch {
        return [];
      }
    });
}

const until = poller({ timeoutMs: 60_000, everyMs: 100 });

it(`SIGKILL of the leader of two operator processes during a create of ${COUNT} Clusters: the standby leads, all converge, no double writes`, async () => {
  const [ns] = await Promise.all([createTestNamespace(kc, 'fault-leader'), buildOperatorBundle()]);
  const names = Array.from({ length: COUNT }, (_, i) => `l${String(i).padStart(2, '0')}`);
  // Both operators talk through the fault proxy. Until the kill it refuses (503) every write of
  // the StatefulSet of the second half of the Clusters, so those cannot complete under the first
  // leader however fast it is: the kill always interrupts work. The hold ends at the kill.
  const held = new Set(names.slice(COUNT / 2));
  const heldPaths = new Set([...held].map(n => `/apis/apps/v1/namespaces/${ns}/statefulsets/${clusterObjectNames(n).statefulSet}`));
  proxy = await startFaultProxy(kc);
  proxy.setPolicy(r => (r.method !== 'GET' && heldPaths.has(r.url.split('?')[0]) ? { status: 503 } : undefined));
  const proxiedKubeconfig = `${process.env.TMPDIR ?? '/tmp'}/fault-leader-${ns}-proxy.kubeconfig`;
  fs.writeFileSync(proxiedKubeconfig, proxy.kubeConfig.exportConfig(), { mode: 0o600 });
  const start = async (label: string) => {
    const p = startOperatorProcess({
      kubeconfigPath: proxiedKubeconfig,
      namespaces: [ns],
      metricsPort: await freePort(),
      logFile: `${process.env.TMPDIR ?? '/tmp'}/fault-leader-${ns}-${label}.log`,
      logLevel: 'info',
      args: ['--leader-elect', '--lease-namespace', ns, '--lease-name', LEASE],
    });
    operators.push(p);
    return p;
  };
  // Both at once: the Lease decides, not the start order.
  const pair = await Promise.all([start('a'), start('b')]);
  await Promise.all(pair.map(p => p.ready(90_000)));
  const leaderIndex = await until(
    'one of the two to lead',
    async () => {
      const [a, b] = await Promise.all(pair.map(p => operatorCounts(p.url)));
      if (a.leader === b.leader) return undefined;
      return { index: a.leader ? 0 : 1 };
    },
    30_000,
  );
  const leader = pair[leaderIndex.index];
  const standby = pair[1 - leaderIndex.index];
  let standbyExited: number | null | undefined;
  void standby.exited.then(code => (standbyExited = code));
  const leaseBefore = (await leases.readNamespacedLease({ namespace: ns, name: LEASE })).spec!;
  expect(leaseBefore.holderIdentity).toBeTruthy();

  tracker = await ChildTracker.start(kc, ns);
  const creating = mapLimit(names, 5, n =>
    kmc.createCluster({ apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata: { name: n, namespace: ns }, spec: { service: { type: 'ClusterIP' } } }),
  );
  // Kill the leader mid-work: some Clusters complete, others not.
  await until('a few Clusters complete', () => names.filter(n => tracker!.completeAt(n) !== undefined).length >= 5, 60_000, 50);
  const standbyBefore = await operatorCounts(standby.url);
  await leader.kill('SIGKILL');
  const killedAt = Date.now();
  const completeAtKill = names.filter(n => tracker!.completeAt(n) !== undefined).length;
  const heldCompleteAtKill = [...held].filter(n => tracker!.completeAt(n) !== undefined);
  proxy.setPolicy(() => undefined);
  const pkiAtKill = await pkiSecrets(kc, ns, names);
  await creating;

  // The standby's own clock decides when the Lease has expired; watch it flip, and that it wrote
  // nothing until then.
  const samplesAsStandby: OperatorCounts[] = [standbyBefore];
  await until(
    'the standby to lead',
    async () => {
      const c = await operatorCounts(standby.url);
      if (c.leader) return true;
      samplesAsStandby.push(c);
      return false;
    },
    60_000,
    50,
  ); // generous: only a standby that never takes over misses it
  const takeoverMs = Date.now() - killedAt;
  const lastAsStandby = samplesAsStandby[samplesAsStandby.length - 1];
  const leaseAfter = (await leases.readNamespacedLease({ namespace: ns, name: LEASE })).spec!;

  await tracker.waitAll(names, 90_000, 'after the takeover');
  const convergedMs = Date.now() - killedAt;
  // Settle: empty queue and no writes for 2 s.
  await waitQuiet(standby.url);
  const standbyAfter = await operatorCounts(standby.url);

  process.stderr.write(
    `[fault-leader] leader SIGKILLed with ${completeAtKill}/${COUNT} Clusters complete; the standby led after ${(takeoverMs / 1000).toFixed(1)} s ` +
      `(lease ${leaseBefore.leaseDurationSeconds} s); all ${COUNT} complete ${(convergedMs / 1000).toFixed(1)} s after the kill; ` +
      `standby requests before leading ${JSON.stringify(lastAsStandby.byKey)}, after ${JSON.stringify(countsDelta(lastAsStandby.byKey, standbyAfter.byKey))}\n`,
  );

  // The kill interrupted work: none of the held Clusters was complete (nor could be).
  expect(heldCompleteAtKill).toEqual([]);
  expect(leaseAfter.holderIdentity).toBeTruthy();
  expect(leaseAfter.holderIdentity).not.toBe(leaseBefore.holderIdentity);
  expect(leaseAfter.leaseTransitions).toBe((leaseBefore.leaseTransitions ?? 0) + 1);
  // The Lease named the killed process before and the standby after.
  expect(identitiesThatLed(leader.logFile)).toEqual([leaseBefore.holderIdentity]);
  expect(identitiesThatLed(standby.logFile)).toEqual([leaseAfter.holderIdentity]);
  expect(standbyExited).toBeUndefined();
  // No double writes: while the other one led, the standby read the Lease and its caches only —
  // no write the API server accepted, no object write even attempted, no reconcile.
  for (const s of samplesAsStandby) {
    expect({ writesDone: s.writesDone, reconciles: s.reconciles }).toEqual({ writesDone: 0, reconciles: 0 });
    expect(Object.keys(s.byKey).filter(k => /^(patch|delete) /.test(k))).toEqual([]);
  }
  // As leader it did the rest of the work.
  expect(standbyAfter.writesDone).toBeGreaterThan(0);
  // Exactly the expected children, each owned by its Cluster; the certificates present at the kill
  // are the same objects: the new leader did not generate a second PKI.
  expect(await checkChildren(kc, ns, names)).toEqual({ unexpected: [], missing: [], badOwners: [], clusters: { unexpected: [], missing: [] } });
  expect(changedPki(pkiAtKill, await pkiSecrets(kc, ns, names))).toEqual([]);
});
