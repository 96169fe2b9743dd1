// `kubectl k0smotron kubeconfig` as a user meets it: a per-user kubeconfig that works with the
// real kubectl 1.20 against a real kube-apiserver standing in for the Cluster's k0s API (started
// with the Cluster's CA), names the user on the child side, and stops working when it expires;
// and `--merge` on real files (modes, backups, context switching, failed writes).
//
// No operator runs here: the test writes the Cluster, its CA Secret and its status.endpoint
// itself (pointing at the stand-in), which is all the command reads.
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, sharedTestCluster, startChildApiServer, type ChildApiServer } from '@k0smotron/testenv';
import { createCa, generateKeyPair } from '@k0smotron/operator/pki';
import { pluginCli, pluginPathDir, runWithPath, until } from './testing/plugin';

jest.setTimeout(240_000);

let kc: KubeConfig;
let kubeconfigPath: string;
let kubectlBin: string;
let pathDir: string;
let ns: string;
let mgmtContext: string;
let child: ChildApiServer | undefined;
const work = mkdtempSync(join(tmpdir(), 'k0smotron-kubeconfig-test-'));
const k = pluginCli(() => ({ kubectl: kubectlBin, pathDir, kubeconfig: kubeconfigPath, namespace: ns }));
const kubectl = (args: string[]) => runWithPath(kubectlBin, args, pathDir);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

