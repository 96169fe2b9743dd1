// The plugin as users run it: `kubectl k0smotron …` through Debian's kubectl 1.20 with the
// bundled plugin on PATH, against the shared test cluster, with the operator running in-process
// (watching only this test's namespace). Pods on hollow nodes never run k0s, so an operator-made
// Cluster never becomes Available here; where a test needs an Available Cluster, it writes the
// status the operator would write, in a namespace the operator does not watch. For join tokens,
// a second real kube-apiserver started with the Cluster's PKI stands in for the k0s API.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, readChildApiPki, sharedTestCluster, startChildApiServer, type ChildApiServer } from '@k0smotron/testenv';
import { startOperator, type RunningOperator, staticChildApi } from '@k0smotron/operator';
import { clusterPhase, findCondition, parseTenantPolicy, type Cluster } from '@k0smotron/api';
import { deadKubeconfig, pluginCli, pluginPathDir, runWithPath, until, COMPLETE_SHIM } from './testing/plugin';

jest.setTimeout(240_000);

let pathDir: string;
let ns: string;
let kubeconfigPath: string;
let kubectlBin: string;
let kc: KubeConfig;
let idle: string;
let operator: RunningOperator | undefined;
let child: ChildApiServer | undefined;
const childUrls = new Map<string, string>();
const work = mkdtempSync(join(tmpdir(), 'k0smotron-plugin-test-'));

const k = pluginCli(() => ({ kubectl: kubectlBin, pathDir, kubeconfig: kubeconfigPath, namespace: ns }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON, read by the assertions
async function getCluster(name: string, namespace = ns): Promise<Record<string, any> | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    return (await api.getNamespacedCustomObject({ group: 'k0smotron.io', version: 'v1beta2', namespace, plural: 'clusters', name })) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  const shared = sharedTestCluster();
  kc = shared.kubeConfig;
  kubeconfigPath = shared.kubeconfigPath;
  kubectlBin = shared.kubectlPath;
  pathDir = pluginPathDir();
  ns = await createTestNamespace(kc, 'plugin');
  idle = await createTestNamespace(kc, 'plugin-idle');
  operator = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    logLevel: 'error',
    childApi: staticChildApi(c => childUrls.get(c.metadata.name ?? '')),
    // A platform may allow tokens that never expire; the join-token tests show how the plugin
    // prints one. (The default policy refuses them: operator/src/tenancy.)
    policy: parseTenantPolicy({ allowNeverExpiringJoinTokens: true }),
  });
});

afterAll(async () => {
  await operator?.stop();
  await child?.stop();
});

describe('basics', () => {
  it('is found by kubectl and prints help with every command', async () => {
    const r = await k(['--help'], { namespace: null });
    expect(r.code).toBe(0);
    for (const cmd of [
      'create',
      'list',
      'status',
      'describe',
      'kubeconfig',
      'join-token',
      'delete',
      'scale',
      'upgrade',
      'pause',
      'resume',
      'sleep',
      'wake',
      'install',
      'uninstall',
      'version',
      'completion',
    ]) {
      expect(r.stdout).toContain(`kubectl k0smotron ${cmd}`);
    }
    const plugins = await runWithPath(kubectlBin, ['plugin', 'list'], pathDir);
    expect(plugins.stdout).toContain(join(pathDir, 'kubectl-k0smotron'));
  });

  it('prints its version, also as JSON', async () => {
    const r = await k(['version'], { namespace: null });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kubectl-k0smotron v0\.1\.0 \(node v\d+/);
    const j = JSON.parse((await k(['version', '-o', 'json'], { namespace: null })).stdout);
    expect(j.clientVersion.plugin).toBe('v0.1.0');
  });

  it('rejects unknown commands and flags with one line and a hint', async () => {
    const r = await k(['frobnicate'], { namespace: null });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*frobnicate.*\nhint: run `kubectl k0smotron --help` for usage\n$/);
    const f = await k(['list', '--bogus']);
    expect(f.code).toBe(1);
    expect(f.stderr).toBe('error: unknown command, flag or argument: bogus\nhint: run `kubectl k0smotron --help` for usage\n');
    const missing = await k(['scale']);
    expect(missing.stderr).toBe('error: not enough non-option arguments: got 0, need at least 1\nhint: run `kubectl k0smotron COMMAND --help` for usage\n');
  });
});

