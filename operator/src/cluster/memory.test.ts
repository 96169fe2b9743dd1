// Memory the operator keeps per Cluster goes with the Cluster: the watch index, the kine check,
// the probe memo and failure count, and the child-API client certificate. Also: what the cache
// keeps of the kinds a Cluster owns (label selector, ConfigMaps without data). The same is shown
// at scale against a real API server in memory.itest.ts.
import type { KubernetesObject, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import { KINE_DATASOURCE_SECRET_KEY, type Cluster } from '@k0smotron/api';
import { mergeWatchSpecs } from '../engine/cache';
import { withAppliedHash } from '../engine/hash';
import { ChildApiAccess } from '../childapi/access';
import { createFunctionalProbe } from '../childapi/probe';
import { staticChildApi } from '../childapi/resolver';
import { createCa } from '../pki';
import { JTR_MEMORY_SWEEP_MS, jointokenRequestController } from '../jointoken/controller';
import { clusterController, CLUSTER_GVK, MEMORY_SWEEP_MS, OWNED_SELECTOR, type ClusterFunctionalProbe } from './controller';
import { SpecError } from './desired/errors';
import { applyPatches } from './desired/patches';
import { FakeEngine } from './testing/fake-engine';
import { ClusterWatchIndex, dropConfigMapData } from './watch-index';

const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const key = (name: string) => ({ namespace: 'ns', name });

describe('ClusterWatchIndex forgets', () => {
  it('a Cluster: its NodePort entry and references; returns the Secrets nobody references now', () => {
    const idx = new ClusterWatchIndex();
    expect(idx.track(key('a'), { nodePort: true, secrets: ['db', 'ca'] })).toEqual([]);
    expect(idx.track(key('b'), { nodePort: false, secrets: ['db'] })).toEqual([]);
    // `a` stops naming `ca`: released; `db` is still named by `b`.
    expect(idx.track(key('a'), { nodePort: true, secrets: ['db'] })).toEqual(['ns/ca']);
    expect(idx.forget(key('a'))).toEqual([]);
    expect(idx.forget(key('b'))).toEqual(['ns/db']);
    expect(idx.sizes()).toEqual({ nodePortClusters: 0, referencedSecrets: 0, referencesOf: 0, nodeSignatures: 0 });
    expect(idx.keys()).toEqual([]);
  });

  it('a deleted Node, told by the event type (a delete event carries no deletionTimestamp), and wakes NodePort Clusters', () => {
    const idx = new ClusterWatchIndex();
    idx.track(key('np'), { nodePort: true });
    const n = { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [] } };
    expect(idx.clustersForNode(n, 'add')).toEqual([key('np')]);
    expect(idx.sizes().nodeSignatures).toBe(1);
    expect(idx.clustersForNode(n, 'delete')).toEqual([key('np')]);
    expect(idx.sizes().nodeSignatures).toBe(0);
  });
});

