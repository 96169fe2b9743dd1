// The generated entrypoint script, run for real under `sh`: the container's three root paths are
// moved under a temporary directory (the only change to the script), and a stand-in `k0s` on the
// PATH records the arguments it was started with instead of starting a control plane.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { K0S_CONFIG_KEY, KINE_DATASOURCE_SECRET_KEY, type Cluster } from '@k0smotron/api';
import { CERTS_DIR, clusterView, desiredChildren, entrypointScript, ETCD_START_SCRIPT } from './index';
import { testCluster as cluster, testFacts as facts } from './testdata/fixtures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'entrypoint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the script as the container would; returns k0s.yaml, the recorded k0s arguments and the PKI files. */
function run(spec: Cluster['spec'], env: Record<string, string>) {
  const view = clusterView(cluster(spec));
  const children = desiredChildren(view, facts);
  const script = entrypointScript(view)
    .replaceAll(CERTS_DIR, join(dir, 'certs'))
    .replaceAll('/etc/k0s', join(dir, 'etc-k0s'))
    .replaceAll('/var/lib/k0s', join(dir, 'var-lib-k0s'));
  mkdirSync(join(dir, 'certs'));
  mkdirSync(join(dir, 'bin'));
  for (const f of ['ca.crt', 'ca.key', 'sa.pub', 'sa.key']) writeFileSync(join(dir, 'certs', f), `${f} content\n`);
  // The stand-in k0s: one argument per line, so quoting mistakes show.
  writeFileSync(join(dir, 'bin', 'k0s'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${join(dir, 'k0s-args')}"\n`);
  chmodSync(join(dir, 'bin', 'k0s'), 0o755);
  writeFileSync(join(dir, 'entrypoint.sh'), script);
  execFileSync('sh', [join(dir, 'entrypoint.sh')], {
    env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, [K0S_CONFIG_KEY]: children.configMap.data![K0S_CONFIG_KEY], ...env },
    stdio: 'pipe',
  });
  return {
    config: parse(readFileSync(join(dir, 'etc-k0s', 'k0s.yaml'), 'utf8')),
    args: readFileSync(join(dir, 'k0s-args'), 'utf8').trimEnd().split('\n'),
    keyMode: execFileSync('stat', ['-c', '%a', join(dir, 'var-lib-k0s', 'pki', 'ca.key')])
      .toString()
      .trim(),
  };
}

describe('the entrypoint script under sh', () => {
  it.each([
    'postgres://user:p&ss|w\\rd@db.example.com:5432/kine?sslmode=disable&x=1',
    'mysql://user:it\'s"quoted"@tcp(db:3306)/kine',
    'postgres://u:%26%7C@db/kine',
  ])('puts the kine URL %s into k0s.yaml byte for byte', url => {
    const { config, args } = run({ storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } }, { [KINE_DATASOURCE_SECRET_KEY]: url });
    expect(config.spec.storage).toEqual({ type: 'kine', kine: { dataSource: url } });
    expect(args[0]).toBe('controller');
  });

  it('starts k0s with the user flags as separate arguments, quotes and spaces intact, and keeps keys private', () => {
    const { args, keyMode, config } = run({ controlPlaneFlags: ['--debug=true', "--labels=team=a b,it's=x"] }, {});
    expect(args).toEqual([
      'controller',
      '--debug=true',
      "--labels=team=a b,it's=x",
      '--config=/etc/k0s/k0s.yaml'.replace('/etc/k0s', join(dir, 'etc-k0s')),
      '--enable-dynamic-config',
    ]);
    expect(keyMode).toBe('600');
    expect(config.spec.api.externalAddress).toBe('192.0.2.2');
  });
});