describe('create', () => {
  it('renders with --dry-run=client -o yaml and stores nothing', async () => {
    const r = await k([
      'create',
      'draft',
      '--replicas',
      '3',
      '--k0s-version',
      'v1.30.2-k0s.0',
      '--image',
      'example.org/k0s',
      '--service-type',
      'NodePort',
      '--api-port',
      '31443',
      '--konnectivity-port',
      '31132',
      '--external-address',
      'cp.example.org',
      '--etcd-size',
      '2Gi',
      '--etcd-storage-class',
      'standard',
      '--persistence',
      'emptyDir',
      '--labels',
      'env=dev,team=infra',
      '--annotations',
      'note=hi',
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = parse(r.stdout);
    expect(c).toEqual({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'draft', namespace: ns, labels: { env: 'dev', team: 'infra' }, annotations: { note: 'hi' } },
      spec: {
        replicas: 3,
        version: 'v1.30.2-k0s.0',
        image: 'example.org/k0s',
        externalAddress: 'cp.example.org',
        service: { type: 'NodePort', apiPort: 31443, konnectivityPort: 31132 },
        storage: { type: 'etcd', etcd: { persistence: { size: '2Gi', storageClass: 'standard' } } },
        persistence: { type: 'emptyDir' },
      },
    });
    expect(await getCluster('draft')).toBeUndefined();
    const plain = await k(['create', 'draft', '--dry-run']);
    expect(plain.stdout).toBe('cluster.k0smotron.io/draft created (dry run)\n');
  });

  it('maps kine, hostPath, PVC and k0s config flags', async () => {
    const cfg = join(work, 'k0s.yaml');
    writeFileSync(cfg, 'apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nspec:\n  network:\n    serviceCIDR: 10.100.0.0/16\n');
    const kine = parse(
      (await k(['create', 'k', '--kine-url', 'postgres://u:p@db:5432/k0s', '--host-path', '/var/lib/k', '--k0s-config', cfg, '--dry-run=client', '-o', 'yaml']))
        .stdout,
    );
    expect(kine.spec.storage).toEqual({ type: 'kine', kine: { dataSourceURL: 'postgres://u:p@db:5432/k0s' } });
    expect(kine.spec.persistence).toEqual({ type: 'hostPath', hostPath: '/var/lib/k' });
    expect(kine.spec.k0sConfig.spec.network.serviceCIDR).toBe('10.100.0.0/16');
    const sec = parse(
      (
        await k([
          'create',
          'k',
          '--storage',
          'kine',
          '--kine-secret',
          'db-url',
          '--persistence-size',
          '3Gi',
          '--persistence-storage-class',
          'standard',
          '--dry-run=client',
          '-o',
          'json',
        ])
      ).stdout,
    );
    expect(sec.spec.storage).toEqual({ type: 'kine', kine: { dataSourceSecretName: 'db-url' } });
    expect(sec.spec.persistence.persistentVolumeClaim.spec.resources.requests.storage).toBe('3Gi');
  });

  it('validates on the server with --dry-run=server and stores nothing', async () => {
    const r = await k(['create', 'probe', '--replicas', '1', '--dry-run=server', '-o', 'json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.metadata.uid).toBeDefined(); // answered by the API server
    expect(c.metadata.managedFields).toBeUndefined();
    expect(await getCluster('probe')).toBeUndefined();
  });

  it('checks flag values with the shared validator before any request', async () => {
    // --request-timeout 1s against an unreachable server: a request would fail differently.
    const cases: [string[], RegExp, string][] = [
      [['--service-type', 'Foo'], /^error: invalid --service-type "Foo": /, 'hint: valid values: ClusterIP, NodePort, LoadBalancer\n'],
      [['--storage', 'nats'], /^error: invalid --storage "nats": /, 'hint: valid values: etcd, kine\n'],
      [['--persistence', 'tmpfs'], /^error: invalid --persistence "tmpfs": /, 'hint: valid values: emptyDir, hostPath, pvc\n'],
      [['--k0s-version', '1.30'], /^error: invalid --version "1\.30": /, 'hint: use a k0s version such as v1.30.2-k0s.0 (or v1.30.2+k0s.0, or v1.30.2)\n'],
      [['--replicas', '100'], /^error: invalid --replicas "100": /, 'hint: use a whole number from 0 to 99\n'],
      [['--replicas', 'three'], /^error: invalid --replicas "three": not a whole number\n/, 'hint: use a whole number from 0 to 99\n'],
      [['--api-port', '70000'], /^error: invalid --api-port "70000": /, 'hint: use a port number from 1 to 65535\n'],
      [
        ['--external-address', 'https://x:1'],
        /^error: invalid --external-address "https:\/\/x:1": /,
        'hint: use a host name or IP address without scheme or port\n',
      ],
      [['--dry-run=maybe'], /^error: invalid --dry-run "maybe"\n/, 'hint: valid values: none, client, server\n'],
      [['-o', 'table'], /^error: invalid --output "table"\n/, 'hint: valid values: yaml, json, name\n'],
    ];
    const dead = join(work, 'dead.kubeconfig');
    writeFileSync(dead, deadKubeconfig('https://127.0.0.1:1'));
    for (const [flags, first, hint] of cases) {
      const r = await k(['create', 'bad', ...flags], { kubeconfig: dead });
      expect({ flags, code: r.code, first: first.test(r.stderr), hint: r.stderr.endsWith(hint), lines: r.stderr.trimEnd().split('\n').length }).toEqual({
        flags,
        code: 1,
        first: true,
        hint: true,
        lines: 2,
      });
    }
    const name = await k(['create', 'Bad_Name'], { kubeconfig: dead });
    expect(name.stderr).toMatch(/^error: invalid NAME "Bad_Name": /);
  });

  it('creates from -f (file or stdin) and refuses a conflicting -n', async () => {
    const manifest = `apiVersion: k0smotron.io/v1beta2\nkind: Cluster\nmetadata:\n  name: fromfile\nspec:\n  replicas: 1\n  service:\n    type: ClusterIP\n`;
    const file = join(work, 'c.yaml');
    writeFileSync(file, manifest);
    const r = await k(['create', '-f', file]);
    expect(r).toEqual({ code: 0, stdout: 'cluster.k0smotron.io/fromfile created\n', stderr: '' });
    expect((await getCluster('fromfile'))?.spec.service.type).toBe('ClusterIP');
    const stdin = await k(['create', 'fromstdin', '-f', '-', '-o', 'name'], { input: manifest });
    expect(stdin.stdout).toBe('cluster.k0smotron.io/fromstdin\n');
    writeFileSync(file, manifest.replace('name: fromfile', 'name: other\n  namespace: elsewhere'));
    const clash = await k(['create', '-f', file]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toBe(
      `error: the namespace of the Cluster in ${file} ("elsewhere") does not match -n "${ns}"\nhint: drop -n, or change metadata.namespace\n`,
    );
    const mixed = await k(['create', '-f', file, '--replicas', '2']);
    expect(mixed.stderr).toBe('error: --replicas cannot be combined with -f\nhint: put the setting into the manifest, or drop -f\n');
    const dup = await k(['create', 'fromfile']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe(`error: cluster "fromfile" already exists in namespace "${ns}"\nhint: choose another name, or delete the existing one first\n`);
  });

  it('gives a NodePort Cluster without ports a pair no Service holds, and says so when it moved off the defaults', async () => {
    const r = await k(['create', 'np-auto', '--service-type', 'NodePort', '--dry-run=server', '-o', 'json']);
    expect(r.code).toBe(0);
    const spec = (JSON.parse(r.stdout) as Cluster).spec!;
    const used = new Set<number>();
    for (const svc of (await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces()).items) {
      for (const p of svc.spec?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
    }
    const api = spec.service?.apiPort ?? 30443;
    const konnectivity = spec.service?.konnectivityPort ?? 30132;
    expect({ api: used.has(api), konnectivity: used.has(konnectivity) }).toEqual({ api: false, konnectivity: false });
    // The API server defaults the ports (30443/30132) when the plugin left them out.
    if (api === 30443 && konnectivity === 30132) expect(r.stderr).toBe('');
    else
      expect(r.stderr).toBe(
        `NodePorts 30443/30132 are taken: using ${api} (API) and ${konnectivity} (konnectivity); pass --api-port and --konnectivity-port to choose\n`,
      );
  });

  it('--wait shows progress on stderr and fails on timeout with the last condition', async () => {
    const r = await k(['create', 'slow', '--replicas', '1', '--wait', '--timeout', '4s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('cluster.k0smotron.io/slow created\n');
    expect(r.stderr).toContain('Waiting up to 4s for cluster/slow to become Available…');
    expect(r.stderr).toMatch(/\] cluster\/slow: (Progressing|Degraded), 0\/1 ready/);
    expect(r.stderr).toMatch(/\nerror: timed out after 4s waiting for cluster "slow" to become Available; last condition: \S+=\S+ /);
    expect(r.stderr).toContain(`hint: see \`kubectl k0smotron status slow\`, or wait longer with --timeout\n`);
  });

  it('--wait succeeds once the Cluster is Available', async () => {
    let progress = '';
    const running = k(['create', 'ready', '--wait', '--timeout', '60s'], { namespace: idle, onStderr: d => (progress += d) });
    await until('the first progress line', async () => progress.includes('cluster/ready: Progressing, 0/1 ready'), 60_000);
    // Stand-in for the operator (not watching this namespace): the status it writes once the
    // control plane answers, which no k0s on a hollow node ever does.
    const now = new Date().toISOString();
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
      {
        group: 'k0smotron.io',
        version: 'v1beta2',
        namespace: idle,
        plural: 'clusters',
        name: 'ready',
        body: {
          status: {
            replicas: 1,
            readyReplicas: 1,
            observedGeneration: 1,
            conditions: [{ type: 'Available', status: 'True', reason: 'Available', message: 'the control plane answers', lastTransitionTime: now }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const r = await running;
    expect(r.stderr).toMatch(/\] cluster\/ready: Progressing, 0\/1 ready/);
    expect(r.stderr).toContain('✔ cluster/ready is Available');
    expect(r.code).toBe(0);
  });

  it('creates the Cluster the operator builds (used by the tests below)', async () => {
    // Ports of its own: NodePorts are cluster-wide, and other suites of the run use the defaults.
    const r = await k([
      'create',
      'demo',
      '--replicas',
      '1',
      '--service-type',
      'NodePort',
      '--api-port',
      '31543',
      '--konnectivity-port',
      '31532',
      '--labels',
      'tier=gold',
    ]);
    expect(r).toEqual({ code: 0, stdout: 'cluster.k0smotron.io/demo created\n', stderr: '' });
    await until('the operator to create kmc-demo and demo-kubeconfig', async () => {
      const c = await getCluster('demo');
      return !!c?.status?.conditions?.length && (await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: 'demo-kubeconfig' }));
    });
    const pki = await until('the PKI Secrets of demo', () => readChildApiPki(kc, ns, 'demo'));
    child = await startChildApiServer({ pki, log: () => {}, startTimeoutMs: 120_000 });
    childUrls.set('demo', child.url);
    // With its API answering and its pod Ready, the operator declares demo Available.
    await until('demo to become Available', async () => (await demoFacts()).phase === 'Available', 150_000);
  }, 420_000);
});

/** What the API says about demo right now: the plugin's output is checked against it. */
async function demoFacts(): Promise<{ phase: string; ready: number; available: string; stsReady: number }> {
  const c = (await getCluster('demo')) as Cluster;
  const sts = await kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ namespace: ns, name: 'kmc-demo' });
  return {
    phase: clusterPhase(c),
    ready: c.status?.readyReplicas ?? 0,
    available: findCondition(c, 'Available')?.status ?? 'Unknown',
    stsReady: sts.status?.readyReplicas ?? 0,
  };
}

describe('list / get', () => {
  it('prints a kubectl-style table, wide, json, yaml and names', async () => {
    const r = await k(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+PHASE\s+VERSION\s+WORKERS\s+AGE$/);
    expect(lines.slice(1).map(l => l.split(/\s+/)[0])).toEqual(['demo', 'fromfile', 'fromstdin', 'slow']);
    const f = await demoFacts();
    expect(r.stdout).toMatch(new RegExp(`\\ndemo\\s+${f.ready}/1\\s+${f.phase}\\s+v1\\.27\\.9-k0s\\.0\\s+(-|\\d+/\\d+)\\s+\\S+\\n`));
    expect((await k(['list'], { namespace: idle })).stdout).toMatch(/\nready\s+1\/1\s+Available\s+v1\.27\.9-k0s\.0\s+(-|\d+\/\d+)\s+\S+\n/);
    const wide = await k(['get', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+PHASE\s+VERSION\s+WORKERS\s+SERVICE\s+ENDPOINT\s+STORAGE\s+AGE$/);
    expect(wide.stdout).toMatch(new RegExp(`\\ndemo\\s+${f.ready}/1\\s+${f.phase}\\s+\\S+\\s+(-|\\d+/\\d+)\\s+NodePort\\s+https://\\S+:31543\\s+etcd\\s+`));
    const json = JSON.parse((await k(['list', '-o', 'json'])).stdout);
    expect(json.kind).toBe('List');
    expect(json.items).toHaveLength(4);
    const one = parse((await k(['get', 'demo', '-o', 'yaml'])).stdout);
    expect(one.kind).toBe('Cluster');
    expect(one.metadata.name).toBe('demo');
    expect((await k(['list', '-o', 'name'])).stdout).toBe(
      'cluster.k0smotron.io/demo\ncluster.k0smotron.io/fromfile\ncluster.k0smotron.io/fromstdin\ncluster.k0smotron.io/slow\n',
    );
    expect((await k(['list', '--no-headers'])).stdout.split('\n')[0]).toMatch(/^demo\s/);
  });

  it('filters with -l and spans namespaces with -A', async () => {
    expect((await k(['list', '-l', 'tier=gold', '-o', 'name'])).stdout).toBe('cluster.k0smotron.io/demo\n');
    const all = await k(['list', '-A']);
    expect(all.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+PHASE\s+VERSION\s+WORKERS\s+AGE$/);
    expect(all.stdout).toMatch(new RegExp(`\\n${ns}\\s+demo\\s+`));
    expect(all.stdout).toMatch(new RegExp(`\\n${idle}\\s+ready\\s+`));
  });

  it('says so when nothing matches, on stderr', async () => {
    const r = await k(['list', '-l', 'tier=none']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: `No clusters found in ${ns} namespace.\n` });
  });

  it('colours only on request: --color=always, never with NO_COLOR or a pipe', async () => {
    expect((await k(['list'])).stdout).not.toContain('\x1b[');
    expect((await k(['list', '--color=always'])).stdout).toContain('\x1b[33mProgressing\x1b[39m'); // slow
    expect((await k(['list', '--color=always'], { namespace: idle })).stdout).toContain('\x1b[32mAvailable\x1b[39m');
    expect((await k(['list'], { env: { NO_COLOR: '1' } })).stdout).not.toContain('\x1b[');
    expect((await k(['list', '--color', 'never'])).stdout).not.toContain('\x1b[');
    const bad = await k(['list', '--color', 'pink']);
    expect(bad.stderr).toBe('error: invalid --color "pink"\nhint: valid values: auto, always, never\n');
  });
});

describe('status and describe', () => {
  it('shows sections, certificate expiry dates and conditions', async () => {
    const r = await k(['status', 'demo']);
    expect(r.code).toBe(0);
    for (const title of ['Cluster Summary', 'Control Plane', 'Datastore', 'Certificates', 'Conditions'])
      expect(r.stdout).toContain(`\n${title}\n`.slice(title === 'Cluster Summary' ? 1 : 0));
    const f = await demoFacts();
    expect(r.stdout).toContain(`Name:   ${ns}/demo\nPhase:  ${f.phase}\n`);
    expect(r.stdout).toMatch(new RegExp(`Replicas:\\s+${f.stsReady}/1 ready`));
    expect(r.stdout).toMatch(/Endpoint:\s+https:\/\/\S+:31543\n/);
    expect(r.stdout).toMatch(/Service:\s+kmc-demo-nodeport \(NodePort\)/);
    expect(r.stdout).toMatch(/Kubeconfig:\s+Secret demo-kubeconfig/);
    expect(r.stdout).toMatch(/\nca\s+demo-ca\s+20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d+y/);
    expect(r.stdout).toMatch(/\netcd-server\s+demo-etcd-server\s+20\d\d-/);
    expect(r.stdout).toMatch(/\nsa\s+demo-sa\s+<unknown>\n/); // a key pair, no expiry
    expect(r.stdout).toMatch(new RegExp(`\\nAvailable\\s+${f.available}\\s+`));
    if (f.available === 'True') expect(r.stdout).not.toContain('\nProblems\n');
    else expect(r.stdout).toMatch(/\nProblems\n- Available is False: /);
    expect(r.stdout).toMatch(/\nRecent Events\nLAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
    expect(r.stdout).not.toContain('BEGIN'); // no key material
    const verbose = await k(['status', 'demo', '-v']);
    expect(verbose.stdout).toMatch(
      new RegExp(`\\nInstances\\nNAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+NODE\\s+AGE\\nkmc-demo-0\\s+${f.stsReady > 0}\\s+\\S+\\s+0\\s+hollow-node`),
    );
  });

  it('gathers problems instead of aborting, and prints JSON', async () => {
    const r = await k(['status', 'slow', '-o', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.name).toBe('slow');
    expect(j.certificates.map((c: { type: string }) => c.type)).toEqual(['ca', 'sa', 'proxy', 'etcd', 'apiserver-etcd-client', 'etcd-server', 'etcd-peer']);
    await k(['pause', 'fromfile']);
    const text = await k(['status', 'fromstdin']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\nProblems\n- /);
  });

  it('prints the same report as YAML with -o yaml', async () => {
    const yaml = await k(['status', 'demo', '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(yaml.stderr).toBe('');
    expect(yaml.stdout.startsWith(`name: demo\nnamespace: ${ns}\nphase: `)).toBe(true);
    const y = parse(yaml.stdout);
    const j = JSON.parse((await k(['status', 'demo', '-o', 'json'])).stdout);
    // Only what cannot change between the two calls (events and readiness may).
    for (const key of ['name', 'namespace', 'createdAt', 'certificates'] as const) expect({ key, value: y[key] }).toEqual({ key, value: j[key] });
    expect(y.controlPlane).toMatchObject({
      desiredReplicas: 1,
      version: 'v1.27.9-k0s.0',
      endpoint: expect.stringMatching(/^https:\/\/\S+:31543$/),
      kubeconfigSecret: 'demo-kubeconfig',
    });
    expect(y.controlPlane.service).toMatchObject({ name: 'kmc-demo-nodeport', type: 'NodePort' });
    expect(y.datastore).toMatchObject({ type: 'etcd', statefulSet: 'kmc-demo-etcd', size: '1Gi' });
    expect(y.certificates.filter((c: { notAfter?: string }) => /^20\d\d-\d\d-\d\dT/.test(c.notAfter ?? '')).map((c: { type: string }) => c.type)).toEqual([
      'ca',
      'proxy',
      'etcd',
      'apiserver-etcd-client',
      'etcd-server',
      'etcd-peer',
    ]);
    expect(y.conditions.map((c: { type: string }) => c.type)).toContain('Available');
    expect(yaml.stdout).not.toContain('BEGIN'); // no key material
  });

  it('describes the ownership tree with readiness', async () => {
    const r = await k(['describe', 'demo']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+REASON\s+SINCE\s+MESSAGE$/);
    const f = await demoFacts();
    expect(lines[1]).toMatch(f.available === 'True' ? /^Cluster\/demo\s+True\s+\S+$/ : /^Cluster\/demo\s+False\s+[A-Za-z]+\s+\S+\s+Progressing$/);
    expect(r.stdout).toMatch(/\n├─Service\/kmc-demo-nodeport\s+True\s+\S+\s+NodePort\n/);
    expect(r.stdout).toMatch(
      f.stsReady === 1
        ? /\n├─StatefulSet\/kmc-demo\s+True\s+\S+\s+1\/1 ready\n│ └─Pod\/kmc-demo-0\s+True\s/
        : /\n├─StatefulSet\/kmc-demo\s+False\s+NotAllReplicasReady\s+\S+\s+0\/1 ready\n│ └─Pod\/kmc-demo-0\s+False\s/,
    );
    expect(r.stdout).toMatch(/\n├─StatefulSet\/kmc-demo-etcd\s+(True|False)\s.*\n│ └─Pod\/kmc-demo-etcd-0\s/);
    expect(r.stdout).toMatch(/─Secret\/\(\d+\)\s+True\s+\S+\s+.*demo-ca/);
    const flat = await k(['describe', 'demo', '--grouping=false']);
    expect(flat.stdout).toMatch(/─Secret\/demo-ca\s+True/);
    expect(flat.stdout).toMatch(/─Secret\/demo-kubeconfig\s+True/);
  });
});

describe('kubeconfig', () => {
  it("prints a kubeconfig of your own for the Cluster's endpoint; --admin the stored one, with a warning", async () => {
    const r = await k(['kubeconfig', 'demo']);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout);
    expect(doc.kind).toBe('Config');
    expect(doc.clusters[0].cluster.server).toBe((await getCluster('demo'))?.status?.endpoint);
    const user = parse(readFileSync(kubeconfigPath, 'utf8')).users[0].name;
    expect(doc.users[0].name).toBe(user);
    expect(r.stderr).toMatch(new RegExp(`^Signed a kubeconfig for user "${user}" \\(group system:masters; .*\\), valid until \\S+Z \\(8h\\)\\.\\n$`));
    const admin = await k(['kubeconfig', 'demo', '--admin']);
    expect(admin.code).toBe(0);
    expect(parse(admin.stdout).users[0].name).toBe('demo-admin');
    expect(admin.stderr).toMatch(/^warning: this is the shared admin kubeconfig of cluster "demo" \(break-glass\)/);
  });

  it('--merge backs up once, adds a context, and never clobbers another', async () => {
    const mine = join(work, 'merge.kubeconfig');
    writeFileSync(mine, readFileSync(kubeconfigPath, 'utf8'));
    const before = parse(readFileSync(mine, 'utf8'));
    const r = await runWithPath(kubectlBin, ['k0smotron', 'kubeconfig', 'demo', '--merge', '-n', ns], pathDir, { env: { KUBECONFIG: mine } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`\\nContext "k0smotron-${ns}-demo" added in ${mine} \\(backup: ${mine}\\.bak\\)\\.`));
    const after = parse(readFileSync(mine, 'utf8'));
    expect(after['current-context']).toBe(before['current-context']);
    expect(after.contexts.map((c: { name: string }) => c.name)).toEqual([...before.contexts.map((c: { name: string }) => c.name), `k0smotron-${ns}-demo`]);
    expect(readdirSync(work).filter(f => f.startsWith('merge.kubeconfig.'))).toEqual(['merge.kubeconfig.bak']);
    expect(readFileSync(join(work, 'merge.kubeconfig.bak'), 'utf8')).toBe(readFileSync(kubeconfigPath, 'utf8'));
    const again = await k(['kubeconfig', 'demo', '--merge', '--use'], { kubeconfig: mine });
    expect(again.stderr).toContain(`Context "k0smotron-${ns}-demo" updated in ${mine}`);
    expect(parse(readFileSync(mine, 'utf8'))['current-context']).toBe(`k0smotron-${ns}-demo`);
    // --use switched the file to the (unreachable) child: talk to the management cluster explicitly.
    const clobber = await k(['kubeconfig', 'demo', '--merge', '--context-name', before['current-context'], '--context', before['current-context']], {
      kubeconfig: mine,
    });
    expect(clobber.code).toBe(1);
    expect(clobber.stderr).toMatch(
      new RegExp(
        `\\nerror: context "${before['current-context']}" already exists in the kubeconfig and was not created for cluster ${ns}/demo\\nhint: choose another name with --context-name NAME\\n$`,
      ),
    );
  });

  it('runs one command with it after --, passing its exit code', async () => {
    const r = await k(['kubeconfig', 'demo', '--', 'sh', '-c', 'grep -c "client-key-data" "$KUBECONFIG"; exit 3']);
    expect(r.stdout).toBe('1\n');
    expect(r.code).toBe(3);
    const missing = await k(['kubeconfig', 'ready'], { namespace: idle });
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: the API address of cluster "ready" is not known yet (no status.endpoint)\nhint: it appears once its Service has an address; follow with `kubectl k0smotron status ready`\n',
    });
    const missingAdmin = await k(['kubeconfig', 'ready', '--admin'], { namespace: idle });
    expect(missingAdmin).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: the kubeconfig of cluster "ready" is not ready yet (Secret ready-kubeconfig does not exist)\nhint: it appears once a controller is ready; follow with `kubectl k0smotron status ready`\n',
    });
  });
});

describe('join-token', () => {
  it('issues a token, a join script, lists and revokes', async () => {
    const r = await k(['join-token', 'demo', '--expiry', '1h', '--name', 'w1', '--timeout', '60s']);
    expect(r.stderr).toContain('jointokenrequest.k0smotron.io/w1 created; waiting for the operator to issue the token');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[A-Za-z0-9+/=]{40,}\n$/);
    const script = await k(['join-token', 'create', 'demo', '-o', 'script', '--role', 'worker', '--name', 'w2', '--timeout', '60s']);
    expect(script.code).toBe(0);
    expect(script.stdout).toMatch(/^#!\/bin\/sh\n/);
    expect(script.stdout).toContain('K0S_VERSION=v1.27.9+k0s.0 sh');
    expect(script.stdout).toContain('sudo k0s install worker --token-file /etc/k0s.token');
    const list = await k(['join-token', 'list', 'demo']);
    expect(list.stdout).toMatch(/^NAME\s+CLUSTER\s+ROLE\s+ISSUED\s+EXPIRES\s+AGE\nw1\s+demo\s+worker\s+True\s+20\d\d-\S+\s+\S+\nw2\s+demo\s+worker\s+True\s+/);
    expect(list.stdout).not.toContain(r.stdout.trim()); // never the token itself
    expect((await k(['join-token', 'list', '-A', '-o', 'name'])).stdout).toContain('jointokenrequest.k0smotron.io/w1\n');
    const revoke = await k(['join-token', 'revoke', 'w1', 'w2']);
    expect(revoke.stdout).toBe('jointokenrequest.k0smotron.io/w1 revoked\njointokenrequest.k0smotron.io/w2 revoked\n');
    const gone = await k(['join-token', 'revoke', 'w1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: join token request "w1" not found in namespace "\S+"\nhint: /);
  });

  it('-o yaml and -o json print the issued request with its token; nothing else prints the token', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const secretToken = async (name: string) => Buffer.from((await core.readNamespacedSecret({ namespace: ns, name })).data?.token ?? '', 'base64').toString();
    const y = await k(['join-token', 'demo', '-o', 'yaml', '--name', 'wy', '--expiry', '1h', '--timeout', '60s']);
    expect(y.code).toBe(0);
    const req = parse(y.stdout);
    const token = await secretToken('wy');
    expect(token).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(req).toMatchObject({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'wy', namespace: ns },
      spec: { clusterName: 'demo', expiry: '1h', role: 'worker' },
      status: { cluster: `${ns}/demo`, tokenID: expect.stringMatching(/^[a-z0-9]{6}$/), token },
    });
    expect(req.metadata.managedFields).toBeUndefined();
    // Read once the operator reported the token, not while it was still "Issuing".
    expect(findCondition(req, 'JoinTokenSecretCreated')).toMatchObject({ status: 'True', reason: 'Created' });
    const left = Date.parse(req.status.expiration) - Date.now();
    expect(left).toBeGreaterThan(50 * 60_000);
    expect(left).toBeLessThanOrEqual(3_600_000);
    expect(y.stderr).toContain(`Token issued, valid until ${req.status.expiration}; revoke it with \`kubectl k0smotron join-token revoke wy\`.\n`);

    const j = await k(['join-token', 'create', 'demo', '-o', 'json', '--name', 'wj', '--expiry', '0s', '--role', 'worker', '--timeout', '60s']);
    expect(j.code).toBe(0);
    const reqJ = JSON.parse(j.stdout);
    expect(reqJ).toMatchObject({
      kind: 'JoinTokenRequest',
      metadata: { name: 'wj' },
      spec: { clusterName: 'demo', expiry: '0s', role: 'worker' },
      status: { token: await secretToken('wj') },
    });
    expect(findCondition(reqJ, 'JoinTokenSecretCreated')?.status).toBe('True');
    expect(reqJ.status.expiration).toBeUndefined();
    expect(j.stderr).toContain('Token issued, never expires; revoke it with `kubectl k0smotron join-token revoke wj`.\n');

    // demo keeps its data in the etcd k0smotron runs beside it, which no other k0s controller can
    // join: the operator refuses a controller token, and the command says why at once, deleting
    // the request it made.
    const c = await k(['join-token', 'create', 'demo', '--name', 'wc', '--role', 'controller', '--timeout', '60s']);
    expect(c.code).toBe(1);
    expect(c.stdout).toBe('');
    expect(c.stderr).toMatch(
      new RegExp(
        `\\nerror: Cluster ${ns}/demo cannot take another controller: .*raise spec\\.replicas.*\\nhint: jointokenrequest\\.k0smotron\\.io/wc was deleted; a worker token \\(--role worker\\) is not affected\\n$`,
      ),
    );
    const wc = kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'jointokenrequests', name: 'wc' });
    expect(
      await wc.then(
        () => 'still there',
        () => 'gone',
      ),
    ).toBe('gone');

    // Only the stdout of join-token carries a token: not stderr, request logs, lists, status or describe.
    const logged = await k(['join-token', 'demo', '--name', 'wv', '-v=6', '--timeout', '60s']);
    expect(logged.stderr).toMatch(new RegExp(`GET https://\\S+/api/v1/namespaces/${ns}/secrets/wv\\n`));
    const tokens = [token, reqJ.status.token, logged.stdout.trim()];
    const elsewhere = [y.stderr, j.stderr, logged.stderr];
    for (const args of [
      ['join-token', 'list'],
      ['join-token', 'list', 'demo', '-o', 'yaml'],
      ['join-token', 'list', '-o', 'json'],
      ['status', 'demo', '-o', 'yaml'],
      ['status', 'demo', '-o', 'json'],
      ['status', 'demo', '-v'],
      ['describe', 'demo', '--grouping=false'],
    ]) {
      const r = await k(args);
      expect({ args, code: r.code, named: r.stdout.includes('wv') }).toEqual({ args, code: 0, named: true }); // the requests are there, by name
      elsewhere.push(r.stdout, r.stderr);
    }
    expect(tokens.flatMap((t, i) => elsewhere.map((out, o) => (out.includes(t) ? `token ${i} in output ${o}` : ''))).filter(Boolean)).toEqual([]);
    expect((await k(['join-token', 'revoke', 'wy', 'wj', 'wv'])).code).toBe(0);
  });

  it('checks --expiry and --role before any request', async () => {
    const e = await k(['join-token', 'demo', '--expiry', 'tomorrow']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^error: invalid --expiry "tomorrow": .*\nhint: use a Go duration such as 30m, 1h or 24h \(0s = never expires\)\n$/);
    const role = await k(['join-token', 'demo', '--role', 'admin']);
    expect(role.stderr).toMatch(/^error: invalid --role "admin": .*\nhint: valid values: worker, controller\n$/);
  });
});

describe('day-2 verbs', () => {
  it('scales, upgrades, pauses/resumes and sleeps/wakes', async () => {
    expect((await k(['scale', 'fromstdin', '--replicas', '2'])).stdout).toBe('cluster.k0smotron.io/fromstdin scaled\n');
    expect((await getCluster('fromstdin'))?.spec.replicas).toBe(2);
    expect((await k(['scale', 'fromstdin', '--replicas', '2'])).stdout).toBe('cluster.k0smotron.io/fromstdin unchanged (already 2 replicas)\n');
    const badScale = await k(['scale', 'fromstdin', '--replicas', '-1']);
    expect(badScale.stderr).toMatch(/^error: invalid --replicas "-1": .*\nhint: use a whole number from 0 to 99\n$/);

    const up = await k(['upgrade', 'fromstdin', '--version', 'v1.28.4-k0s.0']);
    expect(up.stdout).toBe('cluster.k0smotron.io/fromstdin upgraded (v1.27.9-k0s.0 → v1.28.4-k0s.0)\n');
    expect((await getCluster('fromstdin'))?.spec.version).toBe('v1.28.4-k0s.0');
    expect((await k(['upgrade', 'fromstdin', '--version', 'latest'])).stderr).toMatch(
      /^error: invalid --version "latest": .*\nhint: use a k0s version such as v1.30.2-k0s.0/,
    );

    expect((await k(['pause', 'fromstdin'])).stdout).toBe('cluster.k0smotron.io/fromstdin paused\n');
    expect((await getCluster('fromstdin'))?.metadata.annotations['k0smotron.io/paused']).toBe('true');
    expect((await k(['resume', 'fromstdin'])).stdout).toBe('cluster.k0smotron.io/fromstdin resumed\n');
    expect((await getCluster('fromstdin'))?.metadata.annotations?.['k0smotron.io/paused']).toBeUndefined();

    expect((await k(['sleep', 'fromstdin'])).stdout).toContain('cluster.k0smotron.io/fromstdin asleep (was 2 replicas;');
    const asleep = await getCluster('fromstdin');
    expect(asleep?.spec.replicas).toBe(0);
    expect(asleep?.metadata.annotations['k0smotron.io/replicas-before-sleep']).toBe('2');
    // Desired 0 and Sleeping at once; the ready count follows as the pods terminate.
    expect((await k(['list', 'fromstdin'])).stdout).toMatch(/\nfromstdin\s+\d\/0\s+Sleeping\s/);
    expect((await k(['wake', 'fromstdin'])).stdout).toBe('cluster.k0smotron.io/fromstdin awake (2 replicas)\n');
    expect((await getCluster('fromstdin'))?.spec.replicas).toBe(2);
  });

  it('deletes and waits until the Cluster is gone', async () => {
    const r = await k(['delete', 'fromfile', 'fromstdin', '--timeout', '90s']);
    expect(r.stdout).toBe('cluster.k0smotron.io/fromfile deleted\ncluster.k0smotron.io/fromstdin deleted\n');
    expect(r.code).toBe(0);
    expect(await getCluster('fromfile')).toBeUndefined();
    expect(await getCluster('fromstdin')).toBeUndefined();
  });
});

describe('errors: one line, a hint, exit 1', () => {
  it('not found lists what exists', async () => {
    for (const verb of [
      ['status', 'nope'],
      ['describe', 'nope'],
      ['scale', 'nope', '--replicas', '1'],
      ['delete', 'nope'],
      ['get', 'nope'],
      ['kubeconfig', 'nope'],
    ]) {
      const r = await k(verb);
      expect({ verb, code: r.code, stderr: r.stderr }).toEqual({
        verb,
        code: 1,
        stderr: `error: cluster "nope" not found in namespace "${ns}"\nhint: clusters in namespace "${ns}": demo, slow\n`,
      });
    }
    const empty = await createTestNamespace(kc, 'plugin-empty');
    const r = await k(['status', 'nope'], { namespace: empty });
    expect(r.stderr).toBe(
      `error: cluster "nope" not found in namespace "${empty}"\nhint: there are no clusters in namespace "${empty}"; see all with \`kubectl k0smotron list -A\`\n`,
    );
  });

  it('forbidden names the verb and the resource', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    // May read Clusters, nothing else.
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: 'reader' }, rules: [{ apiGroups: ['k0smotron.io'], resources: ['clusters'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    const token = await until('the reader token', async () => {
      const sa = await core.readNamespacedServiceAccount({ namespace: ns, name: 'reader' });
      const secretName = sa.secrets?.[0]?.name;
      if (!secretName) return undefined;
      const secret = await core.readNamespacedSecret({ namespace: ns, name: secretName });
      return secret.data?.token ? Buffer.from(secret.data.token, 'base64').toString() : undefined;
    });
    const server = kc.getCurrentCluster()!.server;
    const file = join(work, 'reader.kubeconfig');
    writeFileSync(file, deadKubeconfig(server).replace('token: x', `token: ${token}`));
    expect((await k(['list', '-o', 'name'], { kubeconfig: file })).stdout).toContain('cluster.k0smotron.io/demo');
    const r = await k(['scale', 'demo', '--replicas', '2'], { kubeconfig: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: forbidden: you cannot patch clusters.k0smotron.io "demo" in namespace "${ns}"\n` +
        `hint: ask an administrator for the RBAC permission "patch" on clusters.k0smotron.io in "${ns}", or check \`kubectl auth can-i patch clusters.k0smotron.io -n ${ns}\`\n`,
    );
    const other = await k(['list', '-A'], { kubeconfig: file });
    expect(other.stderr).toBe(
      'error: forbidden: you cannot list clusters.k0smotron.io\nhint: ask an administrator for the RBAC permission "list" on clusters.k0smotron.io, or check `kubectl auth can-i list clusters.k0smotron.io`\n',
    );
    const forbidden = (verb: string, resource: string, name: string) =>
      `error: forbidden: you cannot ${verb} ${resource} "${name}" in namespace "${ns}"\n` +
      `hint: ask an administrator for the RBAC permission "${verb}" on ${resource} in "${ns}", or check \`kubectl auth can-i ${verb} ${resource} -n ${ns}\`\n`;
    expect(await k(['delete', 'demo', '--wait=false'], { kubeconfig: file })).toEqual({
      code: 1,
      stdout: '',
      stderr: forbidden('delete', 'clusters.k0smotron.io', 'demo'),
    });
    expect(await k(['join-token', 'demo', '--name', 'r1'], { kubeconfig: file })).toEqual({
      code: 1,
      stdout: '',
      stderr: forbidden('create', 'jointokenrequests.k0smotron.io', 'r1'),
    });
    expect(await k(['kubeconfig', 'demo'], { kubeconfig: file })).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: forbidden: you may not read the CA Secret "demo-ca" in namespace "${ns}", which signs your kubeconfig for cluster "demo"\n` +
        `hint: ask an administrator for the RBAC permission "get" on secrets "demo-ca" in "${ns}"; or, with "get" on secrets "demo-kubeconfig", take the shared admin kubeconfig: \`kubectl k0smotron kubeconfig demo --admin\`\n`,
    });
    expect(await k(['kubeconfig', 'demo', '--admin'], { kubeconfig: file })).toEqual({
      code: 1,
      stdout: '',
      stderr: forbidden('get', 'secrets', 'demo-kubeconfig'),
    });
    expect(await getCluster('demo')).toBeDefined();
    // status reads what it may and lists each refused read, with its verb and resource, at the end.
    const status = await k(['status', 'demo'], { kubeconfig: file });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/\nca\s+demo-ca\s+<unknown>\s+cannot read the Secret\n/);
    const problems = status.stdout
      .slice(status.stdout.indexOf('\nProblems\n') + 10)
      .trimEnd()
      .split('\n');
    // Not "not found" nor "does not exist yet": it could not tell.
    expect(problems.filter(p => /not found|does not exist/.test(p))).toEqual([]);
    expect(problems.filter(p => p.startsWith('- forbidden'))).toEqual([
      `- forbidden: you cannot get statefulsets.apps "kmc-demo" in namespace "${ns}"`,
      `- forbidden: you cannot get statefulsets.apps "kmc-demo-etcd" in namespace "${ns}"`,
      `- forbidden: you cannot get services "kmc-demo-nodeport" in namespace "${ns}"`,
      `- forbidden: you cannot list pods in namespace "${ns}"`,
      `- forbidden: you cannot list secrets in namespace "${ns}"`,
      `- forbidden: you cannot list events in namespace "${ns}"`,
      `- forbidden: you cannot list jointokenrequests.k0smotron.io in namespace "${ns}"`,
      ...['ca', 'sa', 'proxy', 'etcd', 'apiserver-etcd-client', 'etcd-server', 'etcd-peer'].map(
        c => `- forbidden: you cannot get secrets "demo-${c}" in namespace "${ns}"`,
      ),
    ]);
  });

  it('unreachable names the server URL; --request-timeout bounds a silent one', async () => {
    const dead = join(work, 'refused.kubeconfig');
    writeFileSync(dead, deadKubeconfig('https://127.0.0.1:1'));
    const r = await k(['list'], { kubeconfig: dead });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: cannot reach the Kubernetes API at https://127.0.0.1:1 (ECONNREFUSED)\nhint: check that the cluster is running and that --kubeconfig/--context select the right one\n',
    });
    // A server that accepts connections and never answers.
    const sockets: Socket[] = [];
    const silent: Server = createServer(sock => sockets.push(sock));
    await new Promise<void>(res => silent.listen(0, '127.0.0.1', () => res()));
    const port = (silent.address() as { port: number }).port;
    const hang = join(work, 'silent.kubeconfig');
    writeFileSync(hang, deadKubeconfig(`https://127.0.0.1:${port}`));
    const started = Date.now();
    const t = await k(['list', '--request-timeout', '1s'], { kubeconfig: hang });
    sockets.forEach(sock => sock.destroy());
    silent.close();
    // Generous: guards that the 1 s timeout ends the wait (a silent server would otherwise hold
    // the command open), not how quickly the command exits afterwards.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(t.code).toBe(1);
    expect(t.stderr).toBe(
      `error: the Kubernetes API at https://127.0.0.1:${port} did not answer after 1s\nhint: check that the cluster is up, or raise --request-timeout\n`,
    );
    const badTimeout = await k(['list', '--request-timeout', 'soon'], { kubeconfig: hang });
    expect(badTimeout.stderr).toBe('error: invalid --request-timeout "soon"\nhint: use a number of seconds or a duration such as 10s, 1m or 0 (no timeout)\n');
  });

  it('--context picks a context and its namespace; a wrong one lists the real ones', async () => {
    const file = join(work, 'two.kubeconfig');
    const doc = parse(readFileSync(kubeconfigPath, 'utf8'));
    const ctx = doc.contexts.find((c: { name: string }) => c.name === doc['current-context']);
    doc.contexts.push({ name: 'team', context: { ...ctx.context, namespace: ns } });
    writeFileSync(file, JSON.stringify(doc));
    const r = await k(['list', '--context', 'team', '-o', 'name'], { kubeconfig: file, namespace: null });
    expect(r.stdout).toBe('cluster.k0smotron.io/demo\ncluster.k0smotron.io/slow\n');
    const wrong = await k(['list', '--context', 'nope'], { kubeconfig: file, namespace: null });
    expect(wrong.stderr).toBe(
      `error: context "nope" not found in the kubeconfig\nhint: contexts: ${doc.contexts.map((c: { name: string }) => c.name).join(', ')}\n`,
    );
  });

  it('-v=6 logs each request on stderr, never on stdout', async () => {
    const r = await k(['list', '-o', 'name', '-v=6']);
    expect(r.stdout).toBe('cluster.k0smotron.io/demo\ncluster.k0smotron.io/slow\n');
    expect(r.stderr).toMatch(new RegExp(`GET https://\\S+/apis/k0smotron.io/v1beta2/namespaces/${ns}/clusters`));
  });
});

