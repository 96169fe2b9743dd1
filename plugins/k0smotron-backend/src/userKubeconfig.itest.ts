// The kubeconfig route as a Backstage user meets it: what it hands out works with the real
// kubectl 1.20 against a real kube-apiserver standing in for the Cluster's k0s API (started with
// the Cluster's CA), names the user on the child side, and stops working when it expires.
//
// No operator runs here: the test writes the Cluster, its CA Secret and its status.endpoint
// (pointing at the stand-in) itself, which is all the route reads.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import request from 'supertest';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestNamespace, sharedTestCluster, startChildApiServer, type ChildApiServer } from '@k0smotron/testenv';
import { createCa, generateKeyPair } from '@k0smotron/operator/pki';
import k0smotronPlugin from '.';
import { eventually, secretPatterns, startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';

jest.setTimeout(240_000);

const { kubeConfig, kubeconfigPath, kubectlPath } = sharedTestCluster();
const work = mkdtempSync(join(tmpdir(), 'k0smotron-bs-kubeconfig-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');
let ns: string;
let child: ChildApiServer | undefined;
let t: K0smotronTestBackend | undefined;

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const p = spawn(kubectlPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', d => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', d => (stderr += d));
    p.on('close', code => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The user name the child API server attributes a request to. Kubernetes 1.20 has no
 * SelfSubjectReview (`kubectl auth whoami`), but it records the requester of a
 * CertificateSigningRequest in spec.username and spec.groups, overwriting what the client sent.
 */
async function whoami(userKubeconfig: string, csrName: string): Promise<{ username: string; groups: string[] }> {
  const csr = execFileSync(
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
      spec: { request: b64(csr), signerName: 'example.com/whoami', usages: ['client auth'], username: 'forged', groups: ['forged'] },
    }),
  );
  const created = await kubectl(['--kubeconfig', userKubeconfig, 'create', '-f', manifest]);
  if (created.code !== 0) throw new Error(`kubectl create csr: ${created.stderr}`);
  const got = await kubectl(['--kubeconfig', userKubeconfig, 'get', 'csr', csrName, '-o', 'json']);
  const spec = JSON.parse(got.stdout).spec as { username: string; groups: string[] };
  return { username: spec.username, groups: spec.groups };
}

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-kubeconfig');
  const now = new Date();
  const ca = createCa('kubernetes', now, 1);
  const sa = generateKeyPair();
  child = await startChildApiServer({
    pki: {
      caCertPem: ca.cert,
      caKeyPem: ca.key,
      saPublicKeyPem: sa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      saPrivateKeyPem: sa.keyPem,
      frontProxyCaCertPem: createCa('kubernetes', now, 1).cert,
    },
    log: () => {},
    startTimeoutMs: 120_000,
  });
  await kubeConfig.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'demo-ca' }, type: 'cluster.x-k8s.io/secret', data: { 'tls.crt': b64(ca.cert), 'tls.key': b64(ca.key) } },
  });
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const ref = { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'clusters' };
  await api.createNamespacedCustomObject({ ...ref, body: { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'demo' }, spec: {} } });
  await api.patchNamespacedCustomObjectStatus(
    { ...ref, name: 'demo', body: { status: { endpoint: child.url } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: {
      k0smotron: {
        managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }],
        kubeconfigAccess: { enabled: true, certificateLifetime: '30s' },
      },
    },
  });
}, 240_000);

afterAll(async () => {
  await t?.backend.stop();
  await child?.stop();
});

it('hands out a kubeconfig that works with kubectl, names the user on the child, and stops working when it expires', async () => {
  const res = await request(t!.backend.server)
    .get(`/api/k0smotron/clusters/test/${ns}/demo/kubeconfig`)
    .set('Authorization', mockCredentials.user.header('user:default/alice'));
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  const handed = new KubeConfig();
  handed.loadFromString(res.text);
  expect(handed.getCurrentCluster()?.server).toBe(child!.url);
  expect(handed.getCurrentContext()).toBe('user:default/alice@demo-k0s');
  const cert = new X509Certificate(Buffer.from(handed.getCurrentUser()?.certData ?? '', 'base64'));
  expect(cert.subject.split('\n')).toEqual(['O=system:masters', 'CN=user:default/alice']);
  const notAfter = new Date(cert.validTo).getTime();
  // The configured lifetime (30 s), counted from when the route signed it.
  expect(notAfter - Date.now()).toBeLessThanOrEqual(30_000);
  const file = join(work, 'alice.kubeconfig');
  writeFileSync(file, res.text, { mode: 0o600 });

  expect(await kubectl(['--kubeconfig', file, 'get', 'ns', 'kube-system', '-o', 'name'])).toEqual({ code: 0, stdout: 'namespace/kube-system\n', stderr: '' });
  const seen = await whoami(file, 'whoami-alice');
  expect(seen.username).toBe('user:default/alice');
  expect(seen.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));
  expect(Date.now()).toBeLessThan(notAfter); // the checks above ran while it was valid

  // The audit event names the subject and the expiry; no key material reaches any log.
  const audit = t!.logs.lines.find(l => l.includes('kubeconfig-read') && l.includes('succeeded'));
  expect(audit).toContain('user:default/alice');
  expect(audit).toContain(new Date(notAfter).toISOString());
  for (const pattern of secretPatterns()) expect(t!.logs.text()).not.toMatch(pattern);

  // Proof of expiry: the same kubeconfig is refused, and only once its notAfter has passed.
  const refused = await eventually(
    'the child API server to refuse the expired certificate',
    async () => {
      const r = await kubectl(['--kubeconfig', file, 'get', 'ns', 'kube-system', '-o', 'name']);
      return r.code !== 0 ? { at: Date.now(), r } : undefined;
    },
    90_000,
    500,
  );
  expect(refused.at).toBeGreaterThanOrEqual(notAfter);
  expect(refused.r.stderr).toContain('error: You must be logged in to the server (Unauthorized)');

  // Another user gets a certificate of their own.
  const bob = await request(t!.backend.server)
    .get(`/api/k0smotron/clusters/test/${ns}/demo/kubeconfig`)
    .set('Authorization', mockCredentials.user.header('user:default/bob'));
  const bobs = new KubeConfig();
  bobs.loadFromString(bob.text);
  expect(bobs.getCurrentContext()).toBe('user:default/bob@demo-k0s');
});