describe('what the cache keeps of owned kinds', () => {
  it("StatefulSets, Services, ConfigMaps and PVCs by our label only; Secrets unfiltered (referenced Secrets are the user's), without data", () => {
    const spec = clusterController();
    const merged = mergeWatchSpecs([
      spec.for,
      ...(spec.owns ?? []),
      ...(spec.watches ?? []),
      ...(jointokenRequestController({ access: new ChildApiAccess({ resolver: staticChildApi(() => undefined) }) }).owns ?? []),
    ]);
    const by = Object.fromEntries(merged.map(s => [s.kind, s]));
    expect(OWNED_SELECTOR).toBe('app=k0smotron');
    for (const kind of ['StatefulSet', 'Service', 'ConfigMap', 'PersistentVolumeClaim']) expect(by[kind].labelSelector).toBe(OWNED_SELECTOR);
    expect(by.Secret.labelSelector).toBeUndefined();
    expect(by.Secret.transform!({ metadata: { name: 's' }, data: { k: 'dg==' } } as KubernetesObject)).toEqual({ metadata: { name: 's' } });
    expect(by.ConfigMap.transform!({ metadata: { name: 'c' }, data: { a: 'b' }, binaryData: { x: 'eA==' } } as KubernetesObject)).toEqual({
      metadata: { name: 'c' },
    });
  });

  it('a ConfigMap without data still proves a no-op: applyIfChanged compares the hash annotation only', () => {
    const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data: { K0SMOTRON_K0S_YAML: 'x'.repeat(2000) } };
    const { obj, hash } = withAppliedHash(desired);
    const cached = dropConfigMapData(obj) as KubernetesObject;
    expect(cached.metadata?.annotations?.['k0smotron.io/applied-hash']).toBe(hash);
    expect(withAppliedHash({ ...desired, data: { K0SMOTRON_K0S_YAML: 'changed' } }).hash).not.toBe(hash);
  });

  it('every child a Cluster generates carries the selector label, also with user labels that try to override it', async () => {
    const engine = new FakeEngine();
    engine.put({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'c1', namespace: 'ns', uid: 'u1', labels: { app: 'mine' } },
      spec: { service: { type: 'ClusterIP' }, kubeconfigSecretMetadata: { labels: { app: 'theirs' } } },
    } as KubernetesObject);
    await clusterController().reconcile(key('c1'), engine.context());
    const children = [...engine.store.values()].filter(o => o.kind !== 'Cluster');
    expect(children.length).toBeGreaterThan(10);
    for (const c of children) expect(`${c.kind}/${c.metadata?.name} app=${c.metadata?.labels?.app}`).toBe(`${c.kind}/${c.metadata?.name} app=k0smotron`);
  });
});

describe("an object under a child's name that the cache does not show (no label)", () => {
  it('is found by a live read: NameConflict, nothing written', async () => {
    const engine = new FakeEngine();
    engine.put({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'c1', namespace: 'ns', uid: 'u1' },
      spec: { service: { type: 'ClusterIP' } },
    } as KubernetesObject);
    engine.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kmc-c1-config', namespace: 'ns' }, data: { mine: 'yes' } } as KubernetesObject);
    engine.hiddenFromCache.add('v1/ConfigMap/ns/kmc-c1-config'); // what the label-filtered informer sees
    await expect(clusterController().reconcile(key('c1'), engine.context())).rejects.toThrow(
      /ConfigMap kmc-c1-config already exists and belongs to no Cluster/,
    );
    expect(engine.writes.filter(w => !w.startsWith('apply/status'))).toEqual([]);
  });
});

describe('a user patch cannot take a child out of the cache', () => {
  it('changing or removing the app label is rejected', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns', labels: { app: 'k0smotron', 'app.kubernetes.io/component': 'cluster-config' } },
    };
    const patch = (content: string) => ({ target: { kind: 'ConfigMap' }, patch: { type: 'merge' as const, content } });
    expect(() => applyPatches([cm], [patch('{"metadata":{"labels":{"app":null}}}')])).toThrow(/must not change or remove the label app=k0smotron/);
    expect(() => applyPatches([cm], [patch('{"metadata":{"labels":{"app":"mine"}}}')])).toThrow(SpecError);
    expect(applyPatches([cm], [patch('{"metadata":{"labels":{"team":"a"}}}')])[0].metadata.labels).toMatchObject({ app: 'k0smotron', team: 'a' });
  });
});

