// The Cluster reconciler against the shared real test cluster (Kubernetes 1.20, kube-controller-
// manager with the real garbage collector, hollow nodes where pods become Ready but run nothing).
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { createCa } from '../pki';
import type { RunningOperator } from '../index';
import {
  apis,
  condition,
  controlPlanePods,
  eventually,
  newCluster,
  reasonsOfEvents,
  startClusterOperator,
  waitForCondition,
  waitForHollowReady,
  writes,
} from './testing/helpers';
import { processed, quiesce } from './testing/processed';

const { kubeConfig: kc, kubeconfigPath, kubectlPath } = sharedTestCluster();
const { core, apps, kmc } = apis(kc);

jest.setTimeout(240_000);

const running: RunningOperator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(op => op.stop()));
});

async function operatorFor(ns: string, opts: Parameters<typeof startClusterOperator>[2] = {}) {
  const op = await startClusterOperator(kc, [ns], opts);
  running.push(op);
  return op;
}

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

describe('a NodePort Cluster (spec: null)', () => {
  it('becomes every upstream child object, pods Ready on hollow nodes, status as far as hollow pods go; no-op reconciles and restarts write nothing', async () => {
    const ns = await createTestNamespace(kc, 'kmc-basic');
    let op = await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'basic', undefined, { labels: { team: 'blue' } }));

    const ready = await waitForHollowReady(kmc, ns, 'basic');
    const uid = ready.metadata.uid;
    const owned = (o: { metadata?: { ownerReferences?: Array<{ uid: string; controller?: boolean }> } }) =>
      o.metadata?.ownerReferences?.some(r => r.uid === uid && r.controller) ?? false;

    // Service: NodePort with upstream's ports.
    const svc = await core.readNamespacedService({ namespace: ns, name: 'kmc-basic-nodeport' });
    expect(owned(svc)).toBe(true);
    expect(svc.spec!.type).toBe('NodePort');
    expect(svc.spec!.ports!.map(p => [p.name, p.port, p.nodePort])).toEqual([
      ['api', 30443, 30443],
      ['konnectivity', 30132, 30132],
    ]);
    expect(svc.metadata!.labels).toMatchObject({ team: 'blue', app: 'k0smotron', cluster: 'basic', 'app.kubernetes.io/component': 'control-plane' });

    // Endpoint: the hollow node's InternalIP.
    expect(ready.status!.endpoint).toMatch(/^https:\/\/192\.0\.2\.\d+:30443$/);
    const host = new URL(ready.status!.endpoint!).hostname;

    // k0s config: overrides, SANs with the ClusterIP and the node address; no secrets.
    const cfgMap = await core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-basic-config' });
    expect(owned(cfgMap)).toBe(true);
    const cfg = parse(cfgMap.data!.K0SMOTRON_K0S_YAML);
    expect(cfg.spec.api).toMatchObject({ port: 30443, externalAddress: host });
    expect(cfg.spec.api.sans).toEqual(expect.arrayContaining([svc.spec!.clusterIP, host, 'kmc-basic-nodeport.' + ns + '.svc']));
    expect(cfg.spec.konnectivity.agentPort).toBe(30132);
    expect(cfg.spec.storage.etcd.externalCluster.endpoints).toEqual(['https://kmc-basic-etcd:2379']);
    const entry = await core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-entrypoint-basic-config' });
    expect(entry.data!['k0smotron-entrypoint.sh']).toContain('exec k0s controller');
    const endpointCm = await core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-basic-endpoint' });
    expect(parse(endpointCm.data!['endpoint.yaml']).data).toEqual({ apiServerHost: host, apiServerPort: '30443' });

    // Certificates in the Cluster API format.
    for (const purpose of ['ca', 'sa', 'proxy', 'etcd', 'apiserver-etcd-client', 'etcd-server', 'etcd-peer']) {
      const s = await core.readNamespacedSecret({ namespace: ns, name: `basic-${purpose}` });
      expect(s.type).toBe('cluster.x-k8s.io/secret');
      expect(s.metadata!.labels!['cluster.x-k8s.io/cluster-name']).toBe('basic');
      expect(Object.keys(s.data!).sort()).toEqual(['tls.crt', 'tls.key']);
      expect(owned(s)).toBe(true);
    }
    const ca = new X509Certificate(b64((await core.readNamespacedSecret({ namespace: ns, name: 'basic-ca' })).data!['tls.crt']));

    // Admin kubeconfig, signed from the CA, server = the endpoint.
    const kcSecret = await core.readNamespacedSecret({ namespace: ns, name: 'basic-kubeconfig' });
    expect(kcSecret.type).toBe('cluster.x-k8s.io/secret');
    const kubeconfig = parse(b64(kcSecret.data!.value));
    expect(kubeconfig['current-context']).toBe('basic-admin@basic-k0s');
    expect(kubeconfig.clusters[0]).toMatchObject({ name: 'basic-k0s', cluster: { server: ready.status!.endpoint } });
    const adminCert = new X509Certificate(b64(kubeconfig.users[0].user['client-certificate-data']));
    expect(adminCert.verify(ca.publicKey)).toBe(true);
    expect(adminCert.subject).toContain('CN=admin');
    expect(adminCert.subject).toContain('O=system:masters');

    // etcd and the k0s StatefulSet.
    const etcdSvc = await core.readNamespacedService({ namespace: ns, name: 'kmc-basic-etcd' });
    expect(etcdSvc.spec!.clusterIP).toBe('None');
    const etcd = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-basic-etcd' });
    expect(etcd.spec!.replicas).toBe(1);
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-basic' });
    expect(owned(sts)).toBe(true);
    expect(sts.spec!.selector!.matchLabels).toEqual({ app: 'k0smotron', cluster: 'basic', component: 'cluster', 'cluster.x-k8s.io/control-plane': 'true' });
    expect(sts.spec!.template.spec!.automountServiceAccountToken).toBe(false);
    expect(sts.spec!.template.spec!.containers[0].volumeMounts).toContainEqual(expect.objectContaining({ name: 'certs', mountPath: '/k0smotron-certs' }));
    expect(sts.spec!.template.spec!.containers[0].image).toBe('quay.io/k0sproject/k0s:v1.27.9-k0s.0');

    // Status follows the StatefulSet.
    expect(ready.status).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      updatedReplicas: 1,
      selector: 'app=k0smotron,cluster=basic,cluster.x-k8s.io/control-plane=true,component=cluster',
      // Nothing answers at the endpoint of a hollow pod: not ready, whatever the replicas say.
      ready: false,
    });
    expect(ready.status).not.toHaveProperty('workers');
    for (const type of ['KubeconfigSecretAvailable', 'ControlPlaneExposed', 'CertificatesAvailable', 'ControlPlaneUpToDate']) {
      expect(condition(ready, type)).toMatchObject({ status: 'True', observedGeneration: ready.metadata.generation });
    }
    // The probe production runs asked the endpoint and found no API server behind the hollow pod.
    expect(condition(ready, 'ControlPlaneFunctional')).toMatchObject({ status: 'False', reason: 'Unreachable' });
    expect(condition(ready, 'ControlPlaneFunctional')!.message).toContain(`${host}:30443`);
    expect(condition(ready, 'Available')!.message).toBe(condition(ready, 'ControlPlaneFunctional')!.message);
    expect((await controlPlanePods(core, ns, 'basic')).length).toBe(1);
    expect(await reasonsOfEvents(kmc, ns, 'basic')).toEqual(expect.arrayContaining(['Normal:CertificatesGenerated', 'Normal:KubeconfigSigned']));
    // The user's spec is never written by the controller (upstream writes externalAddress and certificateRefs).
    const stored = (await kmc.getCluster(ns, 'basic'))!;
    expect(stored.metadata.generation).toBe(1);
    expect(stored.spec).not.toHaveProperty('externalAddress');
    expect(stored.spec).not.toHaveProperty('certificateRefs');

    // A second reconcile of an unchanged Cluster makes no write. The operator first catches up
    // with every event so far; after the reconcile, its cache holding the API server's state and
    // idle queues prove the reconcile ran before anything is asserted (testing/processed.ts).
    await quiesce(op, kc, ns);
    const before = writes(op);
    const controller = op.manager.controllers[0];
    const done = controller.stats.success;
    controller.enqueueAll();
    await processed(op, kc, ns);
    expect(controller.stats.success).toBeGreaterThan(done);
    expect(writes(op)).toBe(before);

    // Restarting the operator writes nothing either: it reconciles every Cluster once it has synced.
    await op.stop();
    running.splice(running.indexOf(op), 1);
    op = await operatorFor(ns);
    const restarted = op.manager.controllers[0];
    await processed(op, kc, ns);
    expect(restarted.stats.success).toBeGreaterThanOrEqual(1);
    expect(writes(op)).toBe(0);
  });
});

