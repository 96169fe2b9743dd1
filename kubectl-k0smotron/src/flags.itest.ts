// Every flag of every command, and every row of the error table, through the real kubectl 1.20
// with the plugin on PATH, against the shared test cluster with the operator running (watching
// only this file's namespace; no child API, so its Clusters stay Progressing). plugin.itest.ts
// follows the workflows end to end; this file goes through the flag combinations and the errors.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { startOperator, type RunningOperator, staticChildApi } from '@k0smotron/operator';
import { COMMAND_SPEC } from './completion';
import { COMMANDS } from './cmd/index';
import { commandName } from './cmd/types';
import { deadKubeconfig, pluginCli, pluginCliInTty, pluginPathDir, runWithPath, until, type PluginTarget } from './testing/plugin';

jest.setTimeout(180_000);

let kc: KubeConfig;
let kubeconfigPath: string;
let kubectlBin: string;
let pathDir: string;
let ns: string;
/** No operator watches it: Clusters and join token requests there keep no status. */
let idle: string;
let operator: RunningOperator | undefined;
const work = mkdtempSync(join(tmpdir(), 'k0smotron-flags-test-'));

const target = (): PluginTarget => ({ kubectl: kubectlBin, pathDir, kubeconfig: kubeconfigPath, namespace: ns });
const k = pluginCli(target);
/** `kubectl` itself, with the plugin on PATH. */
const kubectl = (args: string[], env?: NodeJS.ProcessEnv) => runWithPath(kubectlBin, args, pathDir, { env });