describe('completion', () => {
  it('prints bash, zsh and fish scripts', async () => {
    expect((await k(['completion', 'bash'], { namespace: null })).stdout).toContain('complete -F _kubectl_k0smotron kubectl-k0smotron');
    expect((await k(['completion', 'zsh'], { namespace: null })).stdout).toMatch(/^#compdef kubectl-k0smotron/);
    expect((await k(['completion', 'fish'], { namespace: null })).stdout).toContain('complete -c kubectl-k0smotron');
    const bad = await k(['completion', 'tcsh'], { namespace: null });
    expect(bad.stderr).toBe('error: unsupported shell "tcsh"\nhint: valid values: bash, zsh, fish\n');
  });

  it('answers the kubectl >= 1.26 __complete protocol through kubectl_complete-k0smotron', async () => {
    // kubectl 1.20 does not call kubectl_complete-* itself, so the shim is run as kubectl would.
    const names = await runWithPath(join(pathDir, 'kubectl_complete-k0smotron'), ['status', '--kubeconfig', kubeconfigPath, '-n', ns, 'd'], pathDir);
    expect(names).toEqual({ code: 0, stdout: 'demo\n:4\n', stderr: '' });
    const cmds = await runWithPath(COMPLETE_SHIM, ['s'], pathDir);
    expect(cmds.stdout).toBe('status\nscale\nsleep\n:4\n');
    const values = await runWithPath(COMPLETE_SHIM, ['create', '--service-type', ''], pathDir);
    expect(values.stdout).toBe('ClusterIP\nNodePort\nLoadBalancer\n:4\n');
    const viaPlugin = await runWithPath(kubectlBin, ['k0smotron', '__complete', '--kubeconfig', kubeconfigPath, '-n', ns, 'scale', ''], pathDir);
    expect(viaPlugin.stdout).toBe('demo\nslow\n:4\n');
  });
});

describe('packaging', () => {
  it('runs from a plain copy on PATH without node_modules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k0smotron-copy-'));
    writeFileSync(join(dir, 'kubectl-k0smotron'), readFileSync(join(pathDir, 'kubectl-k0smotron')), { mode: 0o755 });
    const r = await runWithPath(kubectlBin, ['k0smotron', 'list', '-o', 'name', '--kubeconfig', kubeconfigPath, '-n', ns], dir);
    expect(r.stdout).toBe('cluster.k0smotron.io/demo\ncluster.k0smotron.io/slow\n');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });

  it('installs with npm i -g from the packed dist/ (no dependencies to fetch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k0smotron-npm-'));
    const pack = await runWithPath('npm', ['pack', join(__dirname, '..', 'dist'), '--pack-destination', dir, '--silent'], pathDir);
    expect(pack.code).toBe(0);
    const tgz = join(dir, pack.stdout.trim().split('\n').pop()!);
    const inst = await runWithPath('npm', ['i', '-g', '--prefix', join(dir, 'prefix'), '--offline', '--no-audit', '--no-fund', tgz], pathDir);
    expect(inst.code).toBe(0);
    const r = await runWithPath(kubectlBin, ['k0smotron', 'list', '-o', 'name', '--kubeconfig', kubeconfigPath, '-n', ns], join(dir, 'prefix', 'bin'));
    expect(r.stdout).toBe('cluster.k0smotron.io/demo\ncluster.k0smotron.io/slow\n');
    const complete = await runWithPath(join(dir, 'prefix', 'bin', 'kubectl_complete-k0smotron'), ['wa'], pathDir);
    expect(complete.stdout).toBe('wake\n:4\n');
  });

  it('embeds the operator manifest', async () => {
    const r = await k(['install', '-o', 'yaml'], { namespace: null });
    const kinds = parseAllDocuments(r.stdout)
      .map(d => (d.toJS() as { kind?: string } | null)?.kind)
      .filter(Boolean);
    expect(kinds).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Namespace', 'Deployment']));
  });
});
