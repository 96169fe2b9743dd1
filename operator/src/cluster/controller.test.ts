// The reconcile logic against an in-memory engine (see testing/fake-engine.ts): quick checks of
// the write sequence and of decisions within one reconcile. What depends on the API server
// (server-side apply, defaults, a lagging cache, Services, certificates and their renewal) is
// shown on the real test cluster: cluster.itest.ts, drift.itest.ts, cert-renewal.itest.ts.
import type { KubernetesObject, V1StatefulSet } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { parse } from 'yaml';
import { clusterController, CLUSTER_GVK, type ClusterControllerOptions } from './controller';
import { FakeEngine } from './testing/fake-engine';

const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

function setup(spec: Cluster['spec'], annotations?: Record<string, string>, opts: ClusterControllerOptions = {}) {
  const engine = new FakeEngine();
  engine.put({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.0.2.2' }] },
  } as KubernetesObject);
  engine.put({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'c1', namespace: 'ns', generation: 1, uid: 'cluster-uid', annotations },
    spec,
  } as KubernetesObject);
  const controller = clusterController(opts);
  const reconcile = () => controller.reconcile({ namespace: 'ns', name: 'c1' }, engine.context());
  const cluster = () => engine.find(CLUSTER_GVK, 'ns', 'c1') as unknown as Cluster;
  const cond = (type: string) => cluster().status?.conditions?.find(c => c.type === type);
  return { engine, reconcile, cluster, cond };
}

function markReady(engine: FakeEngine, name: string, replicas: number) {
  const sts = engine.find(STS, 'ns', name) as V1StatefulSet;
  engine.put({
    ...sts,
    status: { replicas, readyReplicas: replicas, updatedReplicas: replicas, currentRevision: 'r', updateRevision: 'r', observedGeneration: 1 },
  } as KubernetesObject);
}

