// Benchmark of the kubectl plugin: wall time of `kubectl k0smotron list` against
// `kubectl get kmc` with 100 Clusters on the same API server, and start-up of
// `kubectl-k0smotron --help` against `node -e 0`. Prints the figures; no operator is needed
// (the Clusters are created with the typed client and simply listed).
//
//   npx tsx bench/src/cli.ts            # starts its own test cluster (1 hollow node)
//   K0SMOTRON_TEST_KUBECONFIG=… npx tsx bench/src/cli.ts   # or uses a running one
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { kubectlPath, startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { pluginPathDir } from '../../kubectl-k0smotron/src/testing/plugin';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/**
 * CPU time (user + system, ms) of this process's finished children, from /proc/self/stat (Linux;
 * undefined elsewhere). Clock ticks of 10 ms, so only sums over many runs mean anything. On a
 * machine shared with other work the CPU time moves far less than the wall time.
 */
function childrenCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    // After "(comm) ", field 3 (state) is index 0: cutime and cstime are fields 16 and 17.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

function timeOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; cpuMs?: number } {
  const cpu0 = childrenCpuMs();
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU ms per run of each command (mean over the runs), filled in by compare(). */
const cpuPerRun: Record<string, number> = {};

/** Runs the commands interleaved (so load changes hit all alike); median ms of each. */
function compare(cases: { name: string; cmd: string; args: string[] }[], env: NodeJS.ProcessEnv): Record<string, number> {
  for (const c of cases) timeOnce(c.cmd, c.args, env); // warm the page cache
  const samples: Record<string, number[]> = Object.fromEntries(cases.map(c => [c.name, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(cases.map(c => [c.name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const c of cases) {
      const t = timeOnce(c.cmd, c.args, env);
      samples[c.name].push(t.ms);
      if (t.cpuMs !== undefined) cpu[c.name].push(t.cpuMs);
    }
  }
  for (const c of cases) if (cpu[c.name].length === RUNS) cpuPerRun[c.name] = cpu[c.name].reduce((a, b) => a + b, 0) / RUNS;
  return Object.fromEntries(cases.map(c => [c.name, median(samples[c.name])]));
}

/** ", 123 ms CPU" when the CPU time was measured. */
function cpuNote(name: string): string {
  return cpuPerRun[name] === undefined ? '' : `, ${cpuPerRun[name].toFixed(0)} ms CPU`;
}

async function main(): Promise<void> {
  let cluster: TestCluster | undefined;
  let kubeconfigPath = process.env.K0SMOTRON_TEST_KUBECONFIG;
  try {
    if (!kubeconfigPath) {
      process.stderr.write('starting a test cluster (1 hollow node)…\n');
      cluster = await startTestCluster({ nodes: 1, installCrds: true });
      kubeconfigPath = cluster.kubeconfigPath;
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const ns = `bench-cli-${Date.now().toString(36)}`;
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const client = new K0smotronClient(kc);
    process.stderr.write(`creating ${CLUSTERS} Clusters in ${ns}…\n`);
    for (let i = 0; i < CLUSTERS; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, CLUSTERS - i) }, (_, j) =>
          client.createCluster({
            apiVersion: API_VERSION,
            kind: CLUSTER_KIND,
            metadata: { name: `bench-${String(i + j).padStart(3, '0')}`, namespace: ns, labels: { bench: 'cli' } },
            spec: { replicas: 1, service: { type: 'NodePort' } },
          }),
        ),
      );
    }
    const pathDir = pluginPathDir();
    // The floor of any Node.js plugin: kubectl finding and exec'ing a plugin that only starts Node.
    writeFileSync(join(pathDir, 'kubectl-nodefloor'), '#!/usr/bin/env node\n', { mode: 0o755 });
    const kubectl = cluster?.kubectlPath ?? process.env.K0SMOTRON_TEST_KUBECTL ?? kubectlPath();
    const env = { ...process.env, PATH: `${pathDir}:${process.env.PATH}` };
    const kflags = ['--kubeconfig', kubeconfigPath, '-n', ns];
    // BENCH_BASELINE_BUNDLE=FILE also times another build of the plugin (e.g. the one before a
    // change) as `kubectl k0smotronbaseline`, in the same interleaved runs. It keeps its code
    // cache apart, so the two builds do not evict each other's.
    const baseline = process.env.BENCH_BASELINE_BUNDLE;
    if (baseline) {
      const cacheDir = mkdtempSync(join(tmpdir(), 'bench-cli-baseline-cache-'));
      writeFileSync(
        join(pathDir, 'kubectl-k0smotronbaseline'),
        `#!/bin/sh\nKUBECTL_K0SMOTRON_CACHE_DIR=${cacheDir} exec ${process.execPath} ${baseline} "$@"\n`,
        { mode: 0o755 },
      );
    }
    const withBaseline = (name: string, args: string[]) => (baseline ? [{ name, cmd: kubectl, args }] : []);

    const list = compare(
      [
        { name: 'kubectl k0smotron list', cmd: kubectl, args: ['k0smotron', 'list', ...kflags] },
        { name: 'kubectl get kmc', cmd: kubectl, args: ['get', 'kmc', ...kflags] },
        { name: 'kubectl nodefloor', cmd: kubectl, args: ['nodefloor'] },
        ...withBaseline('baseline list', ['k0smotronbaseline', 'list', ...kflags]),
      ],
      env,
    );
    const startup = compare(
      [
        { name: 'kubectl-k0smotron --help', cmd: join(pathDir, 'kubectl-k0smotron'), args: ['--help'] },
        { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
        { name: 'kubectl k0smotron --help', cmd: kubectl, args: ['k0smotron', '--help'] },
        ...withBaseline('baseline --help', ['k0smotronbaseline', '--help']),
      ],
      env,
    );
    const listRatio = list['kubectl k0smotron list'] / list['kubectl get kmc'];
    const startRatio = startup['kubectl-k0smotron --help'] / startup['node -e 0'];
    const floorRatio = list['kubectl nodefloor'] / list['kubectl get kmc'];
    const lines = [
      `kubectl plugin benchmark: ${CLUSTERS} Clusters, ${RUNS} runs each (median wall time; mean CPU time of the process tree), node ${process.version}, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`,
      `  kubectl k0smotron list      ${list['kubectl k0smotron list'].toFixed(0)} ms${cpuNote('kubectl k0smotron list')}`,
      `  kubectl get kmc             ${list['kubectl get kmc'].toFixed(0)} ms${cpuNote('kubectl get kmc')}`,
      `  ratio                       ${listRatio.toFixed(2)}x (target <= 1.5x)`,
      `  kubectl nodefloor           ${list['kubectl nodefloor'].toFixed(0)} ms${cpuNote('kubectl nodefloor')} (an empty Node.js plugin: ${floorRatio.toFixed(2)}x kubectl get kmc)`,
      `  kubectl-k0smotron --help    ${startup['kubectl-k0smotron --help'].toFixed(0)} ms`,
      `  node -e 0                   ${startup['node -e 0'].toFixed(0)} ms`,
      `  ratio                       ${startRatio.toFixed(2)}x (target <= 2x)`,
      `  kubectl k0smotron --help    ${startup['kubectl k0smotron --help'].toFixed(0)} ms (through kubectl)`,
      ...(baseline
        ? [
            `  baseline ${baseline}:`,
            `    list                      ${list['baseline list'].toFixed(0)} ms${cpuNote('baseline list')} (${(list['baseline list'] / list['kubectl get kmc']).toFixed(2)}x kubectl get kmc)`,
            `    --help through kubectl    ${startup['baseline --help'].toFixed(0)} ms`,
          ]
        : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.env.BENCH_JSON) {
      const out = join(mkdtempSync(join(tmpdir(), 'bench-cli-')), 'result.json');
      writeFileSync(out, JSON.stringify({ list, startup, listRatio, startRatio, floorRatio, cpuPerRun }, null, 2));
      process.stderr.write(`wrote ${out}\n`);
    }
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns });
  } finally {
    await cluster?.stop();
  }
}

main().catch(err => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
