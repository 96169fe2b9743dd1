// K0smotronClient against a real kube-apiserver with the CRDs installed.
import { ApiextensionsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import type { Cluster } from '../schema/cluster';
import { ensureCrdsInstalled } from '../testing/install';
import { crdToYaml, allCrds } from '../crd';
import { K0smotronApiError, K0smotronClient, installCrds } from './index';

let ns: string;
let client: K0smotronClient;
let core: CoreV1Api;

const cluster = (name: string, spec: Cluster['spec'] = {}): Cluster => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name, namespace: ns, labels: { team: 'a' } },
  spec,
});

beforeAll(async () => {
  const { kubeConfig } = sharedTestCluster();
  await ensureCrdsInstalled();
  ns = await createTestNamespace(kubeConfig, 'crds-client');
  client = new K0smotronClient(kubeConfig, { fieldManager: 'crds-itest' });
  core = kubeConfig.makeApiClient(CoreV1Api);
});

describe('installCrds', () => {
  it('creates or replaces every CRD with its x-kubernetes-* keywords intact and waits for Established', async () => {
    const { kubeConfig } = sharedTestCluster();
    const lines: string[] = [];
    const names = await installCrds(kubeConfig, { onProgress: l => lines.push(l) });
    expect(names).toEqual(allCrds().map(c => c.metadata.name));
    // Installed already by ensureCrdsInstalled(): this run takes the replace path.
    expect(lines).toEqual(names.map(n => `updated ${n}`));
    const live = await kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'clusters.k0smotron.io' });
    const size = live.spec.versions[0].schema?.openAPIV3Schema?.properties?.spec.properties?.storage.properties?.etcd.properties?.persistence.properties?.size;
    expect(size?.x_kubernetes_int_or_string).toBe(true);
    expect(crdToYaml(allCrds()[0])).toContain('x-kubernetes-int-or-string: true');
  });
});

