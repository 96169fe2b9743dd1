// install / uninstall need a cluster of their own: they add and remove the CRDs, which the
// shared test cluster's other tests rely on. This one starts without CRDs (1 hollow node).
import { parseAllDocuments } from 'yaml';
import { AppsV1Api, ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { pluginPathDir, runWithPath, type RunResult } from './testing/plugin';

jest.setTimeout(300_000);

let cluster: TestCluster;
let pathDir: string;

function k(args: string[]): Promise<RunResult> {
  return runWithPath(cluster.kubectlPath, ['k0smotron', ...args, '--kubeconfig', cluster.kubeconfigPath], pathDir);
}

async function crdExists(name: string): Promise<boolean> {
  const api = cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
  return api.readCustomResourceDefinition({ name }).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  pathDir = pluginPathDir();
  cluster = await startTestCluster({ nodes: 1, installCrds: false });
});

afterAll(async () => {
  await cluster?.stop();
});

it('tells the user to install when the CRDs are missing', async () => {
  for (const args of [
    ['list'],
    ['list', '-A'],
    ['get', 'x'],
    ['status', 'x'],
    ['describe', 'x'],
    ['create', 'x'],
    ['create', 'x', '--dry-run=server'],
    ['kubeconfig', 'x'],
    ['join-token', 'x'],
    ['join-token', 'list'],
    ['join-token', 'list', 'x'],
    ['join-token', 'revoke', 'x'],
    ['delete', 'x'],
    ['delete', 'x', '--wait=false'],
    ['scale', 'x', '--replicas', '2'],
    ['upgrade', 'x', '--version', 'v1.30.2-k0s.0'],
    ['pause', 'x'],
    ['resume', 'x'],
    ['sleep', 'x'],
    ['wake', 'x'],
  ]) {
    const r = await k(args);
    expect({ args, r }).toEqual({
      args,
      r: {
        code: 1,
        stdout: '',
        stderr: 'error: the k0smotron.io API is not installed on this cluster (no Cluster CRD)\nhint: run `kubectl k0smotron install`\n',
      },
    });
  }
});

it('install --dry-run=client lists what would be applied and applies nothing', async () => {
  const r = await k(['install', '--dry-run=client']);
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n')[0]).toBe('namespace/k0smotron configured (dry run)');
  expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/clusters.k0smotron.io configured (dry run)\n');
  expect(r.stdout).toContain('deployment.apps/k0smotron-operator configured (dry run)\n');
  expect(await crdExists('clusters.k0smotron.io')).toBe(false);
  const server = await k(['install', '--dry-run=server']);
  expect(server.code).toBe(0);
  expect(server.stdout).toContain('namespace/k0smotron serverside-applied (server dry run)\n');
  expect(server.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/clusters.k0smotron.io serverside-applied (server dry run)\n');
  expect(server.stderr).toContain('deployment.apps/k0smotron-operator skipped (server dry run): namespace "k0smotron" does not exist yet\n');
  expect(await crdExists('clusters.k0smotron.io')).toBe(false);
});

it('install applies the embedded manifest; --wait reports an operator that is not ready', async () => {
  const r = await k(['install']);
  expect(r.code).toBe(0);
  const manifest = (await k(['install', '-o', 'yaml'])).stdout;
  const count = parseAllDocuments(manifest).filter(d => d.toJS()).length;
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(count);
  expect(r.stdout).toContain('deployment.apps/k0smotron-operator serverside-applied\n');
  expect(await crdExists('clusters.k0smotron.io')).toBe(true);
  const dep = await cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'k0smotron', name: 'k0smotron-operator' });
  expect(dep.spec?.replicas).toBe(1);
  // A server dry run now that the namespace exists: every object is sent, and none is changed.
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  await apps.patchNamespacedDeployment(
    { namespace: 'k0smotron', name: 'k0smotron-operator', body: { spec: { replicas: 0 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const dry = await k(['install', '--dry-run=server']);
  expect(dry).toEqual({ code: 0, stdout: r.stdout.replace(/ serverside-applied\n/g, ' serverside-applied (server dry run)\n'), stderr: '' });
  expect((await apps.readNamespacedDeployment({ namespace: 'k0smotron', name: 'k0smotron-operator' })).spec?.replicas).toBe(0);
  // Its pod runs on a hollow node, whose fake address never answers the HTTP readiness probe:
  // --wait must give up with the Deployment's state.
  const w = await k(['install', '--wait', '--timeout', '10s']);
  expect(w.code).toBe(1);
  expect(w.stderr).toMatch(/\] deployment\/k0smotron-operator: 0\/1 ready\n/);
  expect(w.stderr).toMatch(/\nerror: timed out after 10s waiting for deployment\/k0smotron-operator in k0smotron; 0\/1 ready, \S+=\S+/);
  expect(w.stderr).toContain('hint: see `kubectl -n k0smotron describe deployment k0smotron-operator`\n');
});

it('uninstall refuses while Clusters exist, unless --force', async () => {
  expect((await k(['create', 'keep', '-n', 'default'])).code).toBe(0);
  const r = await k(['uninstall']);
  expect(r).toEqual({
    code: 1,
    stdout: '',
    stderr:
      'error: refusing to uninstall: 1 cluster still exists (default/keep)\n' +
      'hint: delete them first with `kubectl k0smotron delete NAME -n NAMESPACE`, or pass --force to delete them too\n',
  });
  const dry = await k(['uninstall', '--force', '--dry-run=client']);
  expect(dry.stdout).toContain('cluster.k0smotron.io/keep deleted (dry run)\n');
  expect(await crdExists('clusters.k0smotron.io')).toBe(true);
  // A server dry run refuses the same way, and with --force lists the same objects, each checked
  // by the server, and removes nothing.
  expect(await k(['uninstall', '--dry-run=server'])).toEqual(r);
  const serverDry = await k(['uninstall', '--force', '--dry-run=server']);
  expect(serverDry).toEqual({ code: 0, stdout: dry.stdout.replace(/ \(dry run\)\n/g, ' (server dry run)\n'), stderr: '' });
  expect(serverDry.stdout.split('\n')[0]).toBe('cluster.k0smotron.io/keep deleted (server dry run)');
  expect(serverDry.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/clusters.k0smotron.io deleted (server dry run)\n');
  expect(serverDry.stdout).toContain('namespace/k0smotron deleted (server dry run)\n');
  expect(await crdExists('clusters.k0smotron.io')).toBe(true);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  expect((await core.readNamespace({ name: 'k0smotron' })).status?.phase).toBe('Active');
  await cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'k0smotron', name: 'k0smotron-operator' });
  const keep = (await cluster.kubeConfig
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ group: 'k0smotron.io', version: 'v1beta2', namespace: 'default', plural: 'clusters', name: 'keep' })) as {
    metadata: { deletionTimestamp?: string };
  };
  expect(keep.metadata.deletionTimestamp).toBeUndefined();
  const forced = await k(['uninstall', '--force', '--wait', '--timeout', '3m']);
  expect(forced.stderr).toContain('✔ k0smotron is uninstalled');
  expect(forced.code).toBe(0);
  expect(forced.stdout).toContain('cluster.k0smotron.io/keep deleted\n');
  expect(forced.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/clusters.k0smotron.io deleted\n');
  expect(await crdExists('clusters.k0smotron.io')).toBe(false);
  // Nothing left to remove: uninstall is idempotent too.
  const again = await k(['uninstall']);
  expect(again.code).toBe(0);
});
