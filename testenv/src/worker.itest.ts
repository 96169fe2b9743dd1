// The stand-in child control plane and the joining worker together, without the operator: a
// bootstrap token written into the child as k0s writes it, a join token made from it as k0s
// lays it out, and a hollow kubelet that joins through kubelet TLS bootstrap.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as https from 'node:https';
import { gzipSync } from 'node:zlib';
import * as x509 from '@peculiar/x509';
import YAML from 'yaml';
import { K0S_BOOTSTRAP_RBAC, signLeafCert, startChildApiServer, type ChildApiServer } from './childApiServer';
import { createClusterPki } from './pki';
import { isAlive } from './processes';
import { joinWorker, readWorkerJoinToken, WorkerJoinError, type JoinedWorker } from './worker';
import { poller } from './eventually';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
jest.setTimeout(240_000);

type Cert = { certPem: string; keyPem: string };

// Kubernetes objects of several kinds, read field by field in the assertions below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ApiObject = any;

function call(url: string, caPem: string, cert: Cert, method = 'GET', body?: unknown): Promise<{ status: number; json: ApiObject }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, ca: caPem, cert: cert.certPem, key: cert.keyPem, agent: false, timeout: 10_000, headers: body ? { 'content-type': 'application/json' } : {} },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const eventually = poller({ timeoutMs: 90_000, everyMs: 250 });

/** A worker join token as k0s lays it out: base64(gzip(kubeconfig)) with user kubelet-bootstrap. */
function k0sToken(server: string, caPem: string, bearer: string, user = 'kubelet-bootstrap'): string {
  const kubeconfig = YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'k0s', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    contexts: [{ name: 'k0s', context: { cluster: 'k0s', user } }],
    'current-context': 'k0s',
    users: [{ name: user, user: { token: bearer } }],
  });
  return gzipSync(Buffer.from(kubeconfig), { level: 9 }).toString('base64');
}

const rand = (n: number) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');

describe('a worker joins the stand-in child control plane', () => {
  let child: ChildApiServer;
  let caPem = '';
  let admin: Cert;
  const workers: JoinedWorker[] = [];

  const secret = (id: string, sec: string, expiration?: Date) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    stringData: {
      'token-id': id,
      'token-secret': sec,
      'usage-bootstrap-authentication': 'true',
      ...(expiration ? { expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
    },
  });
  const newToken = async (expiration?: Date) => {
    const id = rand(6);
    const sec = rand(16);
    const r = await call(`${child.url}/api/v1/namespaces/kube-system/secrets`, caPem, admin, 'POST', secret(id, sec, expiration));
    expect(r.status).toBe(201);
    return { id, token: k0sToken(child.url, caPem, `${id}.${sec}`) };
  };

  beforeAll(async () => {
    const base = await createClusterPki({ apiserverDnsNames: [], apiserverIps: [], clients: {} });
    caPem = base.ca.certPem;
    child = await startChildApiServer({
      pki: {
        caCertPem: base.ca.certPem,
        caKeyPem: base.ca.keyPem,
        saPublicKeyPem: base.serviceAccount.publicKeyPem,
        saPrivateKeyPem: base.serviceAccount.privateKeyPem,
        frontProxyCaCertPem: base.frontProxyCa.certPem,
      },
      log: () => {},
    });
    admin = await signLeafCert(base.ca.certPem, base.ca.keyPem, { commonName: 'tester', organizations: ['system:masters'], usage: 'client' });
  });
  afterAll(async () => {
    await Promise.all(workers.map(w => w.stop()));
    await child?.stop();
  });

  it("has k0s's bootstrap ClusterRoleBindings", async () => {
    for (const b of K0S_BOOTSTRAP_RBAC) {
      const r = await call(`${child.url}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${b.name}`, caPem, admin);
      expect(r.status).toBe(200);
      expect(r.json.roleRef.name).toBe(b.clusterRole);
      expect(r.json.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: b.group }]);
    }
  });

  it('two workers join with one token: CSRs auto-approved and signed by the CA, Nodes Ready', async () => {
    const { id, token } = await newToken(new Date(Date.now() + 3600_000));
    for (const name of ['w1', 'w2']) workers.push(await joinWorker({ token, name, log: () => {} }));
    const nodes = await call(`${child.url}/api/v1/nodes`, caPem, admin);
    const ready = (nodes.json.items as Array<{ metadata: { name: string }; status: { conditions: Array<{ type: string; status: string }> } }>)
      .filter(n => n.status.conditions.some(c => c.type === 'Ready' && c.status === 'True'))
      .map(n => n.metadata.name);
    expect(ready.sort()).toEqual(['w1', 'w2']);
    for (const w of workers) {
      const csr = await call(`${child.url}/apis/certificates.k8s.io/v1/certificatesigningrequests/${w.csrName}`, caPem, admin);
      expect(csr.json.spec).toMatchObject({ signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: `system:bootstrap:${id}` });
      expect(csr.json.spec.groups).toContain('system:bootstrappers');
      expect(csr.json.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', reason: 'AutoApproved' })]);
      const cert = new x509.X509Certificate(w.certificatePem);
      expect(cert.subject).toMatch(new RegExp(`CN=system:node:${w.name}`));
      expect(cert.subject).toMatch(/O=system:nodes/);
      expect(cert.issuer).toBe(new x509.X509Certificate(caPem).subject);
      expect(await cert.verify({ publicKey: new x509.X509Certificate(caPem).publicKey, signatureOnly: true })).toBe(true);
    }
  });

  it('a stopped worker leaves nothing behind', async () => {
    const w = workers.pop()!;
    const pids = w.pids();
    await w.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('an expired token is refused (401) and the token cleaner deletes its Secret', async () => {
    const { id, token } = await newToken(new Date(Date.now() + 4000));
    await eventually(
      'the token to expire',
      async () => (await call(`${child.url}/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`, caPem, admin)).status === 404,
      60_000,
    );
    const err = await joinWorker({ token, name: 'late', log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerJoinError);
    expect(err).toMatchObject({ stage: 'bootstrap', httpStatus: 401 });
  });

  it('a controller token is refused before anything is sent, as k0s does', () => {
    const t = k0sToken(child.url, caPem, `${rand(6)}.${rand(16)}`, 'controller-bootstrap');
    expect(() => readWorkerJoinToken(t)).toThrow('wrong token type controller-bootstrap, expected type: kubelet-bootstrap');
  });
});