// The etcd start script's join decisions, under sh with stand-ins for etcdctl (answers a given
// member list and records each call) and etcd (records the join settings it was started with).
// etcd-scripts.itest.ts runs the same script against real etcd members.
describe('the etcd start script under sh', () => {
  const peer = (i: number) => `https://kmc-demo-etcd-${i}.kmc-demo-etcd:2380`;
  const client = (i: number) => `https://kmc-demo-etcd-${i}.kmc-demo-etcd:2379`;

  function runEtcd(memberList: string, addFailures = 0) {
    const root = join(dir, 'var-lib-k0s');
    mkdirSync(join(root, 'etcd'), { recursive: true });
    mkdirSync(join(dir, 'bin'));
    const calls = join(dir, 'etcdctl-calls');
    const stub = (name: string, body: string) => {
      writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, 'bin', name), 0o755);
    };
    stub('getent', 'exit 0');
    writeFileSync(join(dir, 'members'), memberList);
    writeFileSync(join(dir, 'add-failures'), String(addFailures));
    stub(
      'etcdctl',
      `
for a in "$@"; do case "$a" in --*) ;; *) printf '%s ' "$a" >> "${calls}";; esac; done; echo >> "${calls}"
case "$*" in
  *"member list"*) [ -s "${join(dir, 'members')}" ] || { echo "Error: context deadline exceeded" >&2; exit 1; }; cat "${join(dir, 'members')}";;
  *"member add"*)
    n=$(cat "${join(dir, 'add-failures')}")
    if [ "$n" -gt 0 ]; then echo $((n-1)) > "${join(dir, 'add-failures')}"; echo "Error: etcdserver: unhealthy cluster" >&2; exit 1; fi
    printf 'Member 99 added\\n\\nETCD_NAME="kmc-demo-etcd-1"\\nETCD_INITIAL_CLUSTER="kmc-demo-etcd-0=${peer(0)},kmc-demo-etcd-1=${peer(1)}"\\nETCD_INITIAL_ADVERTISE_PEER_URLS="${peer(1)}"\\nETCD_INITIAL_CLUSTER_STATE="existing"\\n';;
esac`,
    );
    stub('etcd', `printf '%s\\n%s\\n' "$ETCD_INITIAL_CLUSTER" "$ETCD_INITIAL_CLUSTER_STATE" > "${join(dir, 'etcd-env')}"`);
    writeFileSync(join(dir, 'etcd.sh'), ETCD_START_SCRIPT.replaceAll('/var/lib/k0s', root));
    const out = execFileSync('sh', [join(dir, 'etcd.sh'), 'etcd', '--name=kmc-demo-etcd-1'], {
      env: {
        PATH: `${join(dir, 'bin')}:/usr/bin:/bin`,
        HOSTNAME: 'kmc-demo-etcd-1',
        SVC: 'kmc-demo-etcd',
        NAMESPACE: 'team-a',
        ETCD_INITIAL_CLUSTER: 'kmc-demo-etcd-0=x',
        ETCD_INITIAL_CLUSTER_STATE: 'new',
      },
      stdio: 'pipe',
    }).toString();
    const [initialCluster, state] = readFileSync(join(dir, 'etcd-env'), 'utf8').trimEnd().split('\n');
    return {
      out,
      calls: readFileSync(calls, 'utf8')
        .trimEnd()
        .split('\n')
        .map(l => l.trim()),
      initialCluster,
      state,
    };
  }

  it('joins as its own member that was added but never started (no name yet), without member add or remove', () => {
    const r = runEtcd(`8e9e05c52164694d, started, kmc-demo-etcd-0, ${peer(0)}, ${client(0)}, false\n91bc3c398fb3c146, unstarted, , ${peer(1)}, , false\n`);
    expect(r.calls).toEqual(['member list']);
    expect(r.initialCluster).toBe(`kmc-demo-etcd-0=${peer(0)},kmc-demo-etcd-1=${peer(1)}`);
    expect(r.state).toBe('existing');
    expect(r.out).toContain('joining as the member of kmc-demo-etcd-1 that never started');
  });

  it('removes its member that ran before (data lost) and adds itself again, retrying while etcd refuses the add', () => {
    const r = runEtcd(
      `8e9e05c52164694d, started, kmc-demo-etcd-0, ${peer(0)}, ${client(0)}, false\n91bc3c398fb3c146, started, kmc-demo-etcd-1, ${peer(1)}, ${client(1)}, false\n`,
      1,
    );
    expect(r.calls).toEqual([
      'member list',
      'member remove 91bc3c398fb3c146',
      `member add kmc-demo-etcd-1`,
      'member list',
      // The stand-in still lists the removed member; the real cluster would not.
      'member remove 91bc3c398fb3c146',
      `member add kmc-demo-etcd-1`,
    ]);
    expect(r.initialCluster).toBe(`kmc-demo-etcd-0=${peer(0)},kmc-demo-etcd-1=${peer(1)}`);
    expect(r.state).toBe('existing');
  });

  it('bootstraps when no cluster answers on the Service', () => {
    const r = runEtcd('');
    expect(r.initialCluster).toBe('kmc-demo-etcd-0=x');
    expect(r.state).toBe('new');
  });
});
