// The command line: yargs declares every command and flag (cheap, so `--help` starts fast);
// each handler loads its implementation and the Kubernetes client only when it runs.
// Errors become "error: …" plus "hint: …" on stderr and exit code 1.
import yargs, { type Argv } from 'yargs';
import { CliError, isCliError } from './errors';
import type { GlobalFlags, Io, Session } from './session';
import { PLUGIN_VERSION } from './version';
import { loadCommands } from './lazy';

export const COMMANDS = [
  'create', 'list', 'get', 'status', 'describe', 'kubeconfig', 'join-token', 'delete', 'scale', 'upgrade',
  'pause', 'resume', 'sleep', 'wake', 'install', 'uninstall', 'version', 'completion',
] as const;

// Each command declares its own argument type; `never` lets all of them be stored here.
type Handler = (s: Session, args: never) => Promise<void | number>;

/** Builds a Session lazily: the Kubernetes client is loaded only by commands that need it. */
async function newSession(flags: GlobalFlags, io: Io): Promise<Session> {
  const { Session, loadKube, K0smotronClient } = await loadCommands();
  return new Session(flags, io, { loadKube, K0smotronClient });
}

export interface RunResult {
  code: number;
}

/** Parses argv and runs one command; never exits the process itself. */
export async function main(rawArgv: string[], io: Io): Promise<number> {
  // Cobra's completion protocol bypasses the parser: the words may be half-typed.
  if (rawArgv[0] === '__complete' || rawArgv[0] === '__completeNoDesc') {
    const { runComplete } = await loadCommands();
    return runComplete(rawArgv.slice(1), io);
  }
  const { argv, level } = extractVerbosity(rawArgv);
  let exitCode = 0;
  let failure: unknown;
  const run =
    (load: () => Promise<Handler>) =>
    async (args: Record<string, unknown>): Promise<void> => {
      const handler = await load();
      const flags = { ...args, v: Math.max(Number(args.v ?? 0), level) } as GlobalFlags;
      const session = await newSession(flags, io);
      const code = await (handler as unknown as (s: Session, a: unknown) => Promise<void | number>)(session, args);
      if (typeof code === 'number') exitCode = code;
    };

  const parser = yargs(argv)
    .scriptName('kubectl k0smotron')
    .usage('Usage: kubectl k0smotron COMMAND [flags]\n\nManage k0smotron hosted control planes (k0smotron.io Clusters).')
    .parserConfiguration({ 'populate--': true, 'camel-case-expansion': true, 'strip-aliased': true })
    .version(false)
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(120, io.stdout.isTTY ? (process.stdout.columns ?? 100) : 100))
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .options({
      kubeconfig: { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)', global: true },
      context: { type: 'string', describe: 'The kubeconfig context to use', global: true },
      namespace: { alias: 'n', type: 'string', describe: 'Namespace (default: the context\'s namespace, else "default")', global: true },
      'all-namespaces': { alias: 'A', type: 'boolean', describe: 'Across all namespaces (list, join-token list)', global: true },
      'request-timeout': { type: 'string', describe: 'Timeout of each API request, e.g. 10s, 1m (0 = none)', global: true },
      v: { alias: 'verbose', type: 'count', describe: 'More detail: -v adds sections, -v=6 logs requests', global: true },
      color: { type: 'string', default: 'auto', describe: 'Colour output: auto, always or never (NO_COLOR is honoured)', global: true },
    })
    .group(['kubeconfig', 'context', 'namespace', 'all-namespaces', 'request-timeout', 'v', 'color', 'help'], 'Global flags:')
    // Also for the commands that need no Session (version, completion), which checks it too.
    .middleware(args => (args.help ? undefined : checkColorFlag(args.color)))
    .command(
      'create [name]',
      'Create a Cluster from flags or a manifest (-f)',
      y =>
        y
          .positional('name', { type: 'string', describe: 'Cluster name' })
          .options({
            filename: { alias: 'f', type: 'string', describe: 'Manifest of the Cluster (YAML or JSON; - for stdin)' },
            replicas: { type: 'string', describe: 'Number of k0s controllers (0 = asleep)' },
            'k0s-version': { type: 'string', describe: 'k0s version, e.g. v1.30.2-k0s.0 (alias --version)' },
            image: { type: 'string', describe: 'k0s image without tag' },
            'service-type': { type: 'string', describe: 'ClusterIP, NodePort or LoadBalancer' },
            'api-port': { type: 'string', describe: 'Kubernetes API port' },
            'konnectivity-port': { type: 'string', describe: 'Konnectivity port' },
            'external-address': { type: 'string', describe: 'Host name or IP workers use to reach the API' },
            storage: { type: 'string', describe: 'Datastore: etcd or kine' },
            'kine-url': { type: 'string', describe: 'kine data source URL (storage kine)' },
            'kine-secret': { type: 'string', describe: 'Secret holding the kine URL in key K0SMOTRON_KINE_DATASOURCE_URL' },
            'etcd-size': { type: 'string', describe: 'Size of each etcd volume, e.g. 1Gi' },
            'etcd-storage-class': { type: 'string', describe: 'StorageClass of the etcd volumes' },
            persistence: { type: 'string', describe: 'Controller data volume: emptyDir, hostPath or pvc' },
            'persistence-size': { type: 'string', describe: 'Size of the controller PVC (persistence pvc)' },
            'persistence-storage-class': { type: 'string', describe: 'StorageClass of the controller PVC' },
            'host-path': { type: 'string', describe: 'Host directory (persistence hostPath)' },
            'k0s-config': { type: 'string', describe: 'File with a k0s ClusterConfig to embed' },
            labels: { type: 'string', array: true, describe: 'Labels KEY=VALUE (repeat or comma-separate)' },
            annotations: { type: 'string', array: true, describe: 'Annotations KEY=VALUE (repeat or comma-separate)' },
            'dry-run': { type: 'string', describe: 'client (render locally) or server (validate on the server); nothing is stored' },
            output: { alias: 'o', type: 'string', describe: 'Print the Cluster instead of a summary: yaml, json or name' },
            wait: { type: 'boolean', default: false, describe: 'Wait until the Cluster is Available (progress on stderr)' },
            timeout: { type: 'string', default: '10m', describe: 'How long --wait waits' },
          })
          .alias('k0s-version', 'version')
          .example('kubectl k0smotron create demo', '# a Cluster with upstream defaults')
          .example('kubectl k0smotron create demo --replicas 3 --service-type NodePort --k0s-version v1.30.2-k0s.0 --wait', '# three controllers on NodePorts, wait until Available')
          .example('kubectl k0smotron create demo --storage kine --kine-secret demo-db', '# kine with the URL from a Secret')
          .example('kubectl k0smotron create demo --dry-run=client -o yaml > demo.yaml', '# render the manifest only')
          .example('kubectl k0smotron create -f demo.yaml', '# from a manifest'),
      run(async () => (await loadCommands()).runCreate),
    )
    .command(
      ['list [names..]', 'get'],
      'List Clusters (kubectl-style table)',
      y =>
        y
          .positional('names', { type: 'string', array: true, describe: 'Only these Clusters' })
          .options({
            output: { alias: 'o', type: 'string', describe: 'wide, json, yaml or name' },
            selector: { alias: 'l', type: 'string', describe: 'Label selector, e.g. env=dev' },
            headers: { type: 'boolean', default: true, describe: 'Print the header row (--no-headers omits it)' },
          })
          .example('kubectl k0smotron list -A', '# every Cluster in every namespace')
          .example('kubectl k0smotron list -l env=dev -o wide', '# with service, endpoint and storage columns'),
      run(async () => (await loadCommands()).runList),
    )
    .command(
      'status <name>',
      'Summary of a Cluster: control plane, datastore, certificates, conditions, events',
      y =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .options({ output: { alias: 'o', type: 'string', describe: 'json or yaml instead of text' } })
          .example('kubectl k0smotron status demo', '# sectioned summary; problems listed at the end')
          .example('kubectl k0smotron status demo -v', '# also instances and all recent events'),
      run(async () => (await loadCommands()).runStatus),
    )
    .command(
      'describe <name>',
      'Tree of a Cluster and everything it owns, with readiness',
      y =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .options({ grouping: { type: 'boolean', default: true, describe: 'Fold ready objects of one kind into a row' } })
          .example('kubectl k0smotron describe demo', '# the ownership tree')
          .example('kubectl k0smotron describe demo --grouping=false', '# one row per object'),
      run(async () => (await loadCommands()).runDescribe),
    )
    .command(
      'kubeconfig <name>',
      'A short-lived kubeconfig of your own for a Cluster (--admin: the shared one): print, merge, or run one command',
      y =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .options({
            expiry: { type: 'string', describe: 'How long your certificate works, e.g. 1h, 30m (default 8h, at most 168h)' },
            admin: { type: 'boolean', default: false, describe: 'Break-glass: the stored shared admin kubeconfig (valid 7 days, renewed by the operator, not revocable)' },
            merge: { type: 'boolean', default: false, describe: 'Add it to your kubeconfig (atomically, mode 0600, previous content in FILE.bak)' },
            'context-name': { type: 'string', describe: 'Name of the merged context (default k0smotron-NAMESPACE-NAME)' },
            use: { type: 'boolean', default: false, describe: 'With --merge: make it the current context (never switched otherwise)' },
          })
          .example('kubectl k0smotron kubeconfig demo > demo.conf', '# print one valid for 8 hours, naming you')
          .example('kubectl k0smotron kubeconfig demo --expiry 1h --merge --use', '# merge into ~/.kube/config and switch to it')
          .example('kubectl k0smotron kubeconfig demo -- kubectl get nodes', '# run one command against the Cluster')
          .example('kubectl k0smotron kubeconfig demo --admin > admin.conf', '# break-glass: the shared admin kubeconfig'),
      run(async () => (await loadCommands()).runKubeconfig),
    )
    .command('join-token', 'Issue, list and revoke worker join tokens', y =>
      y
        .command(
          ['create <cluster>', '$0 <cluster>'],
          'Issue a join token for a Cluster (waits for it and prints it)',
          yy =>
            yy
              .positional('cluster', { type: 'string', demandOption: true })
              .options({
                expiry: { type: 'string', describe: 'How long the token works, e.g. 1h, 24h (0s = never expires)' },
                role: { type: 'string', describe: 'worker or controller' },
                name: { type: 'string', describe: 'Name of the JoinTokenRequest (default CLUSTER-TOKEN-random)' },
                output: { alias: 'o', type: 'string', describe: 'token (default), script, or yaml/json (the JoinTokenRequest, token in status.token)' },
                timeout: { type: 'string', default: '2m', describe: 'How long to wait for the token' },
              })
              .example('kubectl k0smotron join-token demo --expiry 1h > token', '# a worker token valid for an hour')
              .example('kubectl k0smotron join-token demo -o script | ssh worker sudo sh', '# install and start a worker'),
          run(async () => (await loadCommands()).runJoinTokenCreate),
        )
        .command(
          'list [cluster]',
          'List join tokens (of one Cluster, or all)',
          yy =>
            yy
              .positional('cluster', { type: 'string' })
              .options({ output: { alias: 'o', type: 'string', describe: 'json, yaml or name' } }),
          run(async () => (await loadCommands()).runJoinTokenList),
        )
        .command(
          'revoke <names..>',
          'Revoke join tokens (deletes their JoinTokenRequests)',
          yy => yy.positional('names', { type: 'string', array: true, demandOption: true }),
          run(async () => (await loadCommands()).runJoinTokenRevoke),
        )
        .demandCommand(1),
    )
    .command(
      'delete <names..>',
      'Delete Clusters',
      y =>
        y
          .positional('names', { type: 'string', array: true, demandOption: true })
          .options({
            wait: { type: 'boolean', default: true, describe: 'Wait until the Cluster is gone' },
            timeout: { type: 'string', default: '2m', describe: 'How long --wait waits' },
          }),
      run(async () => (await loadCommands()).runDelete),
    )
    .command(
      'scale <name>',
      'Set the number of controllers',
      y =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .options({ replicas: { type: 'string', demandOption: true, describe: 'Number of controllers' } })
          .example('kubectl k0smotron scale demo --replicas 3', '# three controllers'),
      run(async () => (await loadCommands()).runScale),
    )
    .command(
      'upgrade <name>',
      'Change the k0s version (the controllers roll one by one)',
      y =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .options({ 'k0s-version': { type: 'string', demandOption: true, describe: 'Target k0s version, e.g. v1.30.2-k0s.0' } })
          .alias('k0s-version', 'version')
          .example('kubectl k0smotron upgrade demo --version v1.30.2-k0s.0', '# roll to k0s 1.30.2'),
      run(async () => (await loadCommands()).runUpgrade),
    )
    .command('pause <name>', 'Stop the operator from changing a Cluster', y => y.positional('name', { type: 'string', demandOption: true }), run(async () => (await loadCommands()).runPause))
    .command('resume <name>', 'Let the operator manage a paused Cluster again', y => y.positional('name', { type: 'string', demandOption: true }), run(async () => (await loadCommands()).runResume))
    .command('sleep <name>', 'Scale the controllers to 0, remembering the count', y => y.positional('name', { type: 'string', demandOption: true }), run(async () => (await loadCommands()).runSleep))
    .command('wake <name>', 'Scale a sleeping Cluster back to its count before sleep', y => y.positional('name', { type: 'string', demandOption: true }), run(async () => (await loadCommands()).runWake))
    .command(
      'install',
      'Install the k0smotron operator and CRDs into the current cluster',
      y =>
        y
          .options({
            'dry-run': { type: 'string', describe: 'client (print what would be applied) or server' },
            output: { alias: 'o', type: 'string', describe: 'yaml: print the manifest and exit' },
            wait: { type: 'boolean', default: false, describe: 'Wait until the operator is ready' },
            timeout: { type: 'string', default: '5m', describe: 'How long --wait waits' },
            force: { type: 'boolean', default: false, describe: 'Install even though the upstream k0smotron operator runs here (replaces its CRDs)' },
          })
          .example('kubectl k0smotron install --wait', '# install and wait for the operator'),
      run(async () => (await loadCommands()).runInstall),
    )
    .command(
      'uninstall',
      'Remove the k0smotron operator and CRDs (refuses while Clusters exist)',
      y =>
        y.options({
          force: { type: 'boolean', default: false, describe: 'Uninstall even though Clusters exist (they are deleted) or the upstream operator runs here' },
          'dry-run': { type: 'string', describe: 'client or server: show what would be removed' },
          wait: { type: 'boolean', default: false, describe: 'Wait until everything is gone' },
          timeout: { type: 'string', default: '5m', describe: 'How long --wait waits' },
        }),
      run(async () => (await loadCommands()).runUninstall),
    )
    .command(
      'version',
      'Print the plugin version',
      y => y.options({ output: { alias: 'o', type: 'string', describe: 'json or yaml' } }),
      async args => {
        const o = args.output as string | undefined;
        if (o !== undefined && o !== 'json' && o !== 'yaml') throw new CliError(`invalid --output "${o}"`, 'valid values: json, yaml');
        const info = { clientVersion: { plugin: PLUGIN_VERSION, node: process.version, platform: `${process.platform}/${process.arch}` } };
        if (o === 'json') io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        else if (o === 'yaml') io.stdout.write(`clientVersion:\n  plugin: ${PLUGIN_VERSION}\n  node: ${process.version}\n  platform: ${info.clientVersion.platform}\n`);
        else io.stdout.write(`kubectl-k0smotron ${PLUGIN_VERSION} (node ${process.version}, ${info.clientVersion.platform})\n`);
      },
    )
    .command(
      'completion <shell>',
      'Print a shell completion script (bash, zsh or fish)',
      y =>
        y
          .positional('shell', { type: 'string', demandOption: true })
          .example('source <(kubectl k0smotron completion bash)', '# bash, current shell')
          .example('kubectl k0smotron completion fish > ~/.config/fish/completions/kubectl-k0smotron.fish', '# fish'),
      async args => {
        const { completionScript } = await loadCommands();
        io.stdout.write(completionScript(String(args.shell)));
      },
    )
    .demandCommand(1, 'a command is required')
    .epilog('Run `kubectl k0smotron COMMAND --help` for the flags of one command.')
    .fail((msg, err) => {
      // Throwing stops yargs here (a handler must not run after a parse error).
      if (err) throw isCliError(err) || (err as { name?: string }).name !== 'YError' ? err : toUnexpected(err);
      throw toUnexpected(new Error(msg));
    });

  try {
    await parser.parseAsync();
  } catch (err) {
    failure ??= err;
  }
  if (failure !== undefined) {
    reportError(failure, io);
    return 1;
  }
  return exitCode;
}

