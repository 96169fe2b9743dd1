// `kubectl k0smotron` on a management cluster where upstream k0smotron's Go operator runs and
// ours does not: its CRDs (status schemas of its Go types), its Deployment, and Clusters whose
// status has its shape (`ClusterStatus` with `deprecated.v1beta1{reconciliationStatus, ready}`, no
// endpoint, its condition reasons), written through the status subresource by this test, as its
// controller would. Upstream's join-token Secrets come from a stand-in for its JoinTokenRequest
// controller. The cluster is this file's own: upstream's CRDs replace ours, which the shared
// cluster's other tests need. See @k0smotron/api/testing for the shapes and their Go sources.
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { k0sJoinToken, seedUpstreamManagementCluster, startUpstreamJoinTokenController } from '@k0smotron/api/testing';
import { createCa } from '@k0smotron/operator/pki';
import { deadKubeconfig, pluginCli, pluginPathDir, until } from './testing/plugin';

jest.setTimeout(300_000);

const ns = 'team';
let cluster: TestCluster;
let kc: KubeConfig;
let pathDir: string;
const k = pluginCli(() => ({ kubectl: cluster.kubectlPath, pathDir, kubeconfig: cluster.kubeconfigPath, namespace: ns }));
const ca = createCa('kubernetes', new Date(), 1);
// Nothing listens there: commands that try the control plane fail at once, on this machine.
const adminKubeconfig = (name: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: ${name}-k0s\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: ${Buffer.from(ca.cert).toString('base64')}\ncontexts:\n- name: ${name}-admin@${name}-k0s\n  context:\n    cluster: ${name}-k0s\n    user: ${name}-admin\ncurrent-context: ${name}-admin@${name}-k0s\nusers:\n- name: ${name}-admin\n  user:\n    token: admin-token-of-${name}\n`;

beforeAll(async () => {
  pathDir = pluginPathDir();
  cluster = await startTestCluster({ nodes: 1, installCrds: false });
  kc = cluster.kubeConfig;
  await seedUpstreamManagementCluster(kc, { namespace: ns, ca, adminKubeconfig });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

it('list shows phases and endpoints read from upstream status, not "no operator"', async () => {
  const r = await k(['list', '-o', 'wide']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const rows = r.stdout.trimEnd().split('\n');
  expect(rows[0]).toMatch(/^NAME\s+READY\s+PHASE\s+VERSION\s+WORKERS\s+SERVICE\s+ENDPOINT\s+STORAGE\s+AGE$/);
  expect(rows[1]).toMatch(/^broken\s+1\/1\s+Degraded\s+<unset>\s+-\s+NodePort\s+https:\/\/127\.0\.0\.1:30444\s+etcd\s+\S+$/);
  expect(rows[2]).toMatch(/^edge\s+1\/1\s+Available\s+v1\.30\.2-k0s\.0\s+-\s+NodePort\s+https:\/\/127\.0\.0\.1:30443\s+etcd\s+\S+$/);
  expect(rows[3]).toMatch(/^inside\s+1\/1\s+Available\s+<unset>\s+-\s+ClusterIP\s+https:\/\/kmc-inside\.team\.svc:30443\s+etcd\s+\S+$/);
});

it('status says who manages the Cluster and shows its endpoint, without blaming a missing operator', async () => {
  // The StatefulSet upstream made really becomes Ready on the hollow node.
  await until(
    'kmc-inside Ready',
    async () => ((await kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ namespace: ns, name: 'kmc-inside' })).status?.readyReplicas ?? 0) >= 1,
  );
  const r = await k(['status', 'inside']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Name:           ${ns}/inside\nPhase:          Available\nAge:            `);
  expect(r.stdout).toContain('Managed by:     the upstream k0smotron operator (managed elsewhere)\nReconciliation: Reconciliation successful\n');
  expect(r.stdout).not.toContain('Paused:');
  expect(r.stdout).toMatch(/Replicas:\s+1\/1 ready, 1 up to date/);
  expect(r.stdout).toContain('Endpoint:   https://kmc-inside.team.svc:30443 (the Service DNS name, inside the management cluster)\n');
  expect(r.stdout).toMatch(/Service:\s+kmc-inside \(ClusterIP\)/);
  expect(r.stdout).toMatch(/Kubeconfig:\s+Secret inside-kubeconfig/);
  expect(r.stdout).toMatch(/\nca\s+inside-ca\s+20\d\d-/);
  expect(r.stdout).toMatch(/\nControlPlaneFunctional\s+True\s+KubeSystemNamespaceFound\s/);
  expect(r.stdout).not.toMatch(/operator running|no status|has not reconciled/);
  // Upstream's Available=False for a ClusterIP control plane is not listed as a problem; its
  // missing etcd certificates (not made here) are.
  expect(r.stdout).not.toContain('Available is False');

  const broken = await k(['status', 'broken', '-o', 'json']);
  const report = JSON.parse(broken.stdout) as {
    phase: string;
    managedBy: string;
    reconciliationStatus: string;
    controlPlane: { endpoint: string; endpointSource: string };
    problems: string[];
  };
  expect(report.phase).toBe('Degraded');
  expect(report.managedBy).toBe('upstream');
  expect(report.reconciliationStatus).toBe('Failed reconciling kubeconfig secret');
  expect(report.controlPlane).toMatchObject({ endpoint: 'https://127.0.0.1:30444', endpointSource: 'externalAddress' });
  expect(report.problems).toContain("ControlPlaneFunctional is False: InternalError — failed to get namespace 'kube-system': connection refused");
});

