// Drift repair on the real test cluster: what the operator owns comes back to the desired state
// whoever changed it, while an unchanged Cluster's reconcile writes nothing; a deleted CA Secret
// is never silently replaced. Every negative check first proves that the operator processed the
// change (testing/processed.ts), then looks.
import { X509Certificate } from 'node:crypto';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { startOperator, type RunningOperator } from '../index';
import { JsonLogger } from '../engine/logger';
import { WRITE_VERBS } from '@k0smotron/api/kube';
import type { Cache, ControllerSpec } from '../engine/contract';
import type { Cluster } from '@k0smotron/api';
import { k0smotronClusterController } from '../k0smotroncluster/controller';
import { ANNOTATION_REGENERATE_CA } from './ca-guard';
import {
  apis,
  condition,
  eventually,
  newCluster,
  reasonsOfEvents,
  productionClusterController,
  startClusterOperator,
  waitForCondition,
  waitForHollowReady,
  writes,
} from './testing/helpers';
import { processed, quiesce } from './testing/processed';

const { kubeConfig: kc } = sharedTestCluster();
const { core, apps, kmc } = apis(kc);

jest.setTimeout(300_000);

const running: RunningOperator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(op => op.stop()));
});

async function operatorFor(ns: string) {
  const op = await startClusterOperator(kc, [ns]);
  running.push(op);
  return op;
}

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** `k0smotron_drift_repairs_total` by kind. */
async function driftRepairs(op: RunningOperator): Promise<Record<string, number>> {
  const text = await op.metrics.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^k0smotron_drift_repairs_total\{kind="([^"]+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

const adminCert = (s: V1Secret) => new X509Certificate(b64(parse(b64(s.data!.value)).users[0].user['client-certificate-data']));

describe('drift repair', () => {
  it('reverts a hand edit of an owned field on every kind of child, brings deleted children back, and writes nothing for an unchanged Cluster', async () => {
    const ns = await createTestNamespace(kc, 'kmc-drift');
    const op = await operatorFor(ns);
    // An external address gives the endpoint ConfigMap; storage etcd the etcd Service and
    // StatefulSet. ClusterIP, so no NodePort clashes with other suites on the same cluster.
    await kmc.createCluster(newCluster(ns, 'dr', { service: { type: 'ClusterIP' }, externalAddress: 'dr.example.com' }));
    // A second Cluster for the operator's own kine Secret (an inline data source URL).
    await kmc.createCluster(
      newCluster(ns, 'kn', { service: { type: 'ClusterIP' }, storage: { type: 'kine', kine: { dataSourceURL: 'postgres://kine:pw@db.example:5432/kine' } } }),
    );
    await waitForHollowReady(kmc, ns, 'dr');
    await waitForHollowReady(kmc, ns, 'kn');
    await quiesce(op, kc, ns);

    // An unchanged Cluster: every key reconciled once more, nothing written.
    let before = writes(op);
    const controller = op.manager.controllers[0];
    const reconciled = controller.stats.success;
    controller.enqueueAll();
    await processed(op, kc, ns);
    expect(controller.stats.success).toBeGreaterThanOrEqual(reconciled + 2);
    expect(writes(op)).toBe(before);

    const read = {
      sts: () => apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-dr' }),
      etcd: () => apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-dr-etcd' }),
      svc: () => core.readNamespacedService({ namespace: ns, name: 'kmc-dr' }),
      etcdSvc: () => core.readNamespacedService({ namespace: ns, name: 'kmc-dr-etcd' }),
      config: () => core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-dr-config' }),
      entrypoint: () => core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-entrypoint-dr-config' }),
      endpoint: () => core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-dr-endpoint' }),
      kubeconfig: () => core.readNamespacedSecret({ namespace: ns, name: 'dr-kubeconfig' }),
      ca: () => core.readNamespacedSecret({ namespace: ns, name: 'dr-ca' }),
      peer: () => core.readNamespacedSecret({ namespace: ns, name: 'dr-etcd-peer' }),
      kine: () => core.readNamespacedSecret({ namespace: ns, name: 'kmc-kn-kine' }),
    };
    const original = {
      sts: await read.sts(),
      etcd: await read.etcd(),
      svc: await read.svc(),
      etcdSvc: await read.etcdSvc(),
      config: await read.config(),
      entrypoint: await read.entrypoint(),
      endpoint: await read.endpoint(),
      kubeconfig: await read.kubeconfig(),
      ca: await read.ca(),
      peer: await read.peer(),
      kine: await read.kine(),
    };

    // Hand edits of owned fields, as kubectl edit/patch would make them (another field manager).
    await Promise.all([
      apps.patchNamespacedStatefulSet({ namespace: ns, name: 'kmc-dr', body: { spec: { replicas: 3 } } }, mergePatch),
      apps.patchNamespacedStatefulSet(
        { namespace: ns, name: 'kmc-dr-etcd', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'example.com/not-etcd:1' }] },
        jsonPatch,
      ),
      core.patchNamespacedService({ namespace: ns, name: 'kmc-dr', body: [{ op: 'replace', path: '/spec/ports/0/targetPort', value: 1234 }] }, jsonPatch),
      core.patchNamespacedService({ namespace: ns, name: 'kmc-dr-etcd', body: { spec: { publishNotReadyAddresses: false } } }, mergePatch),
      core.patchNamespacedConfigMap({ namespace: ns, name: 'kmc-dr-config', body: { data: { K0SMOTRON_K0S_YAML: 'edited: by hand\n' } } }, mergePatch),
      core.patchNamespacedConfigMap({ namespace: ns, name: 'kmc-entrypoint-dr-config', body: { data: { 'k0smotron-entrypoint.sh': 'exit 1\n' } } }, mergePatch),
      core.patchNamespacedConfigMap(
        { namespace: ns, name: 'kmc-dr-endpoint', body: { metadata: { labels: { app: 'k0smotron', cluster: 'someone-else' } } } },
        mergePatch,
      ),
      core.patchNamespacedSecret(
        { namespace: ns, name: 'dr-kubeconfig', body: { data: { value: Buffer.from('not a kubeconfig').toString('base64') } } },
        mergePatch,
      ),
      core.patchNamespacedSecret({ namespace: ns, name: 'dr-ca', body: { metadata: { labels: { 'cluster.x-k8s.io/cluster-name': null } } } }, mergePatch),
      core.patchNamespacedSecret(
        { namespace: ns, name: 'kmc-kn-kine', body: { data: { K0SMOTRON_KINE_DATASOURCE_URL: Buffer.from('mysql://elsewhere').toString('base64') } } },
        mergePatch,
      ),
    ]);
    await quiesce(op, kc, ns);

    expect((await read.sts()).spec!.replicas).toBe(1);
    expect((await read.etcd()).spec!.template.spec!.containers[0].image).toBe(original.etcd.spec!.template.spec!.containers[0].image);
    expect((await read.svc()).spec!.ports![0].targetPort).toBe(original.svc.spec!.ports![0].targetPort);
    expect((await read.etcdSvc()).spec!.publishNotReadyAddresses).toBe(true);
    expect((await read.config()).data).toEqual(original.config.data);
    expect((await read.entrypoint()).data).toEqual(original.entrypoint.data);
    expect((await read.endpoint()).metadata!.labels!.cluster).toBe('dr');
    expect((await read.kine()).data).toEqual(original.kine.data);
    // The kubeconfig is signed again by the same CA (its key material is the operator's to renew);
    // the CA Secret gets its label back with its data untouched (no new key).
    const kubeconfig = await read.kubeconfig();
    expect(kubeconfig.data!.value).not.toBe(Buffer.from('not a kubeconfig').toString('base64'));
    expect(b64(kubeconfig.data!.value)).toContain('server: https://dr.example.com:30443');
    expect(adminCert(kubeconfig).verify(new X509Certificate(b64(original.ca.data!['tls.crt'])).publicKey)).toBe(true);
    const ca = await read.ca();
    expect(ca.metadata!.labels!['cluster.x-k8s.io/cluster-name']).toBe('dr');
    expect(ca.data).toEqual(original.ca.data);
    expect(ca.metadata!.uid).toBe(original.ca.metadata!.uid);
    expect(await driftRepairs(op)).toMatchObject({
      StatefulSet: expect.any(Number),
      Service: expect.any(Number),
      ConfigMap: expect.any(Number),
      Secret: expect.any(Number),
    });

    // Deleted children come back (a leaf certificate too: only the CA is special, below).
    await Promise.all([
      apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'kmc-dr' }),
      apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'kmc-dr-etcd' }),
      core.deleteNamespacedService({ namespace: ns, name: 'kmc-dr' }),
      core.deleteNamespacedService({ namespace: ns, name: 'kmc-dr-etcd' }),
      core.deleteNamespacedConfigMap({ namespace: ns, name: 'kmc-dr-config' }),
      core.deleteNamespacedConfigMap({ namespace: ns, name: 'kmc-entrypoint-dr-config' }),
      core.deleteNamespacedConfigMap({ namespace: ns, name: 'kmc-dr-endpoint' }),
      core.deleteNamespacedSecret({ namespace: ns, name: 'dr-kubeconfig' }),
      core.deleteNamespacedSecret({ namespace: ns, name: 'dr-etcd-peer' }),
      core.deleteNamespacedSecret({ namespace: ns, name: 'kmc-kn-kine' }),
    ]);
    // The re-created StatefulSets' pods running, so that their status settles before the checks.
    await eventually(
      'the re-created StatefulSets ready',
      async () => {
        const sets = await Promise.all([read.sts(), read.etcd()]);
        return sets.every(x => x.status?.readyReplicas === x.spec!.replicas && x.status?.observedGeneration === x.metadata!.generation);
      },
      120_000,
    );
    await waitForHollowReady(kmc, ns, 'dr');
    await quiesce(op, kc, ns);
    for (const [what, get] of Object.entries(read)) {
      const now = (await get()) as KubernetesObject;
      const was = original[what as keyof typeof original] as KubernetesObject;
      if (what === 'ca') expect(now.metadata!.uid).toBe(was.metadata!.uid);
      else expect(`${what} ${now.metadata!.uid === was.metadata!.uid ? 'same' : 'new'}`).toBe(`${what} new`);
    }
    // The new Service has a new ClusterIP, which the k0s config lists among the API server's SANs.
    const sans = parse((await read.config()).data!.K0SMOTRON_K0S_YAML).spec.api.sans as string[];
    expect(sans).toContain((await read.svc()).spec!.clusterIP);
    expect(sans).not.toContain(original.svc.spec!.clusterIP);

    // Converged again: an unchanged Cluster's reconcile writes nothing.
    before = writes(op);
    controller.enqueueAll();
    await processed(op, kc, ns);
    expect(writes(op)).toBe(before);
  });
});