async function createCluster(name: string, spec: object, endpoint: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'clusters' };
  await api.createNamespacedCustomObject({ ...ref, body: { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name }, spec } });
  await api.patchNamespacedCustomObjectStatus({ ...ref, name, body: { status: { endpoint } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

beforeAll(async () => {
  const shared = sharedTestCluster();
  kc = shared.kubeConfig;
  kubeconfigPath = shared.kubeconfigPath;
  kubectlBin = shared.kubectlPath;
  mgmtContext = parse(readFileSync(kubeconfigPath, 'utf8'))['current-context'];
  pathDir = pluginPathDir();
  ns = await createTestNamespace(kc, 'kubeconfig');
  // The PKI the operator would generate: the CA signs users and the stand-in's serving cert.
  const now = new Date();
  const ca = createCa('kubernetes', now, 1);
  const sa = generateKeyPair();
  const proxy = createCa('kubernetes', now, 1);
  child = await startChildApiServer({
    pki: {
      caCertPem: ca.cert,
      caKeyPem: ca.key,
      saPublicKeyPem: sa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      saPrivateKeyPem: sa.keyPem,
      frontProxyCaCertPem: proxy.cert,
    },
    log: () => {},
    startTimeoutMs: 120_000,
  });
  const core = kc.makeApiClient(CoreV1Api);
  const caSecret = (name: string) => ({ metadata: { name }, type: 'cluster.x-k8s.io/secret', data: { 'tls.crt': b64(ca.cert), 'tls.key': b64(ca.key) } });
  await core.createNamespacedSecret({ namespace: ns, body: caSecret('demo-ca') });
  // A Cluster with its own CA (certificateRefs): there is no byo-ca, only corp-ca.
  await core.createNamespacedSecret({ namespace: ns, body: caSecret('corp-ca') });
  await createCluster('demo', {}, child.url);
  await createCluster('byo', { certificateRefs: [{ type: 'ca', name: 'corp-ca' }] }, child.url);
}, 240_000);

afterAll(async () => {
  await child?.stop();
});

/**
 * The user name the child API server attributes a request to. Kubernetes 1.20 has no
 * SelfSubjectReview (`kubectl auth whoami`), but it records the requester of a
 * CertificateSigningRequest in spec.username and spec.groups, overwriting what the client sent.
 */
async function whoami(userKubeconfig: string, csrName: string): Promise<{ username: string; groups: string[] }> {
  const request = execFileSync(
    'openssl',
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=whoami'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const manifest = join(work, `${csrName}.json`);
  writeFileSync(
    manifest,
    JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: csrName },
      spec: { request: b64(request), signerName: 'example.com/whoami', usages: ['client auth'], username: 'forged', groups: ['forged'] },
    }),
  );
  const created = await kubectl(['--kubeconfig', userKubeconfig, 'create', '-f', manifest]);
  if (created.code !== 0) throw new Error(`kubectl create csr: ${created.stderr}`);
  const got = await kubectl(['--kubeconfig', userKubeconfig, 'get', 'csr', csrName, '-o', 'json']);
  const spec = JSON.parse(got.stdout).spec as { username: string; groups: string[] };
  return { username: spec.username, groups: spec.groups };
}

describe('a per-user kubeconfig', () => {
  it('works with kubectl, names the user on the child, and stops working when it expires', async () => {
    const user = parse(readFileSync(kubeconfigPath, 'utf8')).users[0].name as string;
    const r = await k(['kubeconfig', 'demo', '--expiry', '30s']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Signed a kubeconfig for user "${user}" \\(group system:masters; named after the kubeconfig's user entry: .*\\), valid until \\S+Z \\(30s\\)\\.\\n$`,
      ),
    );
    const file = join(work, 'user.kubeconfig');
    writeFileSync(file, r.stdout, { mode: 0o600 });
    const doc = parse(r.stdout);
    expect(doc.clusters[0].cluster.server).toBe(child!.url);
    const cert = new X509Certificate(Buffer.from(doc.users[0].user['client-certificate-data'], 'base64'));
    expect(cert.subject.split('\n')).toEqual(['O=system:masters', `CN=${user}`]);
    const notAfter = new Date(cert.validTo).getTime();

    const ok = await kubectl(['--kubeconfig', file, 'get', 'ns', 'kube-system', '-o', 'name']);
    expect(ok).toEqual({ code: 0, stdout: 'namespace/kube-system\n', stderr: '' });
    const seen = await whoami(file, 'whoami-cli');
    expect(seen.username).toBe(user);
    expect(seen.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));
    expect(Date.now()).toBeLessThan(notAfter); // the checks above ran while it was valid

    // Proof of expiry: the same kubeconfig is refused, and only once its notAfter has passed.
    const refused = await until(
      'the child API server to refuse the expired certificate',
      async () => {
        const res = await kubectl(['--kubeconfig', file, 'get', 'ns', 'kube-system', '-o', 'name']);
        return res.code !== 0 ? { at: Date.now(), res } : undefined;
      },
      90_000,
    );
    expect(refused.at).toBeGreaterThanOrEqual(notAfter);
    expect(refused.res.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('is signed by the CA named in spec.certificateRefs', async () => {
    const r = await k(['kubeconfig', 'byo', '--', kubectlBin, 'get', 'ns', 'default', '-o', 'name']);
    expect(r).toMatchObject({ code: 0, stdout: 'namespace/default\n' });
  });
});

describe('--merge on real files', () => {
  /** A kubeconfig of the user's own, first in $KUBECONFIG; the management cluster comes second. */
  function target(name: string, opts: { currentContext?: boolean; mode?: number } = {}) {
    const dir = mkdtempSync(join(work, `${name}-`));
    const file = join(dir, 'config');
    const text =
      'apiVersion: v1\nkind: Config\nclusters:\n- name: home\n  cluster:\n    server: https://127.0.0.1:1\n' +
      'users:\n- name: me\n  user:\n    token: x\ncontexts:\n- name: home\n  context:\n    cluster: home\n    user: me\n' +
      (opts.currentContext === false ? '' : 'current-context: home\n');
    writeFileSync(file, text);
    chmodSync(file, opts.mode ?? 0o644);
    const run = (args: string[]) =>
      k(['kubeconfig', 'demo', '--merge', '--context', mgmtContext, ...args], { kubeconfig: null, env: { KUBECONFIG: `${file}:${kubeconfigPath}` } });
    return { dir, file, text, run };
  }

  it('sets an 0644 file to 0600, keeps the old content in FILE.bak (0600), and leaves current-context alone', async () => {
    const t = target('mode');
    expect(mode(t.file)).toBe('644');
    const r = await t.run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`\nContext "k0smotron-${ns}-demo" added in ${t.file} (backup: ${t.file}.bak).`);
    expect(mode(t.file)).toBe('600');
    expect(mode(`${t.file}.bak`)).toBe('600');
    expect(readFileSync(`${t.file}.bak`, 'utf8')).toBe(t.text);
    const doc = parse(readFileSync(t.file, 'utf8'));
    expect(doc['current-context']).toBe('home');
    expect(doc.contexts.map((c: { name: string }) => c.name)).toEqual(['home', `k0smotron-${ns}-demo`]);
    expect(readdirSync(t.dir).sort()).toEqual(['config', 'config.bak']);
  });

  it('keeps exactly one backup after several merges, and switches context only with --use', async () => {
    const t = target('many', { currentContext: false, mode: 0o600 });
    let before = t.text;
    for (let i = 0; i < 3; i++) {
      const r = await t.run([]);
      expect(r.code).toBe(0);
      expect(readFileSync(`${t.file}.bak`, 'utf8')).toBe(before);
      before = readFileSync(t.file, 'utf8');
      // A file without a current context does not get one either.
      expect(parse(before)['current-context']).toBeUndefined();
    }
    expect(readdirSync(t.dir).sort()).toEqual(['config', 'config.bak']);
    const use = await t.run(['--use']);
    expect(use.stderr).toContain('Switched to it.');
    expect(parse(readFileSync(t.file, 'utf8'))['current-context']).toBe(`k0smotron-${ns}-demo`);
    expect(readdirSync(t.dir).sort()).toEqual(['config', 'config.bak']);
    expect([mode(t.file), mode(`${t.file}.bak`)]).toEqual(['600', '600']);
  });

  it('writes through a symlinked kubeconfig, which stays a symlink', async () => {
    const t = target('link');
    const link = join(t.dir, 'link');
    symlinkSync(t.file, link);
    const viaLink = await k(['kubeconfig', 'demo', '--merge', '--context', mgmtContext], {
      kubeconfig: null,
      env: { KUBECONFIG: `${link}:${kubeconfigPath}` },
    });
    expect(viaLink.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(parse(readFileSync(t.file, 'utf8')).contexts).toHaveLength(2);
  });

  it('a failed write leaves the original intact and no temp file behind', async () => {
    // The backup cannot be put in place (a directory holds its name): nothing may change.
    const t = target('fail');
    mkdirSync(`${t.file}.bak`);
    writeFileSync(join(`${t.file}.bak`, 'keep'), '');
    const r = await t.run([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `\\nerror: cannot write ${t.file}: (EISDIR|ENOTEMPTY|EEXIST)[^\\n]*\\nhint: ${t.file} was not changed; check the permissions and free space of ${t.dir}\\n$`,
      ),
    );
    expect(readFileSync(t.file, 'utf8')).toBe(t.text);
    expect(mode(t.file)).toBe('644');
    expect(readdirSync(t.dir).sort()).toEqual(['config', 'config.bak']);

    // The disk refuses the data midway (a file size limit of one 512-byte block, smaller than
    // the merged kubeconfig; Node turns it into EFBIG): only the temp file was being written.
    const u = target('efbig');
    const res = await runWithPath(
      'sh',
      ['-c', 'ulimit -f 1 && exec "$@"', 'sh', kubectlBin, 'k0smotron', 'kubeconfig', 'demo', '--merge', '-n', ns, '--context', mgmtContext],
      pathDir,
      { env: { KUBECONFIG: `${u.file}:${kubeconfigPath}`, KUBECTL_K0SMOTRON_NO_CODE_CACHE: '1' } },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`\\nerror: cannot write ${u.file}: EFBIG`));
    expect(readFileSync(u.file, 'utf8')).toBe(u.text);
    expect(readdirSync(u.dir)).toEqual(['config']);
  });
});
