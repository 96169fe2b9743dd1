// `npm run join-worker`: a simulated worker joins a k0smotron Cluster with a join token, as
// `k0s install worker --token-file F && k0s start` would, and stays joined until Ctrl-C. The
// kubelet is a kubemark hollow kubelet (a real Node; pods run on a fake runtime).
import * as fs from 'node:fs';
import { joinWorker, WorkerJoinError, type JoinedWorker } from './worker';

const USAGE = `Usage: npm run join-worker -- --token-file FILE [--name NAME] [--label KEY=VALUE]...

Joins a simulated worker (a hollow kubelet) to the Cluster the k0s join token names, through
kubelet TLS bootstrap against the address in the token, and keeps it running until Ctrl-C.

  --token-file FILE   the join token, as given to \`k0s install worker --token-file\`; - reads stdin
  --name NAME         node name (default worker-<random>)
  --label KEY=VALUE   extra node label (repeatable)
`;

export interface JoinWorkerCliOptions {
  tokenFile?: string;
  name?: string;
  labels: Record<string, string>;
  help: boolean;
}

/** Pure: argv (without node and script) → options, or an error naming the bad argument. */
export function parseJoinWorkerArgs(argv: string[]): JoinWorkerCliOptions {
  const opts: JoinWorkerCliOptions = { labels: {}, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || (v.startsWith('--') && v !== '-')) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--token-file':
        opts.tokenFile = take();
        break;
      case '--name': {
        const name = take();
        if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 63) throw new Error(`--name ${name}: expected a DNS-1123 name`);
        opts.name = name;
        break;
      }
      case '--label': {
        const [k, v] = take().split(/=(.*)/s, 2);
        if (!k || v === undefined) throw new Error(`--label ${k ?? ''}: expected KEY=VALUE`);
        opts.labels[k] = v;
        break;
      }
      case '-h':
      case '--help':
        opts.help = true;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see --help)`);
    }
  }
  if (!opts.help && !opts.tokenFile) throw new Error('--token-file is required');
  return opts;
}

async function main(): Promise<void> {
  let opts: JoinWorkerCliOptions;
  try {
    opts = parseJoinWorkerArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`join-worker: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const token = opts.tokenFile === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(opts.tokenFile!, 'utf8');
  let worker: JoinedWorker | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130); // the exit hook still stops the kubelet
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the kubelet (the Node stays and turns NotReady)\n`);
    await worker?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  worker = await joinWorker({ token, name: opts.name, labels: opts.labels, log: m => process.stderr.write(`${m}\n`) });
  if (stopping) return;
  process.stdout.write(`Node ${worker.name} joined ${worker.server} and is Ready (CSR ${worker.csrName}). Ctrl-C stops it.\n`);
  setInterval(() => undefined, 1 << 30); // stay up until a signal
}

if (require.main === module) {
  main().catch(err => {
    const stage = err instanceof WorkerJoinError ? ` (${err.stage})` : '';
    process.stderr.write(`join-worker${stage}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