describe('no drift where nothing changed', () => {
  it("for Clusters using many features, and one mirrored from a K0smotronCluster, a full resync writes none of their objects (the server's normalisations are no drift)", async () => {
    const ns = await createTestNamespace(kc, 'kmc-rich');
    const op = await startOperator({
      kubeConfig: kc,
      namespaces: [ns],
      controllers: [await productionClusterController(kc), k0smotronClusterController()],
      logger: new JsonLogger({ level: 'error' }),
    });
    running.push(op);
    // Quantities the API server rewrites ("0.25" → "250m", "1.5Gi" → "1536Mi", "1.5" → "1500m"), lists
    // of named and unnamed elements, a strategic patch, user mounts and manifests, the defrag
    // CronJob, and kubeconfig labels.
    await kmc.createCluster(
      newCluster(ns, 'rich', {
        service: { type: 'ClusterIP' },
        persistence: { type: 'pvc', persistentVolumeClaim: { spec: { resources: { requests: { storage: '1.5Gi' } } } } },
        resources: { requests: { cpu: '0.25', memory: '256Mi' }, limits: { cpu: '1.5', memory: '1Gi' } },
        manifests: [{ name: 'extra', configMap: { name: 'my-manifests' } }],
        mounts: [{ path: '/etc/extra', configMap: { name: 'my-files' } }],
        controlPlaneFlags: ['--debug'],
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { cluster: 'rich' } } },
        ],
        kubeconfigSecretMetadata: { labels: { team: 'blue' } },
        storage: {
          type: 'etcd',
          etcd: {
            args: ['--snapshot-count=20000'],
            resources: { requests: { cpu: '0.1', memory: '128Mi' } },
            defragJob: { enabled: true, schedule: '0 0 * * *' },
          },
        },
        patches: [
          {
            target: { kind: 'StatefulSet', component: 'control-plane' },
            patch: { type: 'strategic', content: '{"spec":{"template":{"spec":{"containers":[{"name":"controller","env":[{"name":"EXTRA","value":""}]}]}}}}' },
          },
        ],
      } as Cluster['spec']),
    );
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'k0smotron.io',
      version: 'v1beta1',
      namespace: ns,
      plural: 'k0smotronclusters',
      body: {
        apiVersion: 'k0smotron.io/v1beta1',
        kind: 'K0smotronCluster',
        metadata: { name: 'seed', namespace: ns },
        spec: { service: { type: 'ClusterIP' } },
      },
    });
    await waitForCondition(kmc, ns, 'rich', 'KubeconfigSecretAvailable', 'True');
    await waitForCondition(kmc, ns, 'seed', 'KubeconfigSecretAvailable', 'True');
    await quiesce(op, kc, ns);

    // Everything was written, and the server did rewrite what the desired objects say.
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-rich' });
    const container = sts.spec!.template.spec!.containers.find(c => c.name === 'controller')!;
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1500m', memory: '1Gi' } });
    expect(sts.spec!.volumeClaimTemplates![0].spec!.resources!.requests!.storage).toBe('1536Mi');
    await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-seed' });
    await core.readNamespacedConfigMap({ namespace: ns, name: 'kmc-rich-config' });

    // Writes of objects the operator owns (the mirrored Cluster's spec included), by resource.
    // Status writes are left out: pods that are still starting may move a status meanwhile, which
    // is the world changing, not drift.
    const childWrites = () =>
      Object.entries(op.requestCounts())
        .filter(([k]) => WRITE_VERBS.has(k.split(' ')[0]) && !/^\S+ (\S+\/status|events) /.test(k))
        .map(([k, n]) => `${k}=${n}`)
        .sort();
    const before = childWrites();
    const errors = op.manager.controllers.map(c => c.stats.error);
    for (const c of op.manager.controllers) c.enqueueAll();
    await processed(op, kc, ns);
    expect(childWrites()).toEqual(before);
    expect(op.manager.controllers.map(c => c.stats.error)).toEqual(errors); // quiet because converged, not because failing
    expect(await driftRepairs(op)).toEqual({});
  });
});