describe('lifecycle', () => {
  it('scales up and down, sleeps (replicas 0) and wakes; etcd follows the odd rule and never shrinks', async () => {
    const ns = await createTestNamespace(kc, 'kmc-scale');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'sc', { service: { type: 'ClusterIP' } }));
    await waitForHollowReady(kmc, ns, 'sc');

    // Through the scale subresource, as an HPA would.
    await promisify(execFile)(kubectlPath, ['--kubeconfig', kubeconfigPath, '-n', ns, 'scale', 'clusters.k0smotron.io/sc', '--replicas=2']);
    await eventually('2 Ready control-plane replicas', async () => (await kmc.getCluster(ns, 'sc'))?.status?.readyReplicas === 2, 120_000);
    await eventually(
      'etcd grown to 3 members',
      async () => {
        const e = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-sc-etcd' });
        return e.spec!.replicas === 3 && e.status?.readyReplicas === 3;
      },
      120_000,
    );
    const scaled = await waitForCondition(kmc, ns, 'sc', 'ControlPlaneScaling', 'False', 'ControlPlaneWithDesiredReplicas');
    expect(scaled.status!.replicas).toBe(2);

    await kmc.patchCluster(ns, 'sc', { spec: { replicas: 1 } });
    await eventually('1 control-plane pod', async () => (await controlPlanePods(core, ns, 'sc')).length === 1, 90_000);
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-sc-etcd' })).spec!.replicas).toBe(3);

    // Sleep: pods gone, data and certificates kept, the condition says so.
    await kmc.patchCluster(ns, 'sc', { spec: { replicas: 0 } });
    const asleep = await waitForCondition(kmc, ns, 'sc', 'Available', 'False', 'Sleeping');
    expect(condition(asleep, 'Available')!.message).toMatch(/set spec.replicas to 1 or more/);
    await eventually('no control-plane pods', async () => (await controlPlanePods(core, ns, 'sc')).length === 0, 90_000);
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-sc' })).spec!.replicas).toBe(0);
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-sc-etcd' })).spec!.replicas).toBe(3);
    const caBefore = (await core.readNamespacedSecret({ namespace: ns, name: 'sc-ca' })).metadata!.uid;

    await kmc.patchCluster(ns, 'sc', { spec: { replicas: 1 } });
    await waitForHollowReady(kmc, ns, 'sc');
    expect((await core.readNamespacedSecret({ namespace: ns, name: 'sc-ca' })).metadata!.uid).toBe(caBefore);
  });

  it('upgrades by version and rolls the pods on a k0sConfig change', async () => {
    const ns = await createTestNamespace(kc, 'kmc-roll');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'up', { service: { type: 'ClusterIP' }, version: 'v1.30.2-k0s.0' }));
    await waitForHollowReady(kmc, ns, 'up');
    const [pod1] = await controlPlanePods(core, ns, 'up');
    expect(pod1.spec!.containers[0].image).toBe('quay.io/k0sproject/k0s:v1.30.2-k0s.0');
    const etcdBefore = (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-up-etcd' })).metadata!.generation;

    await kmc.patchCluster(ns, 'up', { spec: { version: 'v1.31.1+k0s.0' } });
    await eventually(
      'a pod with the new image',
      async () => {
        const pods = await controlPlanePods(core, ns, 'up');
        return (
          pods.length === 1 && pods[0].spec!.containers[0].image === 'quay.io/k0sproject/k0s:v1.31.1-k0s.0' && pods[0].metadata!.uid !== pod1.metadata!.uid
        );
      },
      90_000,
    );
    const upgraded = await waitForCondition(kmc, ns, 'up', 'ControlPlaneUpToDate', 'True');
    expect(upgraded.status!.version).toBe('v1.31.1+k0s.0');
    await waitForHollowReady(kmc, ns, 'up');
    // etcd is not rolled by a k0s upgrade.
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-up-etcd' })).metadata!.generation).toBe(etcdBefore);

    const [pod2] = await controlPlanePods(core, ns, 'up');
    const hash2 = pod2.metadata!.annotations!['k0smotron.io/config-hash'];
    await kmc.patchCluster(ns, 'up', {
      spec: { k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', spec: { network: { podCIDR: '10.250.0.0/16' } } } },
    });
    const pod3 = await eventually(
      'a pod rolled by the k0sConfig change',
      async () => {
        const pods = await controlPlanePods(core, ns, 'up');
        return pods.length === 1 && pods[0].metadata!.uid !== pod2.metadata!.uid ? pods[0] : undefined;
      },
      90_000,
    );
    expect(pod3.metadata!.annotations!['k0smotron.io/config-hash']).not.toBe(hash2);
    const cfg = parse((await core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-up-config' })).data!.K0SMOTRON_K0S_YAML);
    expect(cfg.spec.network.podCIDR).toBe('10.250.0.0/16');
    await waitForHollowReady(kmc, ns, 'up');
  });

  it('pause stops all changes and says so; resuming applies what changed meanwhile', async () => {
    const ns = await createTestNamespace(kc, 'kmc-pause');
    const op = await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'pz', { service: { type: 'ClusterIP' } }));
    await waitForHollowReady(kmc, ns, 'pz');
    await kmc.patchCluster(ns, 'pz', { metadata: { annotations: { 'k0smotron.io/paused': 'true' } } });
    await waitForCondition(kmc, ns, 'pz', 'Paused', 'True', 'Paused');
    const patched = await kmc.patchCluster(ns, 'pz', { spec: { replicas: 2 } });
    // Proof that the paused reconcile saw the new spec: the Paused condition reports its generation.
    await eventually(
      'Paused observed the new generation',
      async () => condition(await kmc.getCluster(ns, 'pz'), 'Paused')?.observedGeneration === patched.metadata.generation,
    );
    await processed(op, kc, ns);
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-pz' })).spec!.replicas).toBe(1);
    await kmc.patchCluster(ns, 'pz', { metadata: { annotations: { 'k0smotron.io/paused': null } } });
    await waitForCondition(kmc, ns, 'pz', 'Paused', 'False', 'NotPaused');
    await eventually('replicas 2 applied', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-pz' })).spec!.replicas === 2);
  });
});