it('describe marks a serving upstream Cluster ready, with what upstream made under it', async () => {
  const r = await k(['describe', 'inside', '--grouping=false']);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[1]).toMatch(/^Cluster\/inside\s+True\s+\S+$/);
  expect(r.stdout).toMatch(/\n├─Service\/kmc-inside\s+True\s+\S+\s+ClusterIP\n/);
  expect(r.stdout).toMatch(/\n├─StatefulSet\/kmc-inside\s+True\s+\S+\s+1\/1 ready\n/);
  expect(r.stdout).toMatch(/Secret\/inside-kubeconfig\s+True/);
  const broken = await k(['describe', 'broken']);
  expect(broken.stdout.split('\n')[1]).toMatch(/^Cluster\/broken\s+False\s+InternalError\s+\S+\s+Degraded$/);
});

it('kubeconfig signs for the user against the derived endpoint, and --admin prints what upstream stored', async () => {
  const user = await k(['kubeconfig', 'edge', '--expiry', '1h']);
  expect(user.code).toBe(0);
  const cfg = parse(user.stdout) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
  expect(cfg.clusters[0].cluster.server).toBe('https://127.0.0.1:30443');
  expect(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(ca.cert);
  const inside = parse((await k(['kubeconfig', 'inside'])).stdout) as typeof cfg;
  expect(inside.clusters[0].cluster.server).toBe('https://kmc-inside.team.svc:30443');
  const admin = await k(['kubeconfig', 'edge', '--admin']);
  expect(admin.code).toBe(0);
  expect(admin.stdout.trimEnd()).toBe(adminKubeconfig('edge').trimEnd());
});

it('join-token takes the token from the Secret upstream writes and estimates its expiry', async () => {
  const controller = startUpstreamJoinTokenController(kc, ns, () => ({
    token: k0sJoinToken('https://127.0.0.1:30443', ca.cert, 'abcdef', '0123456789abcdef'),
    id: 'abcdef',
  }));
  try {
    const started = Date.now();
    const r = await k(['join-token', 'edge', '--expiry', '1h', '--name', 'edge-worker']);
    expect(r.code).toBe(0);
    const kubeconfig = gunzipSync(Buffer.from(r.stdout.trim(), 'base64')).toString();
    expect(kubeconfig).toContain('token: abcdef.0123456789abcdef');
    const until = r.stderr.match(/Token issued, valid until about (\S+); revoke it with `kubectl k0smotron join-token revoke edge-worker`\./)?.[1];
    expect(until).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const left = Date.parse(until!) - started;
    expect(left).toBeGreaterThan(3_590_000);
    expect(left).toBeLessThan(3_700_000);
    const list = await k(['join-token', 'list']);
    expect(list.stdout).toMatch(new RegExp(`\\nedge-worker\\s+edge\\s+worker\\s+True\\s+~${until!.replace(/[.]/g, '\\.')}\\s+\\S+\\n`));
    const status = await k(['status', 'edge']);
    expect(status.stdout).toMatch(new RegExp(`edge-worker\\s+worker\\s+yes\\s+${until!.replace(/[.]/g, '\\.')} \\(estimated\\)`));
    // Without --expiry the request still names one (our default, 24h): upstream's CRD would
    // default an absent expiry to 0s, a token that never expires.
    const plain = await k(['join-token', 'edge', '--name', 'edge-default']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/Token issued, valid until about \S+; /);
    const stored = (await kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'jointokenrequests', name: 'edge-default' })) as {
      spec: { expiry?: string };
    };
    expect(stored.spec.expiry).toBe('24h');
  } finally {
    await controller.stop();
  }
});