describe('a deleted CA Secret', () => {
  it('is never replaced by a new CA: CASecretMissing until it is restored; regenerate-ca makes a new one and is removed', async () => {
    const ns = await createTestNamespace(kc, 'kmc-ca-gone');
    const op = await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'cg', { service: { type: 'ClusterIP' } }));
    await waitForCondition(kmc, ns, 'cg', 'KubeconfigSecretAvailable', 'True');
    const ca = await core.readNamespacedSecret({ namespace: ns, name: 'cg-ca' });

    await core.deleteNamespacedSecret({ namespace: ns, name: 'cg-ca' });
    const waiting = await waitForCondition(kmc, ns, 'cg', 'CertificatesAvailable', 'False', 'CASecretMissing');
    expect(condition(waiting, 'CertificatesAvailable')!.message).toMatch(/Restore the Secret from a backup.*k0smotron\.io\/regenerate-ca=true/);
    expect(condition(waiting, 'Available')).toMatchObject({ status: 'False' });
    // The condition is the operator's answer to the delete; retries since then made no CA either.
    await processed(op, kc, ns);
    await expect(core.readNamespacedSecret({ namespace: ns, name: 'cg-ca' })).rejects.toThrow();
    await eventually('a Warning event', async () => (await reasonsOfEvents(kmc, ns, 'cg')).includes('Warning:CASecretMissing'));

    // Restored from a backup, as `kubectl get -o yaml` saved it: the same key, not a new one.
    const { name, labels, annotations, ownerReferences } = ca.metadata!;
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name, labels, annotations, ownerReferences }, type: ca.type, data: ca.data } });
    await waitForCondition(kmc, ns, 'cg', 'CertificatesAvailable', 'True');
    const restored = await core.readNamespacedSecret({ namespace: ns, name: 'cg-ca' });
    expect(restored.data).toEqual(ca.data);

    // The annotation while the CA exists: removed, the CA kept.
    await kmc.patchCluster(ns, 'cg', { metadata: { annotations: { [ANNOTATION_REGENERATE_CA]: 'true' } } });
    await eventually('the annotation removed', async () => (await kmc.getCluster(ns, 'cg'))!.metadata.annotations?.[ANNOTATION_REGENERATE_CA] === undefined);
    await eventually('a RegenerateCAIgnored event', async () => (await reasonsOfEvents(kmc, ns, 'cg')).includes('Normal:RegenerateCAIgnored'));
    expect((await core.readNamespacedSecret({ namespace: ns, name: 'cg-ca' })).data).toEqual(ca.data);

    // Gone again, and this time the user asks for a new CA.
    await core.deleteNamespacedSecret({ namespace: ns, name: 'cg-ca' });
    await waitForCondition(kmc, ns, 'cg', 'CertificatesAvailable', 'False', 'CASecretMissing');
    await kmc.patchCluster(ns, 'cg', { metadata: { annotations: { [ANNOTATION_REGENERATE_CA]: 'true' } } });
    await waitForCondition(kmc, ns, 'cg', 'CertificatesAvailable', 'True');
    await eventually('the annotation removed', async () => (await kmc.getCluster(ns, 'cg'))!.metadata.annotations?.[ANNOTATION_REGENERATE_CA] === undefined);
    const fresh = await core.readNamespacedSecret({ namespace: ns, name: 'cg-ca' });
    expect(fresh.data!['tls.crt']).not.toBe(ca.data!['tls.crt']);
    const freshCa = new X509Certificate(b64(fresh.data!['tls.crt']));
    const kubeconfig = await eventually('the kubeconfig signed by the new CA', async () => {
      const s = await core.readNamespacedSecret({ namespace: ns, name: 'cg-kubeconfig' });
      return adminCert(s).verify(freshCa.publicKey) ? s : undefined;
    });
    expect(kubeconfig).toBeDefined();
    await eventually('a CARegenerated event', async () => (await reasonsOfEvents(kmc, ns, 'cg')).includes('Warning:CARegenerated'));
  });
});