describe('service types', () => {
  it('ClusterIP is Available with the Service DNS endpoint', async () => {
    const ns = await createTestNamespace(kc, 'kmc-cip');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'cip', { service: { type: 'ClusterIP' } }));
    const c = await waitForHollowReady(kmc, ns, 'cip');
    expect(c.status!.endpoint).toBe(`https://kmc-cip.${ns}.svc:30443`);
    expect(condition(c, 'ControlPlaneExposed')).toMatchObject({ status: 'True', reason: 'ClusterIPService' });
    await expect(core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-cip-endpoint' })).rejects.toThrow();
  });

  it('LoadBalancer waits for an address without blocking, then uses it', async () => {
    const ns = await createTestNamespace(kc, 'kmc-lb');
    const op = await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'lb', { service: { type: 'LoadBalancer' } }));
    const waiting = await waitForCondition(kmc, ns, 'lb', 'ControlPlaneExposed', 'False', 'WaitingForLoadBalancer');
    expect(waiting.status!.endpoint).toBeUndefined();
    await expect(apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-lb' })).rejects.toThrow();
    // There is no load-balancer controller in the test cluster: the test plays its part and
    // writes the Service's status, as a cloud controller would.
    await op.manager.client.mergePatch(
      { apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'kmc-lb-lb' },
      { status: { loadBalancer: { ingress: [{ ip: '198.51.100.10' }] } } },
      { subresource: 'status' },
    );
    const c = await waitForHollowReady(kmc, ns, 'lb');
    expect(c.status!.endpoint).toBe('https://198.51.100.10:30443');
    const cfg = parse((await core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-lb-config' })).data!.K0SMOTRON_K0S_YAML);
    expect(cfg.spec.api.externalAddress).toBe('198.51.100.10');
  });
});

