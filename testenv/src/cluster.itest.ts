// startTestCluster end to end on its own small cluster (1 hollow node): scheduling, readiness on
// hollow nodes, PV binding, Services, garbage collection, CRD install, and that nothing it
// started survives stop() — or the death of the process that started it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { installScriptPath } from './binaries';
import { startTestCluster, type TestCluster } from './cluster';
import { firstLine } from './testdata/firstLine';
import { kubectl } from './kubectl';
import { isAlive } from './processes';
import { poller } from './eventually';

const REPO_ROOT = path.resolve(__dirname, '../..');

const eventually = poller({ timeoutMs: 60_000, everyMs: 250 });

/** PIDs whose command line or environment mentions `dir`. */
function processesMentioning(dir: string): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    for (const f of ['cmdline', 'environ']) {
      try {
        if (fs.readFileSync(`/proc/${e}/${f}`).includes(dir) && isAlive(Number(e))) {
          found.push(Number(e));
          break;
        }
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return found;
}

const TEST_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.testenv.k0smotron.io}
spec:
  group: testenv.k0smotron.io
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 1}
              amount: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
`;

describe('startTestCluster (own 1-node cluster)', () => {
  let cluster: TestCluster;
  let crdsDir: string;
  const progress: string[] = [];

  beforeAll(async () => {
    crdsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'testenv-crds-'));
    fs.writeFileSync(path.join(crdsDir, 'widgets.yaml'), TEST_CRD);
    cluster = await startTestCluster({ nodes: 1, installCrds: true, crdsDir, volumes: 4, log: m => progress.push(m) });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(crdsDir, { recursive: true, force: true });
  });

  it('reports progress and serves the API with the admin client certificate', async () => {
    expect(progress.join('\n')).toMatch(/etcd up[\s\S]*apiserver ready[\s\S]*1\/1 nodes Ready[\s\S]*cluster ready/);
    expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const who = await kubectl(['auth', 'can-i', '*', '*', '--all-namespaces'], { kubeconfig: cluster.kubeconfigPath });
    expect(who.stdout.trim()).toBe('yes');
    const version = await kubectl(['version', '-o', 'json'], { kubeconfig: cluster.kubeconfigPath });
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe('v1.20.2');
    const nodes = await cluster.kubeConfig.makeApiClient(CoreV1Api).listNode();
    expect(nodes.items.map(n => n.metadata?.name)).toEqual(['hollow-node-1']);
    expect(nodes.items[0].status?.conditions?.find(c => c.type === 'Ready')?.status).toBe('True');
  });

  it('installed the CRDs of crdsDir (and only CRDs) and they serve objects', async () => {
    expect(progress.join('\n')).toContain('skipping ConfigMap');
    const api = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    for (let i = 0; i < 10; i++) {
      await api.createNamespacedCustomObject({
        group: 'testenv.k0smotron.io',
        version: 'v1',
        namespace: 'default',
        plural: 'widgets',
        // Many labels and annotations: the metadata map iteration that crashed kube-apiserver
        // built with Go >= 1.18 and reflect2 1.0.1 (see install-binaries.sh).
        body: {
          apiVersion: 'testenv.k0smotron.io/v1',
          kind: 'Widget',
          metadata: {
            name: `w${i}`,
            labels: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`l${i}`, `v${i}`])),
            annotations: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`a${i}`, `v${i}`])),
          },
          spec: { size: 2, amount: i % 2 ? '10Gi' : 3, extra: { anything: { goes: [1] } } },
        },
      });
    }
    const list = (await api.listNamespacedCustomObject({
      group: 'testenv.k0smotron.io',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
    })) as { items: unknown[] };
    expect(list.items).toHaveLength(10);
    // The x-kubernetes-* schema keys survived the install: int-or-string and unknown fields kept.
    const w1 = (await api.getNamespacedCustomObject({
      group: 'testenv.k0smotron.io',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      name: 'w1',
    })) as { spec: unknown };
    expect(w1.spec).toEqual({ size: 2, amount: '10Gi', extra: { anything: { goes: [1] } } });
    const bad = await kubectl(['apply', '-f', '-'], {
      kubeconfig: cluster.kubeconfigPath,
      input: 'apiVersion: testenv.k0smotron.io/v1\nkind: Widget\nmetadata: {name: bad, namespace: default}\nspec: {size: 0}\n',
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.size');
  });

  it('runs a StatefulSet on the hollow node, binds its claims, serves a NodePort and garbage-collects', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    const ns = 'sts-test';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await eventually('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: ns }));
    const labels = { app: 'web' };
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'web' }, spec: { type: 'NodePort', selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'web-script' }, data: { 'entrypoint.sh': '#!/bin/sh\nexec sleep infinity\n' } },
    });
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          serviceName: 'web',
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'example.invalid/web:1',
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { exec: { command: ['true'] } },
                  // subPath mounts need the patched kubemark (install-binaries.sh); k0smotron's pods use them.
                  volumeMounts: [
                    { name: 'data', mountPath: '/data' },
                    { name: 'script', mountPath: '/entrypoint.sh', subPath: 'entrypoint.sh' },
                  ],
                },
              ],
              volumes: [{ name: 'script', configMap: { name: 'web-script', defaultMode: 0o755 } }],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          ],
        },
      },
    });
    await eventually(
      'StatefulSet 2/2 Ready',
      async () => (await apps.readNamespacedStatefulSet({ name: 'web', namespace: ns })).status?.readyReplicas === 2,
      90_000,
    );
    const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: ns });
    expect(pvcs.items.map(p => [p.metadata?.name, p.status?.phase, p.spec?.storageClassName]).sort()).toEqual([
      ['data-web-0', 'Bound', 'standard'],
      ['data-web-1', 'Bound', 'standard'],
    ]);
    const pods = await core.listNamespacedPod({ namespace: ns });
    expect(pods.items.every(p => p.spec?.nodeName === 'hollow-node-1' && p.status?.phase === 'Running')).toBe(true);

    const svc = await core.readNamespacedService({ name: 'web', namespace: ns });
    expect(svc.spec?.ports?.[0].nodePort).toBeGreaterThanOrEqual(30000);
    const endpoints = await eventually('2 endpoints', async () => {
      const ep = await core.readNamespacedEndpoints({ name: 'web', namespace: ns });
      const addrs = ep.subsets?.flatMap(s => s.addresses ?? []) ?? [];
      return addrs.length === 2 ? addrs : undefined;
    });
    expect(endpoints.map(a => a.targetRef?.name).sort()).toEqual(['web-0', 'web-1']);

    // Background deletion: only the garbage collector removes the pods.
    await apps.deleteNamespacedStatefulSet({ name: 'web', namespace: ns, propagationPolicy: 'Background' });
    await eventually('pods garbage-collected', async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0, 90_000);

    // The pool recycles released volumes: after the claims go, every pool volume is Available again.
    await core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: ns });
    await eventually(
      'volumes recycled',
      async () => {
        const pvs = await core.listPersistentVolume();
        return pvs.items.length >= 4 && pvs.items.every(pv => pv.status?.phase === 'Available');
      },
      60_000,
    );
  }, 240_000);

  it('restartApiServer(): same port and flags, clients and controllers reconnect; SIGKILL with an outage too', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const ns = 'restart-api';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const before = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'kept' }, data: { a: '1' } } });
    const pidsBefore = cluster.pids();
    const watchEnded = new Promise<void>(resolve => {
      void new Watch(cluster.kubeConfig).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        {},
        () => undefined,
        () => resolve(),
      );
    });
    progress.length = 0;

    let t = Date.now();
    await cluster.restartApiServer();
    const graceful = Date.now() - t;
    expect(progress.join('\n')).toMatch(
      /restarting kube-apiserver \(SIGTERM\)[\s\S]*started again as pid \d+[\s\S]*kube-apiserver restarted: healthy again after/,
    );
    await watchEnded; // the restart really cut the old server's streams
    const pidsAfter = cluster.pids();
    // Only the apiserver (second in start order) is a new process.
    expect(pidsAfter.filter((p, i) => p !== pidsBefore[i]).length).toBe(1);
    expect(pidsAfter[1]).not.toBe(pidsBefore[1]);
    expect(isAlive(pidsBefore[1])).toBe(false);
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: 'kept' })).metadata?.uid).toBe(before.metadata?.uid);
    // kube-controller-manager reconnected: its ServiceAccount controller serves a new namespace.
    await core.createNamespace({ body: { metadata: { name: `${ns}-2` } } });
    await eventually('default ServiceAccount after the restart', () => core.readNamespacedServiceAccount({ name: 'default', namespace: `${ns}-2` }), 30_000);

    // A crash and 2 s without an apiserver: requests fail meanwhile, then all is served again.
    t = Date.now();
    const restarting = cluster.restartApiServer({ signal: 'SIGKILL', downMs: 2000 });
    await eventually(
      'a request failing during the outage',
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return false;
        } catch {
          return true;
        }
      },
      10_000,
    );
    await restarting;
    process.stderr.write(`[testenv] restartApiServer: SIGTERM ${graceful} ms, SIGKILL + 2 s down ${Date.now() - t} ms (until /readyz)\n`);
    expect(progress.join('\n')).toMatch(/restarting kube-apiserver \(SIGKILL, down for 2000 ms\)/);
    expect(cluster.pids()[1]).not.toBe(pidsAfter[1]);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
    expect(cluster.logs(5)).not.toContain('exited');
  }, 120_000);

  it('restartEtcd(): same data dir (nothing lost, revisions continue), the apiserver serves again; restarts queue up', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const ns = 'restart-etcd';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const before = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'kept' }, data: { a: '1' } } });
    const pidsBefore = cluster.pids();
    progress.length = 0;

    const t = Date.now();
    await cluster.restartEtcd({ signal: 'SIGKILL' });
    process.stderr.write(`[testenv] restartEtcd: SIGKILL ${Date.now() - t} ms (until etcd /health and kube-apiserver /readyz)\n`);
    expect(progress.join('\n')).toMatch(/restarting etcd \(SIGKILL\)[\s\S]*etcd restarted: healthy again after/);
    expect(cluster.pids()[0]).not.toBe(pidsBefore[0]);
    expect(cluster.pids().slice(1)).toEqual(pidsBefore.slice(1));
    const kept = await core.readNamespacedConfigMap({ namespace: ns, name: 'kept' });
    expect([kept.metadata?.uid, kept.data]).toEqual([before.metadata?.uid, { a: '1' }]);
    const after = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
    // A fresh data dir would have started the revisions again from 1.
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThan(Number(before.metadata?.resourceVersion));

    // Both at once: they run one after the other, and both components end up serving.
    progress.length = 0;
    await Promise.all([cluster.restartEtcd(), cluster.restartApiServer()]);
    const text = progress.join('\n');
    expect(text.indexOf('restarting kube-apiserver')).toBeGreaterThan(text.indexOf('etcd restarted: healthy again'));
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: 'kept', body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await core.readNamespacedConfigMap({ namespace: ns, name: 'kept' })).data).toEqual({ a: '2' });
    expect(cluster.logs(5)).not.toContain('exited');
  }, 120_000);

  it('keeps logs of every component', () => {
    const logs = cluster.logs(5);
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'hollow-node-1']) {
      expect(logs).toContain(`==> ${c} (pid `);
    }
    expect(logs).not.toContain('exited');
  });

  it('stop() leaves no process and no files behind', async () => {
    const pids = cluster.pids();
    const dir = cluster.dir;
    expect(pids).toHaveLength(5);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(5); // + the watchdog
    await cluster.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    await cluster.stop(); // idempotent
  });
});

describe('no process left behind when the caller dies', () => {
  async function holdCluster(): Promise<{ child: ReturnType<typeof spawn>; dir: string; pids: number[] }> {
    // One Node process (no tsx CLI wrapper in between), so the signal reaches the cluster's owner.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testdata', 'holdCluster.ts')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOLD_NODES: '0' },
    });
    const line = await firstLine(child, 'holdCluster');
    return { child, ...(JSON.parse(line) as { dir: string; pids: number[] }) };
  }

  // The signal hooks and the watchdog are tested on plain processes in processes.test.ts; here
  // the worst case on a real cluster: SIGKILL, where no hook of the owner runs.
  it.each([['SIGKILL']] as const)(
    '%s',
    async signal => {
      const { child, dir, pids } = await holdCluster();
      expect(pids.filter(isAlive)).toHaveLength(4); // etcd, kube-apiserver, controller-manager, scheduler
      child.kill(signal);
      // SIGKILL skips every hook: the watchdog notices within a second, then TERM, 2 s, KILL.
      await eventually('components gone', async () => pids.filter(isAlive).length === 0 && processesMentioning(dir).length === 0, 15_000);
      await eventually('dir removed', async () => !fs.existsSync(dir), 10_000);
    },
    90_000,
  );
});

describe('binaries', () => {
  it('a second start reuses the built binaries (the install script says they are cached)', () => {
    const res = spawnSync('bash', [installScriptPath()], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stderr).toMatch(/cached|K0SMOTRON_TEST_BIN_DIR/);
  });
});
