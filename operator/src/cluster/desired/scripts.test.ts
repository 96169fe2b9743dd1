// The generated entrypoint script, run for real under `sh`: the container's three root paths are
// moved under a temporary directory (the only change to the script), and a stand-in `k0s` on the
// PATH records the arguments it was started with instead of starting a control plane.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { K0S_CONFIG_KEY, KINE_DATASOURCE_SECRET_KEY, type Cluster } from '@k0smotron/api';
import { CERTS_DIR, clusterView, desiredChildren, entrypointScript } from './index';
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
    keyMode: execFileSync('stat', ['-c', '%a', join(dir, 'var-lib-k0s', 'pki', 'ca.key')]).toString().trim(),
  };
}

describe('the entrypoint script under sh', () => {
  it.each([
    'postgres://user:p&ss|w\\rd@db.example.com:5432/kine?sslmode=disable&x=1',
    "mysql://user:it's\"quoted\"@tcp(db:3306)/kine",
    'postgres://u:%26%7C@db/kine',
  ])('puts the kine URL %s into k0s.yaml byte for byte', (url) => {
    const { config, args } = run({ storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } }, { [KINE_DATASOURCE_SECRET_KEY]: url });
    expect(config.spec.storage).toEqual({ type: 'kine', kine: { dataSource: url } });
    expect(args[0]).toBe('controller');
  });

  it('starts k0s with the user flags as separate arguments, quotes and spaces intact, and keeps keys private', () => {
    const { args, keyMode, config } = run({ controlPlaneFlags: ['--debug=true', "--labels=team=a b,it's=x"] }, {});
    expect(args).toEqual(['controller', '--debug=true', "--labels=team=a b,it's=x", '--config=/etc/k0s/k0s.yaml'.replace('/etc/k0s', join(dir, 'etc-k0s')), '--enable-dynamic-config']);
    expect(keyMode).toBe('600');
    expect(config.spec.api.externalAddress).toBe('192.0.2.2');
  });
});
