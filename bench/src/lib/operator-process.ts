// The operator as a child process (the esbuild bundle, like the container image), so its RSS is
// its own and its API requests are read from its own /metrics endpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { OPERATOR_NODE_FLAGS } from '@k0smotron/operator';

const REPO = path.resolve(__dirname, '../../..');
export const ARTIFACTS = path.join(REPO, 'artifacts/bench');
const BUNDLE = path.join(ARTIFACTS, 'operator-main.js');

/** Bundles operator/src/main.ts into artifacts/bench (not operator/dist: other runs may build that). */
export async function buildOperatorBundle(): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await build({
    entryPoints: [path.join(REPO, 'operator/src/main.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['bufferutil', 'utf-8-validate'],
  });
  return BUNDLE;
}

/** Counters of one scrape of /metrics that the benchmarks use. */
export interface MetricsSample {
  at: number;
  /** k0smotron_api_requests_total by verb (all codes). */
  requestsByVerb: Record<string, number>;
  requests: number;
  /** create/patch/update/delete requests (any code). */
  writes: number;
  /** k0smotron_reconcile_total{controller="cluster"} (all results). */
  clusterReconciles: number;
  clusterQueueDepth: number;
  /** V8 heap in use (nodejs_heap_size_used_bytes, collected by the standalone operator), MiB. */
  heapUsedMiB?: number;
}

const WRITE_VERBS = new Set(['create', 'patch', 'update', 'delete', 'apply']);

export function parseMetrics(text: string, at = Date.now()): MetricsSample {
  const s: MetricsSample = { at, requestsByVerb: {}, requests: 0, writes: 0, clusterReconciles: 0, clusterQueueDepth: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+([-+0-9.eE]+|NaN)$/.exec(line.trim());
    if (!m) continue;
    const [, name, labelText = '', valueText] = m;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(x => [x[1], x[2]]));
    const value = Number(valueText);
    if (name === 'k0smotron_api_requests_total') {
      s.requestsByVerb[labels.verb] = (s.requestsByVerb[labels.verb] ?? 0) + value;
      s.requests += value;
      if (WRITE_VERBS.has(labels.verb)) s.writes += value;
    } else if (name === 'k0smotron_reconcile_total' && labels.controller === 'cluster') {
      s.clusterReconciles += value;
    } else if (name === 'k0smotron_workqueue_depth' && labels.controller === 'cluster') {
      s.clusterQueueDepth = value;
    } else if (name === 'nodejs_heap_size_used_bytes') {
      s.heapUsedMiB = value / 1024 / 1024;
    }
  }
  return s;
}

export interface OperatorProcess {
  pid: number;
  url: string;
  startedAt: number;
  /** Resolves when /readyz answers 200 (caches synced); ms since spawn. */
  ready(timeoutMs?: number): Promise<number>;
  metrics(): Promise<MetricsSample>;
  rssMiB(): number;
  /** CPU time (user+system) of the process so far, ms. */
  cpuMs(): number;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait (SIGKILL after 20 s). */
  stop(): Promise<void>;
  exited: Promise<number | null>;
  logFile: string;
}

export interface OperatorProcessOptions {
  kubeconfigPath: string;
  namespaces: string[];
  metricsPort: number;
  resyncPeriod?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Defaults to the bundle built by buildOperatorBundle(); `tsx` runs operator/src/main.ts. */
  entry?: string | 'tsx';
  logFile?: string;
  /** More flags, e.g. leader election (`--leader-elect`, `--lease-namespace NS`). */
  args?: string[];
}

export function startOperatorProcess(opts: OperatorProcessOptions): OperatorProcess {
  const logFile = opts.logFile ?? path.join(ARTIFACTS, `operator-${Date.now()}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const flags = [
    '--kubeconfig',
    opts.kubeconfigPath,
    '--namespaces',
    opts.namespaces.join(','),
    '--metrics-address',
    `127.0.0.1:${opts.metricsPort}`,
    '--log-level',
    opts.logLevel ?? 'warn',
    '--resync-period',
    opts.resyncPeriod ?? '10m',
    ...(opts.args ?? []),
  ];
  const entry = opts.entry ?? BUNDLE;
  // BENCH_OPERATOR_PROFILE=DIR writes a V8 CPU profile of each operator process there (on exit);
  // BENCH_OPERATOR_NODE_ARGS adds Node flags (e.g. heap sizes) to try.
  const nodeArgs = [
    ...OPERATOR_NODE_FLAGS, // as the image runs it
    ...(process.env.BENCH_OPERATOR_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_OPERATOR_PROFILE}`] : []),
    ...(process.env.BENCH_OPERATOR_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  const child: ChildProcess =
    entry === 'tsx'
      ? spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(REPO, 'operator/src/main.ts'), ...flags], { cwd: REPO, stdio: ['ignore', out, out] })
      : spawn(process.execPath, [...nodeArgs, entry, ...flags], { cwd: REPO, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const startedAt = Date.now();
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  const url = `http://127.0.0.1:${opts.metricsPort}`;
  const pid = child.pid!;
  const procStat = () => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  };
  let dead = false;
  void exited.then(() => (dead = true));
  return {
    pid,
    url,
    startedAt,
    logFile,
    exited,
    async ready(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      let lastNote = Date.now();
      for (;;) {
        if (dead) throw new Error(`operator exited before it was ready; log: ${logFile}\n${tail(logFile)}`);
        try {
          const r = await fetch(`${url}/readyz`);
          if (r.ok) return Date.now() - startedAt;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`operator not ready after ${timeoutMs / 1000} s; log: ${logFile}\n${tail(logFile)}`);
        if (Date.now() - lastNote > 10_000) {
          lastNote = Date.now();
          process.stderr.write(`  waiting for the operator's /readyz (${((Date.now() - startedAt) / 1000).toFixed(0)} s)…\n`);
        }
        await sleep(50);
      }
    },
    async metrics() {
      const r = await fetch(`${url}/metrics`);
      if (!r.ok) throw new Error(`${url}/metrics answered ${r.status}`);
      return parseMetrics(await r.text());
    },
    rssMiB() {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      return kb / 1024;
    },
    cpuMs() {
      const stat = procStat();
      if (!stat) return NaN;
      // Fields after the command (which may hold spaces): utime is the 12th, stime the 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100 on Linux
    },
    async kill(signal) {
      if (!dead) child.kill(signal);
      await exited;
    },
    async stop() {
      if (dead) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
