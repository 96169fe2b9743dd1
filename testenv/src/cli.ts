// `npm run cluster`: a local test cluster in the foreground for people. Ctrl-C stops it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KUBERNETES_VERSION } from './binaries';
import { startTestCluster, type TestCluster } from './cluster';

const USAGE = `Usage: npm run cluster -- [--nodes N] [--no-crds] [--log-dir DIR] [--kubeconfig-out FILE]

Runs a local Kubernetes ${KUBERNETES_VERSION} cluster (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and N kubemark hollow nodes) until Ctrl-C, then stops every process it started.

  --nodes N             hollow nodes (default 1)
  --crds / --no-crds    install the k0smotron CRDs from crds/*.yaml (default: install)
  --log-dir DIR         keep component logs in DIR (default: inside the cluster's temp dir)
  --kubeconfig-out FILE also write the admin kubeconfig to FILE (removed again on stop)
`;

export interface CliOptions {
  nodes: number;
  crds: boolean;
  logDir?: string;
  kubeconfigOut?: string;
  help: boolean;
}

/** Pure: argv (without node and script) → options, or an error naming the bad argument. */
export function parseCliArgs(argv: string[]): CliOptions {
  const opts: CliOptions = { nodes: 1, crds: true, help: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const take = () => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case '--nodes': {
        const raw = take();
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0 || n > 20) throw new Error(`--nodes ${raw}: expected a whole number from 0 to 20`);
        opts.nodes = n;
        break;
      }
      case '--crds':
        opts.crds = true;
        break;
      case '--no-crds':
        opts.crds = false;
        break;
      case '--log-dir':
        opts.logDir = path.resolve(take());
        break;
      case '--kubeconfig-out':
        opts.kubeconfigOut = path.resolve(take());
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see --help)`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`cluster: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }

  let cluster: TestCluster | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      process.stderr.write('\nforced exit\n'); // the exit hook still kills every component
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the cluster…\n`);
    if (opts.kubeconfigOut) fs.rmSync(opts.kubeconfigOut, { force: true });
    const t = Date.now();
    await cluster?.stop();
    process.stderr.write(`stopped in ${((Date.now() - t) / 1000).toFixed(1)} s; no process left\n`);
    process.exit(0);
  };
  // Registered before the cluster starts so Ctrl-C during start-up also cleans up.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  cluster = await startTestCluster({ nodes: opts.nodes, installCrds: opts.crds, logDir: opts.logDir });
  if (stopping) return;
  if (opts.kubeconfigOut) fs.copyFileSync(cluster.kubeconfigPath, opts.kubeconfigOut);
  const logDir = opts.logDir ?? path.join(cluster.dir, 'logs');
  process.stdout.write(
    [
      '',
      `Test cluster ready: Kubernetes ${KUBERNETES_VERSION}, ${opts.nodes} hollow node(s), API ${cluster.server}`,
      '',
      `  export KUBECONFIG=${opts.kubeconfigOut ?? cluster.kubeconfigPath}`,
      `  alias kubectl=${cluster.kubectlPath}   # the 1.20 kubectl that matches this cluster`,
      '',
      `Integration tests against it: K0SMOTRON_TEST_KUBECONFIG=${cluster.kubeconfigPath} npx jest <path> --selectProjects integration`,
      `Component logs: ${logDir}`,
      'Ctrl-C stops every process and removes the cluster dir.',
      '',
    ].join('\n'),
  );
  setInterval(() => undefined, 1 << 30); // stay up until a signal
}

if (require.main === module) {
  main().catch(err => {
    process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