it('install finds the upstream operator, says so and changes nothing unless --force', async () => {
  const before = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'clusters.k0smotron.io' });
  for (const args of [['install'], ['install', '--dry-run=server'], ['uninstall']]) {
    const r = await k(args, { namespace: null });
    expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: '' });
    expect(r.stderr).toContain(
      'error: the upstream k0smotron operator already runs on this cluster (deployment k0smotron/k0smotron-controller-manager (quay.io/k0sproject/k0smotron:v1.5.0); ' +
        'CRD clusters.k0smotron.io (generated by controller-gen v0.16.1); CRD jointokenrequests.k0smotron.io (generated by controller-gen v0.16.1)); ',
    );
    expect(r.stderr).toContain('. Nothing was changed\nhint: ');
  }
  expect((await k(['install'], { namespace: null })).stderr).toContain(
    'hint: no install is needed: list, status, describe, kubeconfig and join-token work with Clusters it manages; to replace it, remove it first, or pass --force\n',
  );
  const after = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'clusters.k0smotron.io' });
  expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  await expect(kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'k0smotron', name: 'k0smotron-operator' })).rejects.toMatchObject({
    code: 404,
  });
  // Asked for: it warns and goes on (a client dry run here, so the cluster stays as it is).
  const forced = await k(['install', '--force', '--dry-run=client'], { namespace: null });
  expect(forced.code).toBe(0);
  expect(forced.stderr).toMatch(
    /^warning: the upstream k0smotron operator runs here \(.*\); --force: installing anyway: installing this operator would replace upstream's CRDs/,
  );
  expect(forced.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/clusters.k0smotron.io configured (dry run)\n');
});

it('install without permission to list Deployments says so, and still finds upstream by its CRDs', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'crd-reader' } } });
  await rbac.createClusterRole({
    body: { metadata: { name: 'crd-reader' }, rules: [{ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get'] }] },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'crd-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'crd-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'crd-reader', namespace: ns }],
    },
  });
  const token = await until('the crd-reader token', async () => {
    const secretName = (await core.readNamespacedServiceAccount({ namespace: ns, name: 'crd-reader' })).secrets?.[0]?.name;
    if (!secretName) return undefined;
    const secret = await core.readNamespacedSecret({ namespace: ns, name: secretName });
    return secret.data?.token ? Buffer.from(secret.data.token, 'base64').toString() : undefined;
  });
  const file = join(mkdtempSync(join(tmpdir(), 'k0smotron-upstream-')), 'crd-reader.kubeconfig');
  writeFileSync(file, deadKubeconfig(kc.getCurrentCluster()!.server).replace('token: x', `token: ${token}`));
  const r = await k(['install', '--dry-run=client'], { kubeconfig: file, namespace: null });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^warning: cannot look for the upstream k0smotron operator's Deployment: forbidden: you cannot list deployments\.apps\n/);
  expect(r.stderr).toContain(
    'error: the upstream k0smotron operator already runs on this cluster (CRD clusters.k0smotron.io (generated by controller-gen v0.16.1); CRD jointokenrequests.k0smotron.io',
  );
});