describe('the Cluster controller forgets a deleted Cluster', () => {
  it('watch index, kine check, probe memo, probe failures and child-API credentials all go back to zero', async () => {
    const engine = new FakeEngine();
    engine.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.0.2.2' }] },
    } as KubernetesObject);
    engine.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'ns' },
      data: { [KINE_DATASOURCE_SECRET_KEY]: Buffer.from('mysql://x').toString('base64') },
    } as KubernetesObject);
    // A real probe over a real credential cache; the address refuses connections at once.
    const access = new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1') });
    const probe = createFunctionalProbe(access, { timeoutMs: 2000 });
    const controller = clusterController({ functionalProbe: probe });
    const names = ['a', 'b', 'c'];
    for (const n of names) {
      engine.put({
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: n, namespace: 'ns', uid: `uid-${n}` },
        spec: { service: { type: 'NodePort' }, storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } },
      } as KubernetesObject);
      await controller.reconcile(key(n), engine.context());
      const sts = engine.find(STS, 'ns', `kmc-${n}`) as V1StatefulSet;
      engine.put({ ...sts, status: { replicas: 1, readyReplicas: 1 } } as KubernetesObject);
      await controller.reconcile(key(n), engine.context()); // probes: refused
    }
    const cond = (engine.find(CLUSTER_GVK, 'ns', 'a') as unknown as Cluster).status?.conditions?.find(c => c.type === 'ControlPlaneFunctional');
    expect(cond).toMatchObject({ status: 'False', reason: 'Unreachable' });
    expect(controller.sizes!()).toEqual({
      nodePortClusters: 3,
      referencedSecrets: 1,
      referencesOf: 3,
      nodeSignatures: 0, // filled by Node events, which this test does not send
      kineChecked: 1,
      probeMemo: 3,
      probeFailures: 3,
      childApiCredentials: 3,
      childApiPending: 0,
      freeNames: 3, // child names read live once, before the first apply
    });

    for (const n of names) {
      engine.store.delete(`${CLUSTER_GVK.apiVersion}/${CLUSTER_GVK.kind}/ns/${n}`);
      await controller.reconcile(key(n), engine.context());
    }
    expect(Object.values(controller.sizes!()).every(v => v === 0)).toBe(true);
  });

  it('a probe without forget/sizes (a plain function) still works', async () => {
    const probe: ClusterFunctionalProbe = async () => ({ status: 'True', reason: 'Ok', message: 'ok' });
    const controller = clusterController({ functionalProbe: probe });
    await controller.reconcile(key('gone'), new FakeEngine().context());
    expect(controller.sizes!().probeMemo).toBe(0);
  });
});

describe('ChildApiAccess', () => {
  it('forget during a signing in flight: the signed certificate is not stored', async () => {
    const ca = await createCa('kubernetes', new Date(), 1);
    let release: () => void = () => undefined;
    const gate = new Promise<void>(r => (release = r));
    const secret: V1Secret = { data: { 'tls.crt': Buffer.from(ca.cert).toString('base64'), 'tls.key': Buffer.from(ca.key).toString('base64') } };
    const access = new ChildApiAccess({
      resolver: staticChildApi(() => 'https://127.0.0.1:1'),
      readSecret: async () => {
        await gate;
        return secret;
      },
    });
    const cluster: Cluster = { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'c', namespace: 'ns', uid: 'u' } };
    const inflight = access.client(cluster);
    expect(access.sizes()).toEqual({ childApiCredentials: 0, childApiPending: 1 });
    access.forget(cluster);
    release();
    await inflight; // the caller still gets its client
    expect(access.sizes()).toEqual({ childApiCredentials: 0, childApiPending: 0 });
    await access.client(cluster);
    expect(access.sizes()).toEqual({ childApiCredentials: 1, childApiPending: 0 });
  });
});

