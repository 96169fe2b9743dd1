// The exit codes of the bundled operator process (src/main.ts), which a Deployment and an
// operator of the cluster read: 2 for flags or a policy file it cannot use (fix the manifest,
// a restart will not help), 1 for a failed start, for a second signal during shutdown and for a
// stop that outlasts --shutdown-grace-period, 0 for a clean stop (here, and main.itest.ts). The bundle is built once, exactly as the image gets it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { K0smotronClient } from '@k0smotron/api/client';
import { freePort, createTestNamespace, eventually, sharedTestCluster } from '@k0smotron/testenv';
import { buildOperatorBundle } from '../scripts/build';
import { startPartitionProxy } from './engine/testing/partitionProxy';

jest.setTimeout(120_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const dir = mkdtempSync(path.join(tmpdir(), 'k0smotron-exit-'));
const bundle = path.join(dir, 'main.js');

beforeAll(async () => {
  await buildOperatorBundle(bundle);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [bundle, ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath, KUBERNETES_SERVICE_HOST: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', d => (output += d));
  child.stderr.setEncoding('utf8').on('data', d => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { output: () => output, exited, kill: s => child.kill(s) };
}

it('exits 2 with the message and the usage on a flag it does not know or a bad value', async () => {
  const unknown = run(['--bogus']);
  expect(await unknown.exited).toEqual({ code: 2, signal: null });
  expect(unknown.output()).toContain("Unknown option '--bogus'");
  expect(unknown.output()).toContain('Usage: k0smotron-operator [flags]');

  const badValue = run(['--workers', 'many']);
  expect(await badValue.exited).toEqual({ code: 2, signal: null });
  expect(badValue.output()).toContain('--workers "many" must be a whole number from 1 to 64');
});

it('exits 2 on a policy file that is not valid YAML, before it touches the API server', async () => {
  const file = path.join(dir, 'policy.yaml');
  writeFileSync(file, 'allowedImageRepositories: [unclosed\n');
  const r = run(['--policy-file', file, '--metrics-address', '0']);
  expect(await r.exited).toEqual({ code: 2, signal: null });
  expect(r.output()).toContain(`policy file ${file} is not valid YAML`);
  expect(r.output()).not.toContain('operator starting');
});

it('exits 1 with "failed to start" when its kubeconfig does not exist', async () => {
  const missing = path.join(dir, 'no-such.kubeconfig');
  const r = run(['--kubeconfig', missing, '--metrics-address', '0']);
  expect(await r.exited).toEqual({ code: 1, signal: null });
  expect(r.output()).toContain(`k0smotron operator failed to start: --kubeconfig ${missing} does not exist`);
});

it('exits 1 with "failed to start" when its metrics address is taken', async () => {
  const taken = net.createServer();
  await new Promise<void>(res => taken.listen(0, '127.0.0.1', res));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const ns = await createTestNamespace(kubeConfig, 'operator-exit-port');
    const r = run(['--namespaces', ns, '--metrics-address', `127.0.0.1:${port}`, '--log-level', 'warn']);
    expect(await r.exited).toEqual({ code: 1, signal: null });
    expect(r.output()).toMatch(/k0smotron operator failed to start: .*EADDRINUSE/);
  } finally {
    await new Promise(res => taken.close(res));
  }
});

it('exits 1 without waiting for the graceful stop when a second signal arrives during it', async () => {
  const ns = await createTestNamespace(kubeConfig, 'operator-exit-signal');
  // The graceful stop of a leader releases its Lease. Behind a partitioned proxy that request is
  // held until its 5 s timeout, so the stop is still running when the second signal is sent
  // (right after the first one is logged). A lease of 120 s keeps its renew deadline, and so the
  // "leader election lost" exit, far away.
  const proxy = await startPartitionProxy(kubeConfig);
  const port = await freePort();
  const kubeconfigFile = path.join(dir, 'proxy.kubeconfig');
  writeFileSync(kubeconfigFile, proxy.kubeConfig.exportConfig());
  const r = run([
    '--kubeconfig',
    kubeconfigFile,
    '--namespaces',
    ns,
    '--leader-elect',
    '--lease-namespace',
    ns,
    '--lease-duration',
    '120s',
    '--metrics-address',
    `127.0.0.1:${port}`,
    '--log-level',
    'info',
  ]);
  try {
    const msgs = () =>
      r
        .output()
        .trim()
        .split('\n')
        .flatMap(l => {
          try {
            return [JSON.parse(l) as { msg: string; signal?: string }];
          } catch {
            return [];
          }
        });
    // Ready means startOperator has returned, and the signal handlers are installed right after.
    await eventually('/readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 200);
    await eventually('leader', () => msgs().some(m => m.msg === 'became leader'), 60_000, 100);
    proxy.partition();
    r.kill('SIGTERM');
    await eventually('"shutting down"', () => msgs().some(m => m.msg === 'shutting down'), 30_000, 20);
    r.kill('SIGINT');
    expect(await r.exited).toEqual({ code: 1, signal: null });
    const all = msgs();
    expect(all.find(m => m.msg === 'shutting down')?.signal).toBe('SIGTERM');
    expect(all.find(m => m.msg === 'second signal: exiting without waiting')?.signal).toBe('SIGINT');
    // It did not wait: the held release never finished, nor did anything after it.
    expect(all.map(m => m.msg)).not.toContain('released the lease');
    expect(all.map(m => m.msg)).not.toContain('leader election lost');
  } catch (err) {
    r.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- operator output ---\n${r.output()}`);
  } finally {
    proxy.heal();
    await proxy.close();
  }
});

/**
 * A proxy in front of the test cluster's API server that forwards every request except those the
 * current `hold` rule picks: those it keeps open and never forwards, as an API server that stopped
 * answering mid-request would. The client talks plain http to it; it forwards with the upstream
 * credentials.
 */
async function startHoldingProxy(upstream: KubeConfig) {
  const target = new URL(upstream.getCurrentCluster()!.server);
  const tls: https.RequestOptions = {};
  await upstream.applyToHTTPSOptions(tls);
  const agent = new https.Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, keepAlive: true });
  const held: Array<{ method: string; url: string; closedByClient: boolean }> = [];
  let hold: (method: string, url: string) => boolean = () => false;
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (hold(method, url)) {
      const entry = { method, url, closedByClient: false };
      held.push(entry);
      res.once('close', () => (entry.closedByClient = true));
      return;
    }
    const up = https.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: url,
        method,
        agent,
        headers: { ...req.headers, ...(tls.headers as Record<string, string>), host: target.host },
      },
      upRes => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.once('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  const name = 'holding-proxy';
  kc.loadFromOptions({
    clusters: [{ name, server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  const file = path.join(dir, `holding-${(server.address() as net.AddressInfo).port}.kubeconfig`);
  writeFileSync(file, kc.exportConfig());
  return {
    kubeconfigFile: file,
    held,
    setHold: (rule: typeof hold) => (hold = rule),
    close: async () => {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
      agent.destroy();
    },
  };
}

interface LogLine {
  level: string;
  msg: string;
  gracePeriodMs?: number;
  exitCode?: number;
}

const logLines = (r: Run): LogLine[] =>
  r
    .output()
    .trim()
    .split('\n')
    .flatMap(l => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });

it('does not let a reconcile waiting on an API server that stopped answering hold the stop: it is aborted and the process exits 0 at once', async () => {
  const ns = await createTestNamespace(kubeConfig, 'operator-exit-held');
  const proxy = await startHoldingProxy(kubeConfig);
  // Every write of the Cluster's reconcile into the namespace is held (Events aside): the
  // reconcile is in flight, waiting on the API server, when the signal arrives.
  proxy.setHold((method, url) => method !== 'GET' && url.includes(`/namespaces/${ns}/`) && !url.includes('/events'));
  const port = await freePort();
  const r = run([
    '--kubeconfig',
    proxy.kubeconfigFile,
    '--namespaces',
    ns,
    '--shutdown-grace-period',
    '20s',
    '--metrics-address',
    `127.0.0.1:${port}`,
    '--log-level',
    'info',
  ]);
  try {
    await eventually('/readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 200);
    await new K0smotronClient(kubeConfig).createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'held', namespace: ns },
      spec: {},
    });
    await eventually('a held write of the reconcile', () => proxy.held.length > 0, 60_000, 50);
    const signalled = Date.now();
    r.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    // Far inside the grace period: the stop aborted the reconcile, whose held request it closed.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(proxy.held.every(h => h.closedByClient)).toBe(true);
    const msgs = logLines(r).map(l => l.msg);
    expect(msgs).toContain('operator stopped');
    expect(msgs.some(m => m.startsWith('graceful shutdown took over'))).toBe(false);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- operator output ---\n${r.output()}`);
  } finally {
    r.kill('SIGKILL');
    await proxy.close();
  }
});

it('exits 1 with a line saying so when the graceful stop outlasts --shutdown-grace-period', async () => {
  const ns = await createTestNamespace(kubeConfig, 'operator-exit-slow');
  // In-flight reconciles are aborted (above), so what a stop waits on is the leader's release of
  // its Lease, bounded at 5 s. Held by the proxy, it outlasts a grace period of 1 s. A lease of
  // 120 s keeps the renew deadline, and the "leader election lost" exit, far away.
  const proxy = await startHoldingProxy(kubeConfig);
  const port = await freePort();
  const r = run([
    '--kubeconfig',
    proxy.kubeconfigFile,
    '--namespaces',
    ns,
    '--leader-elect',
    '--lease-namespace',
    ns,
    '--lease-duration',
    '120s',
    '--shutdown-grace-period',
    '1s',
    '--metrics-address',
    `127.0.0.1:${port}`,
    '--log-level',
    'info',
  ]);
  try {
    // Ready means startOperator has returned, and the signal handlers are installed right after.
    await eventually('/readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 200);
    await eventually('leader', () => logLines(r).some(m => m.msg === 'became leader'), 60_000, 100);
    proxy.setHold((method, url) => method !== 'GET' && url.includes(`/namespaces/${ns}/leases`));
    const signalled = Date.now();
    r.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 1, signal: null });
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(5_000); // before the held release's own timeout
    expect(proxy.held.some(h => h.method === 'PUT' || h.method === 'PATCH')).toBe(true);
    const lines = logLines(r);
    expect(lines.find(l => l.msg === 'graceful shutdown took over 1 s; exiting')).toMatchObject({ level: 'error', gracePeriodMs: 1000, exitCode: 1 });
    expect(lines.map(l => l.msg)).not.toContain('operator stopped');
    expect(lines.map(l => l.msg)).not.toContain('released the lease');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- operator output ---\n${r.output()}`);
  } finally {
    r.kill('SIGKILL');
    await proxy.close();
  }
});
