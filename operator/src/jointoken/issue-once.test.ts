// The issue-once invariant of the JoinTokenRequest controller, on the in-memory engine (one store
// plays API server and cache) with a child API address where nothing listens (a real refused TCP
// connection): the token id is recorded before the child is written, and neither retries nor a
// cache that lags behind the controller's own writes ever replace it.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster, JoinTokenRequest } from '@k0smotron/api';
import { FakeEngine } from '../cluster/testing/fake-engine';
import { ChildApiAccess } from '../childapi/access';
import { staticChildApi } from '../childapi/resolver';
import { createCa } from '../pki';
import type { ReconcileContext } from '../engine/contract';
import { CLUSTER_GVK, JTR_FINALIZER, JTR_GVK, jointokenRequestController } from './controller';

async function setup() {
  const engine = new FakeEngine();
  const ca = await createCa('kubernetes', engine.now, 1);
  engine.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'c1-ca', namespace: 'ns' },
    data: { 'tls.crt': Buffer.from(ca.cert).toString('base64'), 'tls.key': Buffer.from(ca.key).toString('base64') },
  } as KubernetesObject);
  const cluster = engine.put({
    ...CLUSTER_GVK,
    metadata: { name: 'c1', namespace: 'ns', uid: 'cluster-uid' },
    spec: { service: { type: 'ClusterIP', apiPort: 30443 } },
    status: { endpoint: 'https://kmc-c1.ns.svc:30443' },
  } as Cluster as KubernetesObject);
  engine.put({
    ...JTR_GVK,
    metadata: { name: 'w', namespace: 'ns', uid: 'jtr-uid', generation: 1 },
    spec: { clusterName: 'c1' },
  } as JoinTokenRequest as KubernetesObject);
  // Port 1 on loopback: connection refused, immediately.
  const access = new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1') });
  const controller = jointokenRequestController({ access });
  const jtr = () => engine.find(JTR_GVK, 'ns', 'w') as unknown as JoinTokenRequest;
  return { engine, controller, jtr, cluster };
}

describe('JoinTokenRequest: issued once', () => {
  it('adds finalizer and owner first, then records the id before touching the child, and keeps it across retries', async () => {
    const { engine, controller, jtr } = await setup();
    const key = { namespace: 'ns', name: 'w' };

    await controller.reconcile(key, engine.context());
    expect(jtr().metadata.finalizers).toEqual([JTR_FINALIZER]);
    expect(jtr().metadata.ownerReferences).toEqual([
      { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'c1', uid: 'cluster-uid', controller: true, blockOwnerDeletion: true },
    ]);
    expect(jtr().status?.tokenID).toBeUndefined();

    const r1 = await controller.reconcile(key, engine.context());
    const id = jtr().status?.tokenID;
    expect(id).toMatch(/^[a-z0-9]{6}$/);
    expect(jtr().status).toMatchObject({ cluster: 'ns/c1', clusterUID: 'cluster-uid' });
    const c = jtr().status!.conditions!.find(x => x.type === 'JoinTokenSecretCreated')!;
    expect(c).toMatchObject({ status: 'False', reason: 'ControlPlaneUnreachable' });
    expect(c.message).toMatch(/cannot reach https:\/\/127\.0\.0\.1:1/);
    expect(r1).toEqual({ requeueAfterMs: 2000 });

    const r2 = await controller.reconcile(key, engine.context());
    expect(r2).toEqual({ requeueAfterMs: 4000 });
    expect(jtr().status?.tokenID).toBe(id);

    // A cache that still shows the JTR as it was before the id was recorded.
    const stale = structuredClone({ ...jtr(), status: undefined });
    const ctx = engine.context();
    const lagging: ReconcileContext = {
      ...ctx,
      cache: {
        ...ctx.cache,
        get: <T extends KubernetesObject>(gvk: { kind: string }, ns: string | undefined, name: string) =>
          (gvk.kind === 'JoinTokenRequest' ? stale : ctx.cache.get(gvk as never, ns, name)) as T | undefined,
      },
    };
    await controller.reconcile(key, lagging);
    expect(jtr().status?.tokenID).toBe(id);
    // No Secret for the user while the child has no token.
    expect(engine.find({ apiVersion: 'v1', kind: 'Secret' }, 'ns', 'w')).toBeUndefined();
  });

  it('a waiting JTR with an unchanged reason writes no status again', async () => {
    const { engine, controller } = await setup();
    const key = { namespace: 'ns', name: 'w' };
    await controller.reconcile(key, engine.context());
    await controller.reconcile(key, engine.context());
    await controller.reconcile(key, engine.context());
    const statusWrites = engine.writes.filter(w => w.startsWith('apply/status'));
    // One write records the id (reason Issuing), one says it is unreachable; the third reconcile none.
    expect(statusWrites).toHaveLength(2);
  });

  it('deletion releases the finalizer when the Cluster is gone, and a JTR whose Cluster vanished is deleted', async () => {
    const { engine, controller, jtr } = await setup();
    const key = { namespace: 'ns', name: 'w' };
    await controller.reconcile(key, engine.context());
    await controller.reconcile(key, engine.context());
    expect(jtr().status?.clusterUID).toBe('cluster-uid');
    engine.store.delete([...engine.store.keys()].find(k => k.includes('/Cluster/'))!);
    await controller.reconcile(key, engine.context());
    expect(engine.writes).toContain('delete JoinTokenRequest w');
    expect(engine.find(JTR_GVK, 'ns', 'w')).toBeUndefined();
  });
});

describe('JoinTokenRequest: a no-op reconcile writes nothing', () => {
  it('an issued request whose Secret is in place: no write, no event, no requeue', async () => {
    const { engine, controller, jtr } = await setup();
    const key = { namespace: 'ns', name: 'w' };
    const current = jtr();
    engine.put({
      ...current,
      metadata: {
        ...current.metadata,
        finalizers: [JTR_FINALIZER],
        ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'c1', uid: 'cluster-uid', controller: true, blockOwnerDeletion: true }],
      },
      status: {
        tokenID: 'abcdef',
        cluster: 'ns/c1',
        clusterUID: 'cluster-uid',
        conditions: [{ type: 'JoinTokenSecretCreated', status: 'True', reason: 'Created', message: 'm', lastTransitionTime: '2026-05-01T00:00:00Z' }],
      },
    } as JoinTokenRequest as KubernetesObject);
    engine.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'w',
        namespace: 'ns',
        labels: { 'k0smotron.io/token-request': 'w', 'app.kubernetes.io/component': 'jointoken' },
        ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'JoinTokenRequest', name: 'w', uid: 'jtr-uid', controller: true }],
      },
    } as KubernetesObject);
    expect(await controller.reconcile(key, engine.context())).toBeUndefined();
    expect(await controller.reconcile(key, engine.context())).toBeUndefined();
    expect(engine.writes).toEqual([]);
    expect(engine.events).toEqual([]);
  });

  it('a refused request: one status write and one Warning, then nothing', async () => {
    const { engine, controller, jtr } = await setup();
    const key = { namespace: 'ns', name: 'w' };
    engine.put({ ...jtr(), spec: { clusterName: 'c1', expiry: '0s' } } as JoinTokenRequest as KubernetesObject);
    await controller.reconcile(key, engine.context());
    await controller.reconcile(key, engine.context());
    expect(engine.writes).toEqual(['apply/status JoinTokenRequest w']);
    expect(engine.events).toEqual([
      { type: 'Warning', reason: 'PolicyViolation', message: expect.stringMatching(/^join token refused: spec\.expiry "0s" means the token never expires/) },
    ]);
    expect(jtr().status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'PolicyViolation' });
  });
});