describe('Cluster reconcile (in-memory engine)', () => {
  it('creates everything, then converges to zero writes', async () => {
    const { engine, reconcile, cond, cluster } = setup({ service: { type: 'NodePort' } });
    await reconcile();
    expect(engine.writes).toEqual(
      expect.arrayContaining([
        'apply Service kmc-c1-nodeport',
        'apply Secret c1-ca',
        'apply Secret c1-etcd-peer',
        'apply StatefulSet kmc-c1-etcd',
        'apply ConfigMap kmc-c1-config',
        'apply ConfigMap kmc-entrypoint-c1-config',
        'apply ConfigMap kmc-c1-endpoint',
        'apply StatefulSet kmc-c1',
        'apply Secret c1-kubeconfig',
        'apply/status Cluster c1',
      ]),
    );
    // The ClusterIP read back after creating the Service is in the SANs at once (no later roll).
    const cfg = parse(
      (engine.find({ apiVersion: 'v1', kind: 'ConfigMap' }, 'ns', 'kmc-c1-config') as { data: Record<string, string> }).data.K0SMOTRON_K0S_YAML,
    );
    expect(cfg.spec.api.sans).toContain('10.96.0.10');
    expect(cond('Available')).toMatchObject({ status: 'False', reason: 'NoReadyReplicas' });
    expect(cluster().status!.endpoint).toBe('https://192.0.2.2:30443');

    // The next pass sees the StatefulSet it created (status only), then nothing changes.
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual(['apply/status Cluster c1']);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual([]);

    markReady(engine, 'kmc-c1', 1);
    await reconcile();
    expect(engine.writes).toEqual(['apply/status Cluster c1']);
    expect(cond('Available')).toMatchObject({ status: 'True' });
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual([]);
    expect(cluster().spec).toEqual({ service: { type: 'NodePort' } }); // never written
  });

  it('paused: writes only the Paused condition', async () => {
    const { engine, reconcile, cond } = setup({}, { 'k0smotron.io/paused': 'true' });
    await reconcile();
    expect(engine.writes).toEqual(['apply/status Cluster c1']);
    expect(cond('Paused')).toMatchObject({ status: 'True', reason: 'Paused' });
  });

  it('bad input: False condition, Warning event, error thrown for backoff — and recovery', async () => {
    const { engine, reconcile, cond } = setup({ k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', spec: { api: 'nope' } } as never });
    await expect(reconcile()).rejects.toThrow(/spec\.k0sConfig\.spec\.api must be an object/);
    expect(cond('Available')).toMatchObject({ status: 'False', reason: 'InvalidK0sConfig' });
    expect(engine.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'InvalidK0sConfig' }));
    const c = engine.find(CLUSTER_GVK, 'ns', 'c1')!;
    engine.put({ ...c, spec: {} } as KubernetesObject);
    await reconcile();
    expect(cond('Available')).toMatchObject({ status: 'False', reason: 'NoReadyReplicas' });
  });

  it('invalid spec (schema) is reported with the field', async () => {
    const { reconcile, cond } = setup({ replicas: -1 } as never);
    await expect(reconcile()).rejects.toThrow();
    expect(cond('Available')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(cond('Available')!.message).toMatch(/spec\.replicas/);
  });

  it('LoadBalancer without an address: no controllers yet, requeued, not blocked', async () => {
    const { engine, reconcile, cond } = setup({ service: { type: 'LoadBalancer' } });
    const result = await reconcile();
    expect(result).toEqual({ requeueAfterMs: 15_000 });
    expect(engine.find(STS, 'ns', 'kmc-c1')).toBeUndefined();
    expect(cond('ControlPlaneExposed')).toMatchObject({ status: 'False', reason: 'WaitingForLoadBalancer' });
    const svc = engine.find({ apiVersion: 'v1', kind: 'Service' }, 'ns', 'kmc-c1-lb')!;
    engine.put({ ...svc, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } } as KubernetesObject);
    await reconcile();
    expect(engine.find(STS, 'ns', 'kmc-c1')).toBeDefined();
    expect(cond('ControlPlaneExposed')).toMatchObject({ status: 'True', reason: 'LoadBalancerReady' });
  });

  it('kine Secret: missing → KineSecretNotFound; without the key → KineSecretInvalid; present → on its way', async () => {
    const { engine, reconcile, cond } = setup({ storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } });
    await expect(reconcile()).rejects.toThrow(/Secret db/);
    expect(cond('Available')).toMatchObject({ reason: 'KineSecretNotFound' });
    engine.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns' }, data: { other: 'eA==' } } as KubernetesObject);
    await expect(reconcile()).rejects.toThrow(/no key K0SMOTRON_KINE_DATASOURCE_URL/);
    engine.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'ns' },
      data: { K0SMOTRON_KINE_DATASOURCE_URL: Buffer.from('mysql://x').toString('base64') },
    } as KubernetesObject);
    await reconcile();
    expect(cond('Available')).toMatchObject({ reason: 'NoReadyReplicas' });
    expect(engine.find(STS, 'ns', 'kmc-c1-etcd')).toBeUndefined();
  });

  it('ControlPlaneFunctional comes from the injected probe, asked again only when due', async () => {
    let calls = 0;
    const functionalProbe = async () => {
      calls++;
      return { status: 'True' as const, reason: 'KubeSystemNamespaceFound', message: 'answers', recheckAfterMs: 60_000 };
    };
    const { engine, reconcile, cond } = setup({ service: { type: 'ClusterIP' } }, undefined, { functionalProbe });
    await reconcile();
    expect(cond('ControlPlaneFunctional')).toMatchObject({ status: 'Unknown', reason: 'NoReadyReplicas' });
    expect(calls).toBe(0);
    markReady(engine, 'kmc-c1', 1);
    expect(await reconcile()).toEqual({ requeueAfterMs: 60_000 });
    expect(cond('ControlPlaneFunctional')).toMatchObject({ status: 'True', reason: 'KubeSystemNamespaceFound' });
    expect(cond('Available')).toMatchObject({ status: 'True' });
    await reconcile();
    await reconcile();
    expect(calls).toBe(1);
    engine.now = new Date(engine.now.getTime() + 61_000);
    await reconcile();
    expect(calls).toBe(2);
  });
});