describe('patches, bad input and recovery', () => {
  it('applies json and merge patches; a bad patch gives a False condition and a Warning, and is retried', async () => {
    const ns = await createTestNamespace(kc, 'kmc-patch');
    await operatorFor(ns);
    await kmc.createCluster(
      newCluster(ns, 'pt', {
        service: { type: 'ClusterIP' },
        patches: [
          { target: { kind: 'Service', component: 'control-plane' }, patch: { type: 'merge', content: '{"metadata":{"annotations":{"patched":"merge"}}}' } },
          {
            target: { kind: 'StatefulSet', component: 'control-plane' },
            patch: { type: 'json', content: '[{"op":"add","path":"/spec/template/metadata/labels/patched","value":"json"}]' },
          },
        ],
      }),
    );
    await waitForHollowReady(kmc, ns, 'pt');
    expect((await core.readNamespacedService({ namespace: ns, name: 'kmc-pt' })).metadata!.annotations!.patched).toBe('merge');
    expect((await controlPlanePods(core, ns, 'pt'))[0].metadata!.labels!.patched).toBe('json');

    await kmc.patchCluster(ns, 'pt', {
      spec: { patches: [{ target: { kind: 'Service' }, patch: { type: 'json', content: '[{"op":"replace","path":"/spec/nothing/here","value":1}]' } }] },
    });
    const bad = await waitForCondition(kmc, ns, 'pt', 'Available', 'False', 'PatchFailed');
    expect(condition(bad, 'Available')!.message).toMatch(/spec\.patches\[0\]/);
    await eventually('a Warning event', async () => (await reasonsOfEvents(kmc, ns, 'pt')).includes('Warning:PatchFailed'));

    await kmc.patchCluster(ns, 'pt', { spec: { patches: null } });
    await waitForHollowReady(kmc, ns, 'pt');
  });

  it('kine with a missing Secret reports it, then recovers when the Secret appears; the URL never lands in a ConfigMap', async () => {
    const ns = await createTestNamespace(kc, 'kmc-kine');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'kn', { service: { type: 'ClusterIP' }, storage: { type: 'kine', kine: { dataSourceSecretName: 'kine-db' } } }));
    const missing = await waitForCondition(kmc, ns, 'kn', 'Available', 'False', 'KineSecretNotFound');
    expect(condition(missing, 'Available')!.message).toMatch(/Secret kine-db .* K0SMOTRON_KINE_DATASOURCE_URL/);
    await eventually('a Warning event', async () => (await reasonsOfEvents(kmc, ns, 'kn')).includes('Warning:KineSecretNotFound'));

    const url = 'postgres://kine:s3cret@db.example:5432/kine';
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'kine-db' }, stringData: { K0SMOTRON_KINE_DATASOURCE_URL: url } } });
    await waitForHollowReady(kmc, ns, 'kn');
    const cms = await core.listNamespacedConfigMap({ namespace: ns });
    expect(JSON.stringify(cms.items)).not.toContain('s3cret');
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-kn' });
    expect(sts.spec!.template.spec!.containers[0].envFrom).toContainEqual({ secretRef: { name: 'kine-db' } });
    await expect(apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-kn-etcd' })).rejects.toThrow();
  });

  it('certificateRefs to a missing Secret: False condition and Warning, nothing generated for it; recovers when the Secret appears', async () => {
    const ns = await createTestNamespace(kc, 'kmc-byo');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'byo', { service: { type: 'ClusterIP' }, certificateRefs: [{ type: 'ca', name: 'my-ca' }] }));
    const c = await waitForCondition(kmc, ns, 'byo', 'CertificatesAvailable', 'False', 'CertificateSecretNotFound');
    expect(condition(c, 'CertificatesAvailable')!.message).toMatch(/Secret my-ca named in spec.certificateRefs/);
    await eventually('a Warning event', async () => (await reasonsOfEvents(kmc, ns, 'byo')).includes('Warning:CertificateSecretNotFound'));
    await expect(core.readNamespacedSecret({ namespace: ns, name: 'byo-ca' })).rejects.toThrow();

    // The user brings the CA: the Cluster recovers without a restart, and the kubeconfig is signed by it.
    const ca = await createCa('my-own-ca', new Date(), 30);
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'my-ca' }, type: 'cluster.x-k8s.io/secret', stringData: { 'tls.crt': ca.cert, 'tls.key': ca.key } },
    });
    const ok = await waitForHollowReady(kmc, ns, 'byo');
    expect(condition(ok, 'CertificatesAvailable')).toMatchObject({ status: 'True', reason: 'Provided' });
    await expect(core.readNamespacedSecret({ namespace: ns, name: 'byo-ca' })).rejects.toThrow();
    const kubeconfig = parse(b64((await core.readNamespacedSecret({ namespace: ns, name: 'byo-kubeconfig' })).data!.value));
    const admin = new X509Certificate(b64(kubeconfig.users[0].user['client-certificate-data']));
    expect(admin.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-byo' });
    const sources = sts.spec!.template.spec!.volumes!.find(v => v.name === 'certs')!.projected!.sources!.map(x => x.secret!.name);
    expect(sources[0]).toBe('my-ca');
  });
});

