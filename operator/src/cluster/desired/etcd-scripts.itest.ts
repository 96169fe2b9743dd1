// The etcd StatefulSet's start script (desired/etcd.ts), run for real: each "pod" runs the
// container's command exactly as the generated StatefulSet gives it, under `sh`, with the pod's
// environment (the kubelet's `$(VAR)` expansion of the arguments included), certificates generated
// by the operator's PKI for the Cluster, and real etcd and etcdctl processes. Members find each
// other by the names they have in Kubernetes (`<pod>.<headless Service>`, the Service name for
// "any member"), so the TLS names and the peer URLs are the production ones: every process runs
// in a mount namespace of its own whose /etc/hosts (bind-mounted over the machine's) maps those
// names to the pods' addresses, as the cluster DNS would.
//
// What differs from a pod, and why (nothing else is changed):
//  - file locations: `/var/lib/k0s` (the data volume and the certificate volume) cannot be
//    created here, so each pod gets a directory of its own in a temporary directory instead;
//  - the listen address: a pod listens on 0.0.0.0 in its own network namespace; here all pods
//    share one, so each listens on its own loopback address (127.x.y.N) on the production ports;
//  - `--tls-min-version`: the etcd here is Debian's 3.4, which has no such flag (TLS 1.2 is its
//    minimum anyway); the image's etcd has it.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, type Cluster } from '@k0smotron/api';
import { etcdPath } from '@k0smotron/testenv';
import { generatePki, type CertKeyPem } from '../../pki';
import { eventually } from '../testing/helpers';
import { clusterView, desiredChildren } from './index';
import { testCluster, testFacts } from './testdata/fixtures';

jest.setTimeout(180_000);

const run = promisify(execFile);

/** Fails with what to do when a tool the test needs is missing (never skips). */
function which(tool: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`])
      .toString()
      .trim();
  } catch {
    throw new Error(`${tool} is not installed: run scripts/setup.sh (it installs Debian's etcd-client and etcd-server)`);
  }
}

