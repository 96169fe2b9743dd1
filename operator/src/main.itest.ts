// The shipped artefact: bundle src/main.ts with esbuild exactly as the image gets it, run it
// against the shared test cluster with its flags, wait for /readyz, then SIGTERM: it must stop
// gracefully (release its lease) and exit 0 on its own. Cut off from the API server while it
// leads, it must exit 1 once its renew deadline passes, as controller-runtime does.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTestNamespace, eventually, sharedTestCluster } from '@k0smotron/testenv';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { buildOperatorBundle } from '../scripts/build';
import { startPartitionProxy } from './engine/testing/partitionProxy';

jest.setTimeout(120_000);

it('the bundled operator starts from flags, becomes ready and leader, and exits 0 on SIGTERM after releasing its lease', async () => {
  const { kubeConfig, kubeconfigPath } = sharedTestCluster();
  const ns = await createTestNamespace(kubeConfig, 'operator-main');
  const dir = mkdtempSync(path.join(tmpdir(), 'k0smotron-bundle-'));
  try {
    const bundle = path.join(dir, 'main.js');
    expect(await buildOperatorBundle(bundle)).toBeGreaterThan(100_000);

    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(
      process.execPath,
      [
        bundle,
        '--namespaces',
        ns,
        '--leader-elect',
        '--lease-namespace',
        ns,
        '--lease-duration',
        '4s',
        '--metrics-address',
        `127.0.0.1:${port}`,
        '--log-level',
        'info',
      ],
      {
        env: { ...process.env, KUBECONFIG: kubeconfigPath, KUBERNETES_SERVICE_HOST: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', d => (output += d));
    child.stderr.setEncoding('utf8').on('data', d => (output += d));
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    try {
      await eventually('/readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/k0smotron_leader 1/);
      const lines = output
        .trim()
        .split('\n')
        .map(l => JSON.parse(l) as { level: string; msg: string });
      expect(lines.map(l => l.msg)).toEqual(expect.arrayContaining(['operator starting', 'became leader']));
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n--- operator output ---\n${output}`);
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"released the lease"');
    const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: ns, name: 'k0smotron-leader' });
    expect(lease.spec?.holderIdentity ?? null).toBeNull();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the bundled operator, partitioned from the API server while it leads, exits 1 with "leader election lost"', async () => {
  const { kubeConfig } = sharedTestCluster();
  const ns = await createTestNamespace(kubeConfig, 'operator-main-lost');
  const dir = mkdtempSync(path.join(tmpdir(), 'k0smotron-bundle-'));
  const proxy = await startPartitionProxy(kubeConfig);
  try {
    const bundle = path.join(dir, 'main.js');
    await buildOperatorBundle(bundle);
    const kubeconfigFile = path.join(dir, 'proxy.kubeconfig');
    writeFileSync(kubeconfigFile, proxy.kubeConfig.exportConfig());
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(
      process.execPath,
      [
        bundle,
        '--kubeconfig',
        kubeconfigFile,
        '--namespaces',
        ns,
        '--leader-elect',
        '--lease-namespace',
        ns,
        '--lease-duration',
        '4s',
        '--metrics-address',
        `127.0.0.1:${port}`,
        '--log-level',
        'info',
      ],
      {
        env: { ...process.env, KUBERNETES_SERVICE_HOST: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', d => (output += d));
    child.stderr.setEncoding('utf8').on('data', d => (output += d));
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    try {
      await eventually('leader', () => output.includes('"msg":"became leader"'), 60_000, 100);
      const partitionedAt = Date.now();
      proxy.partition();
      // Generous bound (a loaded machine can never miss it): the renew deadline is 2.7 s.
      const code = await Promise.race([exited, new Promise<'timeout'>(r => setTimeout(() => r('timeout'), 30_000).unref())]);
      expect(code).toBe(1);
      const lines = output
        .trim()
        .split('\n')
        .flatMap(l => {
          try {
            return [JSON.parse(l) as { level: string; msg: string; ts: string }];
          } catch {
            return [];
          }
        });
      const lost = lines.filter(l => l.msg === 'leader election lost');
      expect(lost.length).toBeGreaterThan(0);
      expect(lost.every(l => l.level === 'error')).toBe(true);
      expect(Date.parse(lost[0].ts)).toBeGreaterThanOrEqual(partitionedAt);
      expect(output).not.toContain('released the lease'); // it could not: the exit is the fence
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n--- operator output ---\n${output}`);
    }
  } finally {
    proxy.heal();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