describe('K0smotronClient', () => {
  it('creates, lists by namespace and label, gets, merge-patches and deletes Clusters', async () => {
    const created = await client.createCluster(cluster('one', { replicas: 1 }));
    expect(created.metadata.uid).toBeTruthy();
    await client.createCluster({ ...cluster('two'), metadata: { name: 'two', namespace: ns } });

    expect((await client.listClusters(ns)).map(c => c.metadata.name).sort()).toEqual(['one', 'two']);
    expect((await client.listClusters(ns, 'team=a')).map(c => c.metadata.name)).toEqual(['one']);
    expect((await client.listClusters(undefined, 'team=a')).some(c => c.metadata.namespace === ns)).toBe(true);

    const patched = await client.patchCluster(ns, 'one', { spec: { replicas: 3, service: { type: 'LoadBalancer' } } });
    expect(patched.spec?.replicas).toBe(3);
    expect(patched.spec?.service?.type).toBe('LoadBalancer');
    expect(patched.spec?.service?.apiPort).toBe(30443);

    await client.deleteCluster(ns, 'two');
    expect(await client.getCluster(ns, 'two')).toBeUndefined();
  });

  it('creates a v1beta1 object at v1beta1 and reads it back as v1beta2', async () => {
    await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta1',
      kind: 'Cluster',
      metadata: { name: 'legacy', namespace: ns },
      spec: { controllerPlaneFlags: ['--debug=true'] },
    });
    const read = await client.getCluster(ns, 'legacy');
    expect(read?.apiVersion).toBe('k0smotron.io/v1beta2');
    expect(read?.spec?.controllerPlaneFlags).toEqual(['--debug=true']);
  });

  it('dry-runs a create without storing it', async () => {
    const dry = await client.createCluster(cluster('dry'), { dryRun: true });
    expect(dry.spec?.service?.type).toBe('ClusterIP');
    expect(await client.getCluster(ns, 'dry')).toBeUndefined();
  });

  it('maps server errors: Conflict, NotFound, Invalid with causes', async () => {
    const conflict = await client.createCluster(cluster('one')).catch(e => e);
    expect(conflict).toBeInstanceOf(K0smotronApiError);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toContain('already exists');

    const missing = await client.deleteCluster(ns, 'nope').catch(e => e);
    expect(missing.reason).toBe('NotFound');
    expect(missing.status).toBe(404);

    const invalid = await client.patchCluster(ns, 'one', { spec: { service: { type: 'Ingress' } } }).catch(e => e);
    expect(invalid.reason).toBe('Invalid');
    expect(invalid.causes).toEqual([expect.objectContaining({ field: 'spec.service.type' })]);
  });

  it('maps 403 to Forbidden for a user without rights', async () => {
    // A ServiceAccount with no RoleBinding: a real identity the API server forbids.
    const sa = 'no-rights';
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } });
    const token = await core.createNamespacedServiceAccountToken({ namespace: ns, name: sa, body: { spec: { audiences: [] } } }).catch(() => undefined);
    const secretToken = token?.status?.token ?? (await waitForServiceAccountToken(sa));
    const { kubeConfig } = sharedTestCluster();
    const kc = new KubeConfig();
    const current = kubeConfig.getCurrentCluster()!;
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: current.server, caData: current.caData, skipTLSVerify: current.skipTLSVerify }],
      users: [{ name: 'u', token: secretToken }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = await new K0smotronClient(kc).listClusters(ns).catch(e => e);
    expect(err.reason).toBe('Forbidden');
    expect(err.message).toContain(`cannot list clusters.k0smotron.io in namespace ${ns}`);
  });

  it('reads the join token and the kubeconfig from their Secrets, and events oldest first', async () => {
    expect(await client.readJoinToken(ns, 'tok')).toBeUndefined();
    expect(await client.readKubeconfig(ns, 'one')).toBeUndefined();
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'tok' }, stringData: { token: 'H4sIAAAA-token' } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'one-kubeconfig' }, stringData: { value: 'apiVersion: v1\nkind: Config\n' } },
    });
    expect(await client.readJoinToken(ns, 'tok')).toBe('H4sIAAAA-token');
    expect(await client.readKubeconfig(ns, 'one')).toBe('apiVersion: v1\nkind: Config\n');

    const one = await client.getCluster(ns, 'one');
    for (const [i, reason] of ['First', 'Second'].entries()) {
      await core.createNamespacedEvent({
        namespace: ns,
        body: {
          metadata: { name: `one.${i}` },
          involvedObject: { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'one', namespace: ns, uid: one!.metadata.uid },
          reason,
          message: reason,
          type: 'Normal',
          lastTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, 10 - i * 5)),
        },
      });
    }
    expect((await client.listEvents(ns, 'one', 'Cluster')).map(e => e.reason)).toEqual(['Second', 'First']);
    expect(await client.listEvents(ns, 'one', 'Pod')).toEqual([]);
  });

  it('creates, gets, lists and deletes JoinTokenRequests', async () => {
    await client.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta1',
      kind: 'JoinTokenRequest',
      metadata: { name: 'j1', namespace: ns },
      spec: { clusterRef: { name: 'one' }, expiry: '1h' },
    });
    expect((await client.getJoinTokenRequest(ns, 'j1'))?.spec.expiry).toBe('1h');
    expect((await client.listJoinTokenRequests(ns)).map(j => j.metadata.name)).toEqual(['j1']);
    await client.deleteJoinTokenRequest(ns, 'j1');
    expect(await client.getJoinTokenRequest(ns, 'j1')).toBeUndefined();
  });
});

async function waitForServiceAccountToken(sa: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await core.listNamespacedSecret({ namespace: ns, fieldSelector: 'type=kubernetes.io/service-account-token' });
    const secret = list.items.find(s => s.metadata?.annotations?.['kubernetes.io/service-account.name'] === sa && s.data?.token);
    if (secret) return Buffer.from(secret.data!.token, 'base64').toString('utf8');
    if (Date.now() > deadline) throw new Error(`no token Secret for ServiceAccount ${sa}`);
    await new Promise(r => setTimeout(r, 200));
  }
}