const NOT_REACHABLE = 'hint: check that the cluster is running and that --kubeconfig/--context select the right one\n';
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function clusters(): CustomObjectsApi {
  return kc.makeApiClient(CustomObjectsApi);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON, read by the assertions
async function getCluster(name: string, namespace = ns): Promise<Record<string, any> | undefined> {
  try {
    return (await clusters().getNamespacedCustomObject({ group: 'k0smotron.io', version: 'v1beta2', namespace, plural: 'clusters', name })) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

async function setFinalizers(name: string, finalizers: string[] | null): Promise<void> {
  await clusters().patchNamespacedCustomObject(
    { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'clusters', name, body: { metadata: { finalizers } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** A kubeconfig whose server refuses connections: any request fails with ECONNREFUSED. */
function refusedKubeconfig(): string {
  const file = join(work, 'refused.kubeconfig');
  writeFileSync(file, deadKubeconfig('https://127.0.0.1:1'));
  return file;
}

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; close: () => void }> {
  const sockets: Socket[] = [];
  const server: Server = createServer(sock => sockets.push(sock));
  await new Promise<void>(res => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => {
      sockets.forEach(s => s.destroy());
      server.close();
    },
  };
}

beforeAll(async () => {
  const shared = sharedTestCluster();
  kc = shared.kubeConfig;
  kubeconfigPath = shared.kubeconfigPath;
  kubectlBin = shared.kubectlPath;
  pathDir = pluginPathDir();
  ns = await createTestNamespace(kc, 'flags');
  idle = await createTestNamespace(kc, 'flags-idle');
  operator = await startOperator({ kubeConfig: kc, namespaces: [ns], logLevel: 'error', childApi: staticChildApi(() => undefined) });
  for (const args of [
    ['create', 'alpha'],
    ['create', 'beta', '--labels', `flags-test=${ns}`],
  ]) {
    const r = await k(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  const lonely = await k(['create', 'lonely'], { namespace: idle });
  if (lonely.code !== 0) throw new Error(`create lonely: ${lonely.stderr}`);
  await until(
    'the operator to write alpha-kubeconfig',
    () => kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: 'alpha-kubeconfig' }),
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await operator?.stop();
});

describe('global flags', () => {
  it('--namespace and --all-namespaces do what -n and -A do', async () => {
    const short = await k(['list', '-o', 'name']);
    expect(short).toEqual({ code: 0, stdout: 'cluster.k0smotron.io/alpha\ncluster.k0smotron.io/beta\n', stderr: '' });
    expect(await k(['list', '-o', 'name', '--namespace', ns], { namespace: null })).toEqual(short);
    expect(await k(['list', '-o', 'name', `--namespace=${ns}`], { namespace: null })).toEqual(short);
    // Only this file's beta carries the label, whatever other tests run meanwhile.
    const all = await k(['list', '-A', '-l', `flags-test=${ns}`, '-o', 'wide', '--no-headers'], { namespace: null });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^${ns}\\s+beta\\s+\\d/1\\s+\\S+\\s+v1\\.27\\.9-k0s\\.0\\s+-\\s+ClusterIP\\s+\\S+\\s+etcd\\s+\\S+\\n$`));
    const long = await k(['list', '--all-namespaces', '-l', `flags-test=${ns}`, '-o', 'wide', '--no-headers'], { namespace: null });
    expect(long.stdout.split(/\s+/).slice(0, 2)).toEqual([ns, 'beta']);
    const header = await k(['list', '--all-namespaces', '-l', `flags-test=${ns}`], { namespace: null });
    expect(header.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+PHASE\s+VERSION\s+WORKERS\s+AGE$/);
  });

  it('--request-timeout takes seconds, durations and 0 on a live server; a bare number is seconds', async () => {
    const plain = await k(['list', '-o', 'name']);
    for (const value of [['--request-timeout', '30s'], ['--request-timeout', '30'], ['--request-timeout', '0'], ['--request-timeout=1m']]) {
      expect({ value, r: await k(['list', '-o', 'name', ...value]) }).toEqual({ value, r: plain });
    }
    const silent = await silentServer();
    const hang = join(work, 'silent.kubeconfig');
    writeFileSync(hang, deadKubeconfig(silent.url));
    try {
      const started = Date.now();
      const r = await k(['status', 'alpha', '--request-timeout', '2'], { kubeconfig: hang });
      const elapsed = Date.now() - started;
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: the Kubernetes API at ${silent.url} did not answer after 2s\nhint: check that the cluster is up, or raise --request-timeout\n`,
      });
      expect(elapsed).toBeGreaterThanOrEqual(2_000);
      // Generous: guards that the 2 s timeout ends the wait (a silent server would otherwise hold
      // the command open), not how quickly the command exits afterwards.
      expect(elapsed).toBeLessThan(15_000);
    } finally {
      silent.close();
    }
  });

  it('-v: every kubectl spelling of a level logs the requests on stderr, never on stdout', async () => {
    const names = 'cluster.k0smotron.io/alpha\ncluster.k0smotron.io/beta\n';
    const get = new RegExp(`^I \\S+ GET https://\\S+/apis/k0smotron\\.io/v1beta2/namespaces/${ns}/clusters$`, 'm');
    for (const flags of [['-v=6'], ['--v=6'], ['-v', '6'], ['--v', '6'], ['-v6'], ['--verbose=6'], ['-v=9']]) {
      const r = await k(['list', '-o', 'name', ...flags]);
      expect({ flags, code: r.code, stdout: r.stdout, logged: get.test(r.stderr) }).toEqual({ flags, code: 0, stdout: names, logged: true });
    }
    expect(await k(['list', '-o', 'name', '-v=5'])).toEqual({ code: 0, stdout: names, stderr: '' });
    // Writes are logged with their method.
    const paused = await k(['pause', 'alpha', '-v', '6']);
    const resumed = await k(['resume', 'alpha']);
    expect(paused.stdout).toBe('cluster.k0smotron.io/alpha paused\n');
    expect(resumed.stdout).toBe('cluster.k0smotron.io/alpha resumed\n');
    expect(paused.stderr).toMatch(new RegExp(`^I \\S+ PATCH https://\\S+/namespaces/${ns}/clusters/alpha(\\?\\S*)?$`, 'm'));
    // Without a level, -v adds sections.
    await until('pod kmc-alpha-0', () => kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: ns, name: 'kmc-alpha-0' }), 60_000);
    expect((await k(['status', 'alpha'])).stdout).not.toContain('\nInstances\n');
    expect((await k(['status', 'alpha', '-v'])).stdout).toMatch(/\nInstances\nNAME\s+READY\s+STATUS\s+RESTARTS\s+NODE\s+AGE\n/);
  });

  it('colours a terminal, unless NO_COLOR, --color=never or TERM=dumb; --color=always beats NO_COLOR', async () => {
    const tty = (args: string[], env?: NodeJS.ProcessEnv) => pluginCliInTty(target(), args, { env });
    const auto = await tty(['list']);
    expect(auto.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes are what this checks
    expect(auto.stdout).toMatch(/\nalpha\s+\d\/1\s+\x1b\[3[13]m(Progressing|Degraded)\x1b\[39m\s+v1\.27\.9-k0s\.0\s/);
    // The colour codes do not shift the columns.
    const lines = auto.stdout.replace(ANSI, '').split('\n');
    expect(lines[1].indexOf('v1.27.9-k0s.0')).toBe(lines[0].indexOf('VERSION'));
    expect((await tty(['status', 'alpha'])).stdout).toContain('\x1b[1m\x1b[36mCluster Summary\x1b[39m\x1b[22m\n');
    for (const [args, env] of [
      [['list'], { NO_COLOR: '1' }],
      [['list', '--color=never'], {}],
      [['list'], { TERM: 'dumb' }],
      [['status', 'alpha'], { NO_COLOR: '1' }],
    ] as const) {
      const r = await tty([...args], env);
      expect({ args, env, code: r.code, coloured: r.stdout.includes('\x1b[') }).toEqual({ args, env, code: 0, coloured: false });
    }
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes are what this checks
    expect((await tty(['list', '--color=always'], { NO_COLOR: '1' })).stdout).toMatch(/\x1b\[3[13]m/);
    // A pipe is not a terminal; --color=always still colours it.
    expect((await k(['list', '--color=auto'])).stdout).not.toContain('\x1b[');
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes are what this checks
    expect((await k(['list', '--color=always'])).stdout).toMatch(/\x1b\[3[13]m/);
  });

  it('$KUBECONFIG lists are merged as kubectl does: missing files skipped, the first file wins; --kubeconfig overrides', async () => {
    const real = parse(readFileSync(kubeconfigPath, 'utf8'));
    const missing = join(work, 'missing.kubeconfig');
    const copy = join(work, 'copy.kubeconfig');
    copyFileSync(kubeconfigPath, copy);
    // Its own names and current-context, on a server that refuses connections.
    const other = join(work, 'other.kubeconfig');
    writeFileSync(other, deadKubeconfig('https://127.0.0.1:1').replace(/\b(name|cluster|user|current-context): [cu]\b/g, '$1: dead'));
    const names = 'cluster.k0smotron.io/alpha\ncluster.k0smotron.io/beta\n';
    const run = (chain: string[], args: string[] = ['list', '-o', 'name']) => k(args, { kubeconfig: null, env: { KUBECONFIG: chain.join(':') } });

    // kubectl reads the same chain the same way.
    const chain = [missing, kubeconfigPath, copy, other];
    expect((await kubectl(['config', 'current-context'], { KUBECONFIG: chain.join(':') })).stdout).toBe(`${real['current-context']}\n`);
    expect(await run(chain)).toEqual({ code: 0, stdout: names, stderr: '' });
    // The first current-context is "dead"; the contexts of later files are there too.
    const deadFirst = await run([other, kubeconfigPath]);
    expect(deadFirst.stderr).toBe(`error: cannot reach the Kubernetes API at https://127.0.0.1:1 (ECONNREFUSED)\n${NOT_REACHABLE}`);
    expect((await run([other, kubeconfigPath], ['list', '-o', 'name', '--context', real['current-context']])).stdout).toBe(names);
    expect((await k(['list', '-o', 'name'], { env: { KUBECONFIG: other } })).stdout).toBe(names);

    const none = await run([missing, `${missing}-too`]);
    expect(none).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot load kubeconfig ${missing}:${missing}-too: ENOENT: no such file or directory, open '${missing}-too'\nhint: pass --kubeconfig PATH or set KUBECONFIG\n`,
    });
    const flag = await k(['list'], { kubeconfig: missing });
    expect(flag.stderr).toBe(
      `error: cannot load kubeconfig ${missing}: ENOENT: no such file or directory, open '${missing}'\nhint: pass --kubeconfig PATH or set KUBECONFIG\n`,
    );
  });

  it('every command has --help (and -h) on stdout with its flags and the global ones', async () => {
    for (const [command, spec] of Object.entries(COMMAND_SPEC)) {
      // join-token's flags belong to its default subcommand, create.
      const words = command === 'join-token' ? ['join-token', 'create'] : [command];
      const r = await k([...words, '--help'], { namespace: null });
      const missingFlags = [...spec.flags, '--kubeconfig', '--context', '--namespace', '--all-namespaces', '--request-timeout', '--color'].filter(
        f => !r.stdout.includes(f),
      );
      expect({
        command,
        code: r.code,
        stderr: r.stderr,
        usage: r.stdout.startsWith(`kubectl k0smotron ${command === 'get' ? 'list' : words.join(' ')}`),
        missingFlags,
      }).toEqual({
        command,
        code: 0,
        stderr: '',
        usage: true,
        missingFlags: [],
      });
    }
    const sub = await k(['join-token', '--help'], { namespace: null });
    for (const s of ['create <cluster>', 'list [cluster]', 'revoke <names..>']) expect(sub.stdout).toContain(`kubectl k0smotron join-token ${s}`);
    expect(await k(['delete', '-h'], { namespace: null })).toEqual(await k(['delete', '--help'], { namespace: null }));
  });

  it('help wraps at word boundaries within 100 columns when piped', async () => {
    for (const words of [[], ...COMMANDS.map(c => [commandName(c)]), ['join-token', 'create']]) {
      const r = await k([...words, '--help'], { namespace: null });
      const tokens = new Set(r.stdout.split(/\s+/));
      const spec = words.length ? COMMANDS.find(c => commandName(c) === words[0]) : undefined;
      const texts = [
        ...(words.length === 0 ? ['Manage k0smotron hosted control planes (k0smotron.io Clusters).'] : []),
        ...(spec && words.length === 1 ? [spec.describe] : []),
        ...Object.values(spec?.subcommands?.[0]?.options ?? spec?.options ?? {}).map(o => String(o.describe)),
      ];
      // Each word of a description is whole somewhere in the output: no word was cut in two.
      const cut = texts.flatMap(t => t.split(/\s+/)).filter(w => !tokens.has(w) && !r.stdout.includes(` ${w}`));
      const wide = r.stdout.split('\n').filter(l => l.length > 100);
      expect({ words, cut, wide }).toEqual({ words, cut: [], wide: [] });
    }
  });
});

describe('outputs', () => {
  it('version: text, -o json and -o yaml with the same fields', async () => {
    const json = JSON.parse((await k(['version', '-o', 'json'], { namespace: null })).stdout);
    const yaml = await k(['version', '-o', 'yaml'], { namespace: null });
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toEqual(json);
    expect(json.clientVersion).toEqual({ plugin: 'v0.1.0', node: expect.stringMatching(/^v\d+\.\d+\.\d+$/), platform: `${process.platform}/${process.arch}` });
    const text = await k(['version'], { namespace: null });
    expect(text.stdout).toBe(`kubectl-k0smotron v0.1.0 (node ${json.clientVersion.node}, ${json.clientVersion.platform})\n`);
  });

  it('join-token: gives up after --timeout with the last condition, keeps the request; list it as a table, json, yaml and names; revoke it', async () => {
    const r = await k(['join-token', 'lonely', '--name', 'pending', '--timeout', '2s'], { namespace: idle });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^jointokenrequest\.k0smotron\.io\/pending created; waiting for the operator to issue the token…\n\[ +\d+s\] jointokenrequest\.k0smotron\.io\/pending: not reconciled yet\n/,
    );
    expect(r.stderr).toMatch(
      /\nerror: timed out after 2s waiting for the token of jointokenrequest\.k0smotron\.io\/pending; last condition: none \(is the operator running\?\)\nhint: the request stays; check `kubectl k0smotron status lonely`, then `kubectl k0smotron join-token revoke pending` if you give up\n$/,
    );
    const table = await k(['join-token', 'list'], { namespace: idle });
    expect(table.stdout).toMatch(/^NAME\s+CLUSTER\s+ROLE\s+ISSUED\s+EXPIRES\s+AGE\npending\s+lonely\s+worker\s+False\s+<pending>\s+\S+\n$/);
    const json = JSON.parse((await k(['join-token', 'list', 'lonely', '-o', 'json'], { namespace: idle })).stdout);
    expect(json).toMatchObject({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ kind: 'JoinTokenRequest', metadata: { name: 'pending', namespace: idle }, spec: { clusterName: 'lonely', expiry: '24h', role: 'worker' } }],
    });
    expect(json.items).toHaveLength(1);
    expect(json.items[0].metadata.managedFields).toBeUndefined();
    expect(parse((await k(['join-token', 'list', '-o', 'yaml'], { namespace: idle })).stdout)).toEqual(json);
    expect((await k(['join-token', 'list', '-o', 'name'], { namespace: idle })).stdout).toBe('jointokenrequest.k0smotron.io/pending\n');
    expect((await k(['join-token', 'list', '--all-namespaces', '-o', 'name'], { namespace: null })).stdout).toContain(
      'jointokenrequest.k0smotron.io/pending\n',
    );

    const wrong = await k(['join-token', 'revoke', 'nope'], { namespace: idle });
    expect(wrong).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: join token request "nope" not found in namespace "${idle}"\nhint: join tokens in namespace "${idle}": pending\n`,
    });
    expect(await k(['join-token', 'revoke', 'pending'], { namespace: idle })).toEqual({
      code: 0,
      stdout: 'jointokenrequest.k0smotron.io/pending revoked\n',
      stderr: '',
    });
    expect(await k(['join-token', 'list'], { namespace: idle })).toEqual({ code: 0, stdout: '', stderr: `No join tokens found in ${idle} namespace.\n` });
    expect((await k(['join-token', 'list', 'lonely'], { namespace: idle })).stderr).toBe(`No join tokens found for cluster lonely in ${idle} namespace.\n`);
    expect((await k(['join-token', 'revoke', 'nope'], { namespace: idle })).stderr).toBe(
      `error: join token request "nope" not found in namespace "${idle}"\nhint: there are no join tokens in namespace "${idle}"\n`,
    );
  });
});

describe('delete', () => {
  it('--wait=false returns at once and leaves a terminating Cluster; by default delete waits until it is gone', async () => {
    expect((await k(['create', 'held'])).code).toBe(0);
    // A finalizer of someone else keeps it terminating until removed.
    await setFinalizers('held', ['example.com/hold']);
    try {
      await deleteHeld();
    } finally {
      // Whatever failed above, the other tests see only alpha and beta.
      if (await getCluster('held')) await setFinalizers('held', null);
      await until('held to be gone', async () => !(await getCluster('held')), 60_000);
    }
  });

  async function deleteHeld(): Promise<void> {
    const r = await k(['delete', 'held', '--wait=false']);
    expect(r).toEqual({ code: 0, stdout: 'cluster.k0smotron.io/held deleted\n', stderr: '' });
    expect((await getCluster('held'))?.metadata.deletionTimestamp).toBeDefined();
    expect((await k(['list', 'held'])).stdout).toMatch(/\nheld\s+\d\/1\s+Deleting\s/);
    expect((await k(['status', 'held'])).stdout).toContain('Phase:  Deleting\n');

    // Waiting (the default) gives up after --timeout; each request is still bounded by --request-timeout.
    const timedOut = await k(['delete', 'held', '--timeout', '3s', '--request-timeout', '1s']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toBe('cluster.k0smotron.io/held deleted\n');
    expect(timedOut.stderr).toMatch(/^\[ +\d+s\] cluster\/held: Deleting, \d\/1 ready/);
    expect(timedOut.stderr.split('\n').slice(-3)).toEqual([
      'error: timed out after 3s waiting for cluster "held" to be deleted; finalizers still set: example.com/hold',
      'hint: see `kubectl k0smotron status held`, or wait longer with --timeout',
      '',
    ]);

    let progress = '';
    const waiting = k(['delete', 'held', '--timeout', '60s'], { onStderr: d => (progress += d) });
    await until('delete to be waiting', async () => progress.includes('cluster/held: Deleting'), 30_000);
    expect((await getCluster('held'))?.metadata.deletionTimestamp).toBeDefined();
    await setFinalizers('held', null);
    const done = await waiting;
    expect(done.stdout).toBe('cluster.k0smotron.io/held deleted\n');
    expect(done.code).toBe(0);
    expect(await getCluster('held')).toBeUndefined();
  }
});

describe('kubeconfig', () => {
  it('--merge --context-name goes into the first existing file of $KUBECONFIG, keeps one backup, and kubectl reads it', async () => {
    const absent = join(work, 'absent.kubeconfig');
    const mine = join(work, 'first.kubeconfig');
    copyFileSync(kubeconfigPath, mine);
    const env = { KUBECONFIG: [absent, mine, kubeconfigPath].join(':') };
    const r = await k(['kubeconfig', 'alpha', '--merge', '--context-name', 'alpha-admin'], { kubeconfig: null, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`\\nContext "alpha-admin" added in ${mine} \\(backup: ${mine}\\.bak\\)\\. Use it with \`kubectl --context alpha-admin …\`\\.\\n$`),
    );
    expect(existsSync(absent)).toBe(false);
    const backups = () => readdirSync(work).filter(f => f.startsWith('first.kubeconfig.'));
    expect(backups()).toEqual(['first.kubeconfig.bak']);
    const cluster = await getCluster('alpha');
    const merged = parse(readFileSync(mine, 'utf8'));
    expect(merged['current-context']).toBe(parse(readFileSync(kubeconfigPath, 'utf8'))['current-context']);
    expect(merged.clusters.find((c: { name: string }) => c.name === 'alpha-admin')?.cluster.server).toBe(cluster?.status?.endpoint);
    // The stored admin kubeconfig merged twice: the second time nothing changes, nothing is written.
    expect((await k(['kubeconfig', 'alpha', '--admin', '--merge', '--context-name', 'alpha-admin'], { kubeconfig: null, env })).code).toBe(0);
    const again = await k(['kubeconfig', 'alpha', '--admin', '--merge', '--context-name', 'alpha-admin'], { kubeconfig: null, env });
    expect(again.stderr).toMatch(new RegExp(`\\nContext "alpha-admin" in ${mine} is already up to date\\.\\n$`));
    expect(backups()).toEqual(['first.kubeconfig.bak']);
    const contexts = await kubectl(['config', 'get-contexts', '-o', 'name'], env);
    expect(contexts.stdout.split('\n')).toContain('alpha-admin');
  });

  it('-- CMD gets a private kubeconfig file that is removed afterwards; a missing CMD is named', async () => {
    const r = await k(['kubeconfig', 'alpha', '--', 'sh', '-c', 'stat -c "%a %n" "$KUBECONFIG"']);
    expect(r.code).toBe(0);
    const [mode, file] = r.stdout.trim().split(' ');
    expect(mode).toBe('600');
    expect(existsSync(file)).toBe(false);
    const missing = await k(['kubeconfig', 'alpha', '--', 'no-such-command-k0s']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    // The note on what was signed comes first; the error is the last two lines.
    expect(missing.stderr).toMatch(
      /^Signed a kubeconfig for user .*\nerror: cannot run no-such-command-k0s: ENOENT\nhint: check that the command is installed and on PATH\n$/,
    );
  });
});

describe('completion scripts work in their shells', () => {
  // What each shell completes for: a command name, a flag value, and a Cluster name from the API.
  const cases = () => [
    { words: ['sc'], want: ['scale'] },
    { words: ['create', '--service-type', ''], want: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
    { words: ['status', '--kubeconfig', kubeconfigPath, '-n', ns, 'al'], want: ['alpha'] },
  ];
  const script = async (shell: string) => {
    const r = await k(['completion', shell], { namespace: null });
    expect(r.code).toBe(0);
    const file = join(work, `completion.${shell}`);
    writeFileSync(file, r.stdout);
    return file;
  };
  const q = (w: string) => `'${w}'`;

  it('bash', async () => {
    const file = await script('bash');
    for (const { words, want } of cases()) {
      const all = ['kubectl-k0smotron', ...words];
      const line = `source ${file}; COMP_WORDS=(${all.map(q).join(' ')}); COMP_CWORD=${all.length - 1}; _kubectl_k0smotron; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await runWithPath('bash', ['--norc', '-c', line], pathDir);
      expect({ words, got: r.stdout.trim().split('\n').sort(), stderr: r.stderr }).toEqual({ words, got: [...want].sort(), stderr: '' });
    }
  });

  it('zsh', async () => {
    const file = await script('zsh');
    for (const { words, want } of cases()) {
      const all = ['kubectl-k0smotron', ...words];
      // Outside an interactive completion: compadd prints what it would offer.
      const line = `compdef() { :; }; compadd() { shift; print -l -- "$@"; }; _files() { print FILES; }; source ${file}; words=(${all.map(q).join(' ')}); CURRENT=${all.length}; _kubectl_k0smotron`;
      const r = await runWithPath('zsh', ['-f', '-c', line], pathDir);
      expect({ words, got: r.stdout.trim().split('\n').sort(), stderr: r.stderr }).toEqual({ words, got: [...want].sort(), stderr: '' });
    }
  });

  it('fish', async () => {
    const file = await script('fish');
    for (const { words, want } of cases()) {
      const line = ['kubectl-k0smotron', ...words].join(' ');
      const r = await runWithPath('fish', ['--no-config', '-c', `source ${file}; complete -C ${q(line)}`], pathDir);
      expect({ words, got: r.stdout.trim().split('\n').sort(), stderr: r.stderr }).toEqual({ words, got: [...want].sort(), stderr: '' });
    }
  });
});

describe('errors: one line, a hint, exit 1', () => {
  it('not found lists what exists, for every command that takes a Cluster', async () => {
    const stderr = `error: cluster "nope" not found in namespace "${ns}"\nhint: clusters in namespace "${ns}": alpha, beta\n`;
    for (const args of [
      ['get', 'nope'],
      ['list', 'alpha', 'nope'],
      ['status', 'nope'],
      ['status', 'nope', '-o', 'yaml'],
      ['describe', 'nope'],
      ['kubeconfig', 'nope'],
      ['kubeconfig', 'nope', '--merge'],
      ['kubeconfig', 'nope', '--', 'true'],
      ['scale', 'nope', '--replicas', '2'],
      ['upgrade', 'nope', '--version', 'v1.30.2-k0s.0'],
      ['pause', 'nope'],
      ['resume', 'nope'],
      ['sleep', 'nope'],
      ['wake', 'nope'],
      ['delete', 'nope'],
      ['delete', 'nope', '--wait=false'],
      ['join-token', 'nope'],
      ['join-token', 'create', 'nope', '-o', 'script'],
      ['join-token', 'list', 'nope'],
    ]) {
      const r = await k(args);
      expect({ args, r }).toEqual({ args, r: { code: 1, stdout: '', stderr } });
    }
  });

  it('invalid flag values and combinations are refused before any request, naming the valid ones', async () => {
    // Any request to this server would fail with "cannot reach": these errors come first.
    const kubeconfig = refusedKubeconfig();
    const output = (value: string, valid: string) => `error: invalid --output "${value}"\nhint: valid values: ${valid}\n`;
    const timeout = 'error: invalid --timeout "soon"\nhint: use a duration such as 30s, 5m or 1h\n';
    const dryRun = 'error: invalid --dry-run "maybe"\nhint: valid values: none, client, server\n';
    const color = 'error: invalid --color "pink"\nhint: valid values: auto, always, never\n';
    const cases: [string[], string][] = [
      [['list', '-o', 'table'], output('table', 'wide, json, yaml, name')],
      [['get', 'alpha', '-o', 'table'], output('table', 'wide, json, yaml, name')],
      [['status', 'alpha', '-o', 'wide'], output('wide', 'json, yaml')],
      [['join-token', 'alpha', '-o', 'kubeconfig'], output('kubeconfig', 'token, script, yaml, json')],
      [['join-token', 'list', '-o', 'wide'], output('wide', 'json, yaml, name')],
      [['create', 'x', '-o', 'wide'], output('wide', 'yaml, json, name')],
      [['install', '-o', 'json'], output('json', 'yaml')],
      [['version', '-o', 'table'], output('table', 'json, yaml')],
      [['install', '--dry-run=maybe'], dryRun],
      [['uninstall', '--dry-run=maybe'], dryRun],
      [['create', 'x', '--wait', '--timeout', 'soon'], timeout],
      [['delete', 'x', '--timeout', 'soon'], timeout],
      [['join-token', 'alpha', '--timeout', 'soon'], timeout],
      [['install', '--wait', '--timeout', 'soon'], timeout],
      [['uninstall', '--timeout', 'soon'], timeout],
      [['scale', 'x', '--replicas', 'many'], 'error: invalid --replicas "many": not a whole number\nhint: use a whole number from 0 to 99\n'],
      [
        ['list', '--request-timeout=1y'],
        'error: invalid --request-timeout "1y"\nhint: use a number of seconds or a duration such as 10s, 1m or 0 (no timeout)\n',
      ],
      [['status', 'alpha', '--color', 'pink'], color],
      [['version', '--color', 'pink'], color],
      [['completion', 'bash', '--color', 'pink'], color],
      [['completion', 'tcsh'], 'error: unsupported shell "tcsh"\nhint: valid values: bash, zsh, fish\n'],
      [['create', 'x', '--wait', '--dry-run=client'], 'error: --wait cannot be combined with --dry-run\nhint: drop one of them\n'],
      [['list', '-A', 'alpha'], 'error: a cluster name cannot be combined with --all-namespaces\nhint: drop -A, or drop the names and filter with -l\n'],
      [['kubeconfig', 'alpha', '--use'], 'error: --use only applies with --merge\nhint: add --merge\n'],
      [['kubeconfig', 'alpha', '--context-name', 'mine'], 'error: --context-name only applies with --merge\nhint: add --merge\n'],
      [['kubeconfig', 'alpha', '--merge', '--', 'true'], 'error: --merge cannot be combined with a command after --\nhint: drop one of them\n'],
      [['kubeconfig', 'alpha', '--expiry', 'soon'], 'error: invalid --expiry "soon"\nhint: use a duration such as 8h, 30m or 90s (at most 168h)\n'],
      [
        ['kubeconfig', 'alpha', '--expiry', '200h'],
        'error: invalid --expiry "200h": the kubeconfig lifetime may be at most 168h (7 days): a certificate cannot be revoked, only expire\nhint: use a duration between 1s and 168h\n',
      ],
      [
        ['kubeconfig', 'alpha', '--admin', '--expiry', '1h'],
        "error: --expiry does not apply to --admin\nhint: the stored admin kubeconfig's lifetime is set by the operator; drop one of them\n",
      ],
      [['upgrade', 'alpha'], 'error: missing required argument: k0s-version\nhint: run `kubectl k0smotron COMMAND --help` for usage\n'],
      [['join-token', 'revoke'], 'error: not enough non-option arguments: got 0, need at least 1\nhint: run `kubectl k0smotron COMMAND --help` for usage\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await k(args, { kubeconfig });
      expect({ args, r }).toEqual({ args, r: { code: 1, stdout: '', stderr } });
    }
  });

  it('an unreachable API is named by its URL, whatever the command', async () => {
    const kubeconfig = refusedKubeconfig();
    const stderr = `error: cannot reach the Kubernetes API at https://127.0.0.1:1 (ECONNREFUSED)\n${NOT_REACHABLE}`;
    for (const args of [
      ['list'],
      ['list', '-A'],
      ['get', 'x', '-o', 'yaml'],
      ['status', 'x'],
      ['describe', 'x'],
      ['create', 'x'],
      ['create', 'x', '--dry-run=server'],
      ['kubeconfig', 'x'],
      ['join-token', 'x'],
      ['join-token', 'list'],
      ['join-token', 'revoke', 'x'],
      ['delete', 'x'],
      ['delete', 'x', '--wait=false'],
      ['scale', 'x', '--replicas', '2'],
      ['upgrade', 'x', '--version', 'v1.30.2-k0s.0'],
      ['pause', 'x'],
      ['resume', 'x'],
      ['sleep', 'x'],
      ['wake', 'x'],
      ['install'],
      ['install', '--dry-run=server'],
      ['uninstall'],
      ['uninstall', '--dry-run=server'],
    ]) {
      const r = await k(args, { kubeconfig });
      expect({ args, r }).toEqual({ args, r: { code: 1, stdout: '', stderr } });
    }
  });
});
