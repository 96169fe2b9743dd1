// The shipped artefact: bundle src/main.ts with esbuild exactly as the image gets it, run it
// against the shared test cluster with its flags, wait for /readyz, then SIGTERM: it must stop
// gracefully (release its lease) and exit 0 on its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { buildOperatorBundle } from '../scripts/build';
import { eventually } from './engine/testdata/eventually';

jest.setTimeout(120_000);

it('the bundled operator starts from flags, becomes ready and leader, and exits 0 on SIGTERM after releasing its lease', async () => {
  const { kubeConfig, kubeconfigPath } = sharedTestCluster();
  const ns = await createTestNamespace(kubeConfig, 'operator-main');
  const dir = mkdtempSync(path.join(tmpdir(), 'k0smotron-bundle-'));
  try {
    const bundle = path.join(dir, 'main.js');
    expect(await buildOperatorBundle(bundle)).toBeGreaterThan(100_000);

    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [bundle, '--namespaces', ns, '--leader-elect', '--lease-namespace', ns, '--lease-duration', '4s',
      '--metrics-address', `127.0.0.1:${port}`, '--log-level', 'info'], {
      env: { ...process.env, KUBECONFIG: kubeconfigPath, KUBERNETES_SERVICE_HOST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', d => (output += d));
    child.stderr.setEncoding('utf8').on('data', d => (output += d));
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    try {
      await eventually('/readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/k0smotron_leader 1/);
      const lines = output.trim().split('\n').map(l => JSON.parse(l) as { level: string; msg: string });
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