/** The sandbox each process runs in: /etc/hosts replaced by `hostsFile` for it alone. */
function inHostsNamespace(hostsFile: string, argv: string[]): [string, string[]] {
  return ['unshare', ['--mount', '/bin/sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, ...argv]];
}

interface Member {
  id: string;
  status: string;
  name: string;
  peerURLs: string;
  clientURLs: string;
}

/** `etcdctl member list` (simple format: "ID, status, name, peer URLs, client URLs, is learner"). */
function parseMemberList(text: string): Member[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(line => {
      const [id, status, name, peerURLs, clientURLs] = line.split(', ');
      return { id, status, name, peerURLs, clientURLs };
    });
}

interface Pod {
  name: string;
  ip: string;
  /** Stands for the pod's `/var/lib/k0s`: `etcd/` is the data volume, `pki/` the certificates. */
  root: string;
  proc?: ChildProcess;
  exited?: Promise<number | null>;
  /** The start of this run's output (what the script said) and its latest part (etcd). */
  head: string;
  output: string;
}

class Bed {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smotron-etcd-scripts-'));
  readonly hostsFile = path.join(this.dir, 'hosts');
  readonly bin = path.join(this.dir, 'bin');
  readonly pods: Pod[] = [];
  private pki!: Record<'etcd' | 'etcd-server' | 'etcd-peer' | 'apiserver-etcd-client', CertKeyPem>;

  constructor(
    readonly cluster: Cluster,
    private readonly base: string,
  ) {
    // The image has etcd and etcdctl on its PATH; so does the pod here, and nothing else of ours.
    fs.mkdirSync(this.bin);
    fs.symlinkSync(etcdPath(), path.join(this.bin, 'etcd'));
    fs.symlinkSync(which('etcdctl'), path.join(this.bin, 'etcdctl'));
  }

  get view() {
    return clusterView(this.cluster);
  }
  get svc(): string {
    return this.view.names.etcdService;
  }

  async init(members: number): Promise<void> {
    const { namespace } = this.view;
    const out = await generatePki({
      missing: ['etcd', 'etcd-server', 'etcd-peer', 'apiserver-etcd-client'],
      etcdServiceName: this.svc,
      namespace,
      now: new Date(),
    });
    this.pki = { etcd: out.etcd!, 'etcd-server': out['etcd-server']!, 'etcd-peer': out['etcd-peer']!, 'apiserver-etcd-client': out['apiserver-etcd-client']! };
    for (let i = 0; i < members; i++) {
      const name = `${this.view.names.etcdStatefulSet}-${i}`;
      const root = path.join(this.dir, name);
      // The volumes as the kubelet mounts them: an empty data volume, and the certificate Secrets
      // projected with mode 0400.
      fs.mkdirSync(path.join(root, 'etcd'), { recursive: true });
      fs.mkdirSync(path.join(root, 'pki'));
      const files: Record<string, string> = {
        'etcd-ca.crt': this.pki.etcd.cert,
        'etcd-server.crt': this.pki['etcd-server'].cert,
        'etcd-server.key': this.pki['etcd-server'].key,
        'etcd-peer.crt': this.pki['etcd-peer'].cert,
        'etcd-peer.key': this.pki['etcd-peer'].key,
      };
      for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(root, 'pki', f), text, { mode: 0o400 });
      this.pods.push({ name, ip: `${this.base}.${i + 1}`, root, head: '', output: '' });
    }
    this.writeHosts();
  }

  /**
   * What the cluster DNS answers: each pod's own names, and for the headless Service (which
   * publishes not-ready addresses) every pod, listed from the highest ordinal down, so a joining
   * member's client first meets pods that do not answer yet.
   */
  private writeHosts(): void {
    const { namespace } = this.view;
    const lines = ['127.0.0.1 localhost'];
    for (const p of this.pods) {
      const sub = `${p.name}.${this.svc}`;
      lines.push(`${p.ip} ${sub} ${sub}.${namespace}.svc ${sub}.${namespace}.svc.cluster.local`);
    }
    for (const p of [...this.pods].reverse()) lines.push(`${p.ip} ${this.svc} ${this.svc}.${namespace}.svc`);
    fs.writeFileSync(this.hostsFile, `${lines.join('\n')}\n`);
  }

  /** The StatefulSet the operator applies now, given the one that exists (as its reconcile does). */
  statefulSet(existing?: { sts: V1StatefulSet; ready: number }): V1StatefulSet {
    const facts = existing
      ? { ...testFacts, existingEtcd: { ...existing.sts, status: { replicas: existing.sts.spec!.replicas!, readyReplicas: existing.ready } } }
      : testFacts;
    return desiredChildren(this.view, facts).etcdStatefulSet!;
  }

  /** Starts pod `i` of `sts` the way the kubelet runs its container. */
  start(sts: V1StatefulSet, i: number): Pod {
    const pod = this.pods[i];
    const container = sts.spec!.template.spec!.containers.find(c => c.name === 'etcd')!;
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
      else if (e.value !== undefined) env[e.name] = e.value;
      else throw new Error(`env ${e.name}: only values and metadata.name are modelled here`);
    }
    // The kubelet expands $(VAR) in command and args from the container's env.
    const expand = (arg: string) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
    const argv = container
      .command!.map(expand)
      .map(a => a.replaceAll('/var/lib/k0s', pod.root))
      .map(a => (/^--listen-(peer|client)-urls=/.test(a) ? a.replace('0.0.0.0', pod.ip) : a))
      .filter(a => !a.startsWith('--tls-min-version='));
    const [cmd, args] = inHostsNamespace(this.hostsFile, argv);
    const proc = spawn(cmd, args, { env: { PATH: `${this.bin}:/usr/sbin:/usr/bin:/sbin:/bin`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    pod.output = '';
    pod.head = '';
    const keep = (d: Buffer) => {
      if (pod.head.length < 4000) pod.head = (pod.head + d.toString()).slice(0, 4000);
      pod.output = (pod.output + d.toString()).slice(-8000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    pod.proc = proc;
    pod.exited = new Promise(r => proc.once('exit', code => r(code)));
    return pod;
  }

  async stop(i: number): Promise<void> {
    const pod = this.pods[i];
    if (pod.proc && pod.proc.exitCode === null && pod.proc.signalCode === null) {
      pod.proc.kill('SIGTERM');
      await pod.exited;
    }
    pod.proc = undefined;
  }

  /** etcdctl as the API server's etcd client, against one pod by its DNS name. */
  async ctl(i: number, ...args: string[]): Promise<string> {
    const pki = path.join(this.dir, 'client');
    if (!fs.existsSync(pki)) {
      fs.mkdirSync(pki);
      fs.writeFileSync(path.join(pki, 'ca.crt'), this.pki.etcd.cert);
      fs.writeFileSync(path.join(pki, 'client.crt'), this.pki['apiserver-etcd-client'].cert);
      fs.writeFileSync(path.join(pki, 'client.key'), this.pki['apiserver-etcd-client'].key, { mode: 0o600 });
    }
    const endpoint = `https://${this.pods[i].name}.${this.svc}:${ETCD_CLIENT_PORT}`;
    const [cmd, argv] = inHostsNamespace(this.hostsFile, [
      path.join(this.bin, 'etcdctl'),
      `--cacert=${pki}/ca.crt`,
      `--cert=${pki}/client.crt`,
      `--key=${pki}/client.key`,
      `--endpoints=${endpoint}`,
      '--command-timeout=5s',
      ...args,
    ]);
    const { stdout } = await run(cmd, argv, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ETCDCTL_API: '3' } });
    return stdout;
  }

  async members(i: number): Promise<Member[]> {
    return parseMemberList(await this.ctl(i, 'member', 'list'));
  }

  /** Waits until pod `i` answers and the member list (asked there) has `n` started members. */
  async waitStarted(i: number, n: number): Promise<Member[]> {
    const pod = this.pods[i];
    return eventually(
      `${pod.name} serving with ${n} started members`,
      async () => {
        if (pod.proc?.exitCode !== null && pod.proc?.exitCode !== undefined) throw new Error(`${pod.name} exited ${pod.proc.exitCode}:\n${pod.output}`);
        const list = await this.members(i);
        return list.length === n && list.every(m => m.status === 'started') && (await this.ctl(i, 'endpoint', 'health'), list);
      },
      90_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${pod.name} output ---\n${pod.output}`);
    });
  }

  peerURL(i: number): string {
    return `https://${this.pods[i].name}.${this.svc}:${ETCD_PEER_PORT}`;
  }

  async close(): Promise<void> {
    for (let i = 0; i < this.pods.length; i++) {
      const p = this.pods[i].proc;
      if (p && p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await this.pods[i].exited;
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A /24 of the loopback range where every pod's client and peer ports are free. */
async function freeLoopbackBlock(pods: number): Promise<string> {
  const canBind = (host: string, port: number) =>
    new Promise<boolean>(resolve => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, host, () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = `127.${10 + Math.floor(Math.random() * 240)}.${1 + Math.floor(Math.random() * 250)}`;
    let free = true;
    for (let i = 1; i <= pods && free; i++) {
      free = (await canBind(`${base}.${i}`, ETCD_CLIENT_PORT)) && (await canBind(`${base}.${i}`, ETCD_PEER_PORT));
    }
    if (free) return base;
  }
  throw new Error('no loopback /24 with free etcd ports found');
}

function cluster(replicas: number): Cluster {
  return testCluster({ replicas, storage: { type: 'etcd' } });
}

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

async function newBed(replicas: number, pods: number): Promise<Bed> {
  which('etcdctl');
  which('unshare');
  if (process.getuid?.() !== 0) throw new Error('this test mounts a hosts file in a mount namespace of its own, which needs root');
  bed = new Bed(cluster(replicas), await freeLoopbackBlock(pods));
  await bed.init(pods);
  return bed;
}

describe('the etcd start script with real etcd members', () => {
  it('bootstraps the first member, adds each new one as the operator scales 1 → 3, replaces a member that lost its data, and keeps one that restarts with it', async () => {
    const b = await newBed(1, 3);
    const ids = (list: Member[]) => Object.fromEntries(list.map(m => [m.name, m.id]));

    // A one-replica Cluster: one member, bootstrapped from ETCD_INITIAL_CLUSTER.
    const sts1 = b.statefulSet();
    expect(sts1.spec!.replicas).toBe(1);
    b.start(sts1, 0);
    expect((await b.waitStarted(0, 1)).map(m => m.name)).toEqual([b.pods[0].name]);
    await b.ctl(0, 'put', 'greeting', 'hello');

    // Scaled to 3: the operator grows etcd one Ready member at a time and keeps the bootstrap
    // cluster of one in the template. The new pod finds the cluster through the Service and
    // joins it with `member add`.
    b.cluster.spec!.replicas = 3;
    const sts2 = b.statefulSet({ sts: sts1, ready: 1 });
    expect(sts2.spec!.replicas).toBe(2);
    b.start(sts2, 1);
    await b.waitStarted(1, 2);
    expect(fs.readFileSync(path.join(b.pods[1].root, 'etcd', 'join.env'), 'utf8')).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
    expect(b.pods[1].head).not.toContain('never started');
    const sts3 = b.statefulSet({ sts: sts2, ready: 2 });
    expect(sts3.spec!.replicas).toBe(3);
    b.start(sts3, 2);
    const three = await b.waitStarted(2, 3);
    expect(three.map(m => [m.name, m.peerURLs, m.clientURLs]).sort()).toEqual(
      [0, 1, 2].map(i => [b.pods[i].name, b.peerURL(i), `https://${b.pods[i].name}.${b.svc}:${ETCD_CLIENT_PORT}`]),
    );
    // The data written before the members joined is on the newest one.
    expect(await b.ctl(2, 'get', 'greeting', '--print-value-only')).toBe('hello\n');
    const before = ids(three);

    // Pod 1 comes back on an empty volume (its PVC was lost): the script removes its old member
    // and joins as a new one under the same name.
    await b.stop(1);
    fs.rmSync(path.join(b.pods[1].root, 'etcd'), { recursive: true });
    fs.mkdirSync(path.join(b.pods[1].root, 'etcd'));
    b.start(sts3, 1);
    const replaced = await b.waitStarted(1, 3);
    expect(b.pods[1].head).toContain(`removing the member ${before[b.pods[1].name]} of ${b.pods[1].name}: its data is gone`);
    const after = ids(replaced);
    expect(Object.keys(after).sort()).toEqual(b.pods.map(p => p.name));
    expect(after[b.pods[1].name]).not.toBe(before[b.pods[1].name]);
    expect(replaced.map(m => m.id)).not.toContain(before[b.pods[1].name]);
    expect(after[b.pods[0].name]).toBe(before[b.pods[0].name]);
    expect(await b.ctl(1, 'get', 'greeting', '--print-value-only')).toBe('hello\n');

    // Pod 2 restarts with its data: no membership change.
    await b.stop(2);
    b.start(sts3, 2);
    expect(ids(await b.waitStarted(2, 3))).toEqual(after);
  });

  it('lets a bootstrap member that starts after the others formed the cluster join as itself', async () => {
    // A three-replica Cluster starts all three members at once (Parallel), but a pod can come up
    // late (image pull, scheduling): by then the other two have quorum, answer on the Service,
    // and list the late one by its name with no client URLs (it never started).
    const b = await newBed(3, 3);
    const sts = b.statefulSet();
    expect(sts.spec!.replicas).toBe(3);
    b.start(sts, 0);
    b.start(sts, 1);
    let seen: Member[] = [];
    await eventually(
      'two of three members started',
      async () => {
        seen = await b.members(0);
        return seen.length === 3 && seen.filter(m => m.clientURLs !== '').length === 2;
      },
      60_000,
      500,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nlast member list: ${JSON.stringify(seen)}\n${b.pods.map(p => `--- ${p.name} output ---\n${p.output.slice(-1500)}`).join('\n')}`,
      );
    });
    const late = seen.find(m => m.name === b.pods[2].name)!;
    expect(late.clientURLs).toBe('');
    b.start(sts, 2);
    const list = await b.waitStarted(2, 3);
    expect(list.map(m => m.name).sort()).toEqual(b.pods.map(p => p.name));
    expect(list.find(m => m.name === b.pods[2].name)!.id).toBe(late.id);
    expect(b.pods[2].head).toContain(`joining as the member of ${b.pods[2].name} that never started`);
  });

  it('lets a member added by an earlier run that died before etcd started join, though the cluster has lost quorum until it does', async () => {
    const b = await newBed(1, 2);
    const sts1 = b.statefulSet();
    b.start(sts1, 0);
    await b.waitStarted(0, 1);
    b.cluster.spec!.replicas = 3;
    const sts2 = b.statefulSet({ sts: sts1, ready: 1 });
    // What the script's `member add` of an earlier run of pod 1 left: a member with no name yet.
    // Two members, one started: no quorum, so it cannot be removed again, only started.
    await b.ctl(0, 'member', 'add', b.pods[1].name, `--peer-urls=${b.peerURL(1)}`);
    const pending = (await b.members(0)).find(m => m.peerURLs === b.peerURL(1))!;
    expect(pending).toMatchObject({ name: '', status: 'unstarted' });
    b.start(sts2, 1);
    const list = await b.waitStarted(1, 2);
    expect(list.map(m => m.name).sort()).toEqual(b.pods.map(p => p.name));
    expect(list.find(m => m.name === b.pods[1].name)!.id).toBe(pending.id);
    expect(b.pods[1].head).toContain(`joining as the member of ${b.pods[1].name} that never started`);
  });
});