describe('behaviours once shown only with the in-memory engine', () => {
  it('never regenerates a certificate its cache has not seen yet: absence is confirmed by a live read', async () => {
    const ns = await createTestNamespace(kc, 'kmc-unseen');
    const first = await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'un', { service: { type: 'ClusterIP' } }));
    await waitForCondition(kmc, ns, 'un', 'KubeconfigSecretAvailable', 'True');
    await quiesce(first, kc, ns);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const secrets = async () => (await core.listNamespacedSecret({ namespace: ns, labelSelector: 'cluster.x-k8s.io/cluster-name=un' })).items;
    const before = await secrets();

    // A cache that lags behind the API server: it has not seen the CA and an etcd leaf yet. The
    // cache is the only stand-in; the API server is real.
    const hidden = new Set(['un-ca', 'un-etcd-peer']);
    const inner = await productionClusterController(kc);
    const lagging = (cache: Cache): Cache => ({
      get: <T extends KubernetesObject>(gvk: Parameters<Cache['get']>[0], namespace: string | undefined, name: string) =>
        gvk.kind === 'Secret' && hidden.has(name) ? undefined : cache.get<T>(gvk, namespace, name),
      list: <T extends KubernetesObject>(gvk: Parameters<Cache['list']>[0], opts?: Parameters<Cache['list']>[1]) =>
        cache.list<T>(gvk, opts).filter(o => !(gvk.kind === 'Secret' && hidden.has(o.metadata?.name ?? ''))),
      byIndex: (gvk, name, value) => cache.byIndex(gvk, name, value),
    });
    const spec: ControllerSpec = { ...inner, reconcile: (key, ctx) => inner.reconcile(key, { ...ctx, cache: lagging(ctx.cache) }) };
    const op = await startOperator({ kubeConfig: kc, namespaces: [ns], controllers: [spec], logger: new JsonLogger({ level: 'error' }) });
    running.push(op);
    await processed(op, kc, ns);
    expect(op.manager.controllers[0].stats.success).toBeGreaterThanOrEqual(1);
    expect(op.requestCounts()['get secrets 200']).toBeGreaterThanOrEqual(2); // the live reads
    expect(writes(op)).toBe(0);
    const after = await secrets();
    const byName = (list: V1Secret[]) => Object.fromEntries(list.map(s => [s.metadata!.name, `${s.metadata!.uid}@${s.metadata!.resourceVersion}`]));
    expect(byName(after)).toEqual(byName(before));
  });

  it('re-signs the kubeconfig when the endpoint changes, with the same CA', async () => {
    const ns = await createTestNamespace(kc, 'kmc-endpoint');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'ep', { service: { type: 'ClusterIP' } }));
    await waitForCondition(kmc, ns, 'ep', 'KubeconfigSecretAvailable', 'True');
    const first = await core.readNamespacedSecret({ namespace: ns, name: 'ep-kubeconfig' });
    expect(b64(first.data!.value)).toContain(`server: https://kmc-ep.${ns}.svc:30443`);
    await kmc.patchCluster(ns, 'ep', { spec: { externalAddress: 'api.example.com' } });
    const second = await eventually('the kubeconfig for the new endpoint', async () => {
      const s = await core.readNamespacedSecret({ namespace: ns, name: 'ep-kubeconfig' });
      return s.metadata!.annotations!['k0smotron.io/kubeconfig-server'] === 'https://api.example.com:30443' ? s : undefined;
    });
    expect(b64(second.data!.value)).toContain('server: https://api.example.com:30443');
    const ca = new X509Certificate(b64((await core.readNamespacedSecret({ namespace: ns, name: 'ep-ca' })).data!['tls.crt']));
    expect(adminCert(second).verify(ca.publicKey)).toBe(true);
    expect(adminCert(second).serialNumber).not.toBe(adminCert(first).serialNumber);
    // Late in its life: cert-renewal.itest.ts moves the reconciler's clock on the same real cluster.
  });

  it('a service type change removes the old Service', async () => {
    const ns = await createTestNamespace(kc, 'kmc-svctype');
    await operatorFor(ns);
    await kmc.createCluster(newCluster(ns, 'st', { service: { type: 'ClusterIP' } }));
    await waitForCondition(kmc, ns, 'st', 'KubeconfigSecretAvailable', 'True');
    const old = await core.readNamespacedService({ namespace: ns, name: 'kmc-st' });
    // Ports of their own: NodePorts are cluster-wide and other suites use the defaults.
    await kmc.patchCluster(ns, 'st', { spec: { service: { type: 'NodePort', apiPort: 31643, konnectivityPort: 31632 } } });
    await eventually('the NodePort Service', () => core.readNamespacedService({ namespace: ns, name: 'kmc-st-nodeport' }).catch(() => undefined));
    await eventually('the ClusterIP Service gone', async () =>
      (await core.listNamespacedService({ namespace: ns })).items.every(s => s.metadata!.uid !== old.metadata!.uid),
    );
    await eventually('a ServiceDeleted event', async () => (await reasonsOfEvents(kmc, ns, 'st')).includes('Normal:ServiceDeleted'));
    const svc = await core.readNamespacedService({ namespace: ns, name: 'kmc-st-nodeport' });
    expect(svc.spec!.ports!.map(p => p.nodePort)).toEqual([31643, 31632]);
  });
});