describe('the JoinTokenRequest controller forgets a deleted request', () => {
  it('failures, recorded and recordedKeys go back to zero; the cache index no longer maps the Cluster to them', async () => {
    const engine = new FakeEngine();
    const access = new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1') });
    const clusterCtl = clusterController();
    engine.put({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'c1', namespace: 'ns', uid: 'uid-c1' },
      spec: { service: { type: 'ClusterIP' } },
    } as KubernetesObject);
    await clusterCtl.reconcile(key('c1'), engine.context()); // CA Secret and status.endpoint
    const jtrCtl = jointokenRequestController({ access });
    engine.addIndexes(jtrCtl.indexes);
    const clusterWatch = jtrCtl.watches!.find(w => w.kind === 'Cluster')!;
    for (const n of ['t1', 't2']) {
      engine.put({
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'JoinTokenRequest',
        metadata: { name: n, namespace: 'ns', uid: `uid-${n}` },
        spec: { clusterName: 'c1' },
      } as KubernetesObject);
      await jtrCtl.reconcile(key(n), engine.context()); // finalizer and owner
      const r = await jtrCtl.reconcile(key(n), engine.context()); // token id recorded, child unreachable
      expect(r).toMatchObject({ requeueAfterMs: expect.any(Number) });
    }
    expect(jtrCtl.sizes!()).toEqual({ failures: 2, recorded: 2, recordedKeys: 2 });
    expect(clusterWatch.map!(engine.find(CLUSTER_GVK, 'ns', 'c1')!, 'update', engine.cache)).toEqual([key('t1'), key('t2')]);
    for (const n of ['t1', 't2']) {
      engine.store.delete(`k0smotron.io/v1beta2/JoinTokenRequest/ns/${n}`);
      await jtrCtl.reconcile(key(n), engine.context());
    }
    expect(jtrCtl.sizes!()).toEqual({ failures: 0, recorded: 0, recordedKeys: 0 });
    // The Cluster's delete event (map function) drops the credentials the requests made.
    expect(access.sizes().childApiCredentials).toBe(1);
    expect(clusterWatch.map!(engine.find(CLUSTER_GVK, 'ns', 'c1')!, 'delete', engine.cache)).toEqual([]);
    expect(access.sizes().childApiCredentials).toBe(0);
  });
});

describe('a sweep forgets objects deleted while nobody reconciled them (a standby, a lost lease)', () => {
  it('Cluster controller: remembered Clusters the cache no longer holds, at most every MEMORY_SWEEP_MS', async () => {
    const engine = new FakeEngine();
    const access = new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1') });
    const controller = clusterController({ functionalProbe: createFunctionalProbe(access, { timeoutMs: 2000 }) });
    for (const n of ['a', 'b']) {
      engine.put({
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: n, namespace: 'ns', uid: `uid-${n}` },
        spec: { service: { type: 'ClusterIP' } },
      } as KubernetesObject);
      await controller.reconcile(key(n), engine.context());
      const sts = engine.find(STS, 'ns', `kmc-${n}`) as V1StatefulSet;
      engine.put({ ...sts, status: { replicas: 1, readyReplicas: 1 } } as KubernetesObject);
      await controller.reconcile(key(n), engine.context());
    }
    expect(controller.sizes!()).toMatchObject({ probeMemo: 2, probeFailures: 2, childApiCredentials: 2 });
    // `a` is deleted while the controller is not running: its key is never reconciled.
    engine.store.delete(`${CLUSTER_GVK.apiVersion}/${CLUSTER_GVK.kind}/ns/a`);
    await controller.reconcile(key('b'), engine.context());
    expect(controller.sizes!().probeMemo).toBe(2); // not due yet
    engine.now = new Date(engine.now.getTime() + MEMORY_SWEEP_MS);
    await controller.reconcile(key('b'), engine.context());
    expect(controller.sizes!()).toMatchObject({ probeMemo: 1, probeFailures: 1, childApiCredentials: 1 });
  });

  it('JoinTokenRequest controller: remembered requests the cache no longer holds', async () => {
    const engine = new FakeEngine();
    const access = new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1') });
    engine.put({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'c1', namespace: 'ns', uid: 'uid-c1' },
      spec: { service: { type: 'ClusterIP' } },
    } as KubernetesObject);
    await clusterController().reconcile(key('c1'), engine.context());
    const jtrCtl = jointokenRequestController({ access });
    for (const n of ['t1', 't2']) {
      engine.put({
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'JoinTokenRequest',
        metadata: { name: n, namespace: 'ns', uid: `uid-${n}` },
        spec: { clusterName: 'c1' },
      } as KubernetesObject);
      await jtrCtl.reconcile(key(n), engine.context());
      await jtrCtl.reconcile(key(n), engine.context());
    }
    engine.store.delete('k0smotron.io/v1beta2/JoinTokenRequest/ns/t1');
    engine.now = new Date(engine.now.getTime() + JTR_MEMORY_SWEEP_MS);
    await jtrCtl.reconcile(key('t2'), engine.context());
    expect(jtrCtl.sizes!()).toEqual({ failures: 1, recorded: 1, recordedKeys: 1 });
  });
});