function checkColorFlag(value: unknown): void {
  if (value !== undefined && !['auto', 'always', 'never'].includes(String(value))) {
    throw new CliError(`invalid --color "${String(value)}"`, 'valid values: auto, always, never');
  }
}

/**
 * kubectl spells verbosity `-v=6`, `--v=6`, `-v6` or `-v 6`; yargs counts `-v -v`. All are
 * accepted: a number after `-v` is its level (as in kubectl), never a positional argument.
 */
export function extractVerbosity(argv: string[]): { argv: string[]; level: number } {
  let level = 0;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const joined = /^(?:--?v(?:erbose)?=|-v)([0-9]+)$/.exec(a);
    if (joined) {
      level = Math.max(level, Number(joined[1]));
    } else if (/^--?v(?:erbose)?$/.test(a) && /^[0-9]+$/.test(argv[i + 1] ?? '')) {
      level = Math.max(level, Number(argv[i + 1]));
      i++;
    } else {
      out.push(a);
    }
  }
  return { argv: out, level };
}

function reportError(err: unknown, io: Io): void {
  const e = isCliError(err) ? err : toUnexpected(err);
  const oneLine = e.message.split('\n')[0];
  io.stderr.write(`error: ${oneLine}\n`);
  if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
}

function toUnexpected(err: unknown): CliError {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (m) return new CliError(`unknown command, flag or argument: ${m[1]}`, 'run `kubectl k0smotron --help` for usage');
  if ((err as { name?: string }).name === 'YError' || /^(Not enough|Missing required|Invalid values|Did you mean)/.test(msg)) {
    return new CliError(msg.split('\n')[0].replace(/^./, c => c.toLowerCase()), 'run `kubectl k0smotron COMMAND --help` for usage');
  }
  return new CliError(msg, 'rerun with -v=6 to see the requests made');
}

export type { Argv };