describe('deletion', () => {
  it('children go with the Cluster (garbage collector); autoDeletePVCs removes the PVCs, etcd PVCs stay by default', async () => {
    const ns = await createTestNamespace(kc, 'kmc-del');
    await operatorFor(ns);
    await kmc.createCluster(
      newCluster(ns, 'del', {
        service: { type: 'ClusterIP' },
        persistence: { type: 'pvc', autoDeletePVCs: true, persistentVolumeClaim: { spec: { resources: { requests: { storage: '1Gi' } } } } },
      }),
    );
    await waitForHollowReady(kmc, ns, 'del');
    const pvcs = async () => (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map(p => p.metadata!.name!).sort();
    expect(await pvcs()).toEqual(['etcd-data-kmc-del-etcd-0', 'kmc-del-kmc-del-0']);
    await eventually('the data PVC owned by the Cluster', async () => {
      const p = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'kmc-del-kmc-del-0' });
      return p.metadata!.ownerReferences?.some(r => r.kind === 'Cluster' && r.name === 'del');
    });

    await kmc.deleteCluster(ns, 'del');
    await eventually(
      'children garbage-collected',
      async () => {
        const [sts, svc, cms, secrets] = await Promise.all([
          apps.listNamespacedStatefulSet({ namespace: ns }),
          core.listNamespacedService({ namespace: ns }),
          core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=k0smotron' }),
          core.listNamespacedSecret({ namespace: ns, labelSelector: 'cluster.x-k8s.io/cluster-name=del' }),
        ]);
        return sts.items.length + svc.items.length + cms.items.length + secrets.items.length === 0;
      },
      90_000,
    );
    await eventually(
      'the control-plane PVC deleted, the etcd PVC kept',
      async () => {
        const names = (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items
          .filter(p => !p.metadata!.deletionTimestamp)
          .map(p => p.metadata!.name);
        return names.length === 1 && names[0] === 'etcd-data-kmc-del-etcd-0';
      },
      90_000,
    );
  });
});
