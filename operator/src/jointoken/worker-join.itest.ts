// Worker join to its end: a token from a JoinTokenRequest (either API version) or from
// `kubectl k0smotron join-token` becomes a Ready Node in the Cluster's control plane, and the
// Cluster's status, `kubectl get kmc` and `kubectl k0smotron status/list` show it; tokens that
// must not work do not.
//
// What is real: the operator, the management cluster, the JoinTokenRequest flow, the k0s token,
// kubelet TLS bootstrap (CSR created with the bootstrap token, approved and signed by a real
// kube-controller-manager with the Cluster's CA) and a kubelet registering its Node. What stands
// in: the control plane is testenv's child API server (kube-apiserver + kube-controller-manager
// with the operator's PKI and k0s's bootstrap RBAC), since pods on hollow nodes run no k0s; the
// kubelet is a kubemark hollow kubelet.
//
// The Cluster is exposed the way a user would expose it to machines outside the management
// cluster: spec.externalAddress (127.0.0.1 here) and its API port, where the stand-in listens. So
// status.endpoint, the address in every token and the operator's own address for the child
// (`--child-api endpoint`, as outside a pod) are all the same URL, and nothing is rewritten.
import * as https from 'node:https';
import { encodeJoinToken, decodeJoinToken } from './token';
import { K0smotronClient } from '@k0smotron/api/client';
import type { Cluster, Condition } from '@k0smotron/api';
import {
  bootstrapKubeletCertificate,
  createTestNamespace,
  joinWorker,
  kubectl,
  readChildApiPki,
  sharedTestCluster,
  signLeafCert,
  startChildApiServer,
  WorkerJoinError,
  type ChildApiPki,
  type ChildApiServer,
  type JoinedWorker,
  poller,
  freePort,
} from '@k0smotron/testenv';
import { startOperator, silentLogger, type RunningOperator } from '../index';
import { childApiResolver } from '../childapi/resolver';
import { pluginPathDir, runWithPath } from '../../../kubectl-k0smotron/src/testing/plugin';

jest.setTimeout(300_000);

const shared = sharedTestCluster();
const kc = shared.kubeConfig;
const kmc = new K0smotronClient(kc);

const eventually = poller({ timeoutMs: 120_000, everyMs: 300 });

const cond = (obj: { status?: { conditions?: Condition[] } } | undefined, type: string) => obj?.status?.conditions?.find(c => c.type === type);

type Cert = { certPem: string; keyPem: string };

// Kubernetes objects of several kinds, read field by field in the assertions below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ApiObject = any;

/** One request to a child as its admin. */
function childCall(
  child: ChildApiServer,
  caPem: string,
  admin: Cert,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; json: ApiObject }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${child.url}${path}`,
      {
        method,
        ca: caPem,
        cert: admin.certPem,
        key: admin.keyPem,
        agent: false,
        timeout: 10_000,
        headers: body ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {},
      },
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

interface Bed {
  name: string;
  port: number;
  child: ChildApiServer;
  pki: ChildApiPki;
  admin: Cert;
}

let ns = '';
let operator: RunningOperator | undefined;
const children: ChildApiServer[] = [];
const workers: JoinedWorker[] = [];
let pathDir = '';

/** A Cluster exposed at 127.0.0.1:<free port>, with the stand-in control plane listening there. */
async function clusterWithControlPlane(name: string, more: Partial<NonNullable<Cluster['spec']>> = {}): Promise<Bed> {
  const port = await freePort();
  const cluster: Cluster = {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace: ns },
    spec: { externalAddress: '127.0.0.1', service: { type: 'ClusterIP', apiPort: port }, ...more },
  };
  await kmc.createCluster(cluster);
  const pki = await eventually(`PKI Secrets of ${name}`, () => readChildApiPki(kc, ns, name));
  const child = await startChildApiServer({ pki, port, log: () => {} });
  children.push(child);
  const admin = await signLeafCert(pki.caCertPem, pki.caKeyPem, { commonName: 'test-admin', organizations: ['system:masters'], usage: 'client' });
  const c = await eventually(`${name} ControlPlaneFunctional`, async () => {
    const got = await kmc.getCluster(ns, name);
    return cond(got, 'ControlPlaneFunctional')?.status === 'True' ? got : undefined;
  });
  expect(c!.status!.endpoint).toBe(`https://127.0.0.1:${port}`);
  return { name, port, child, pki, admin };
}

async function issued(name: string): Promise<string> {
  await eventually(`JoinTokenRequest ${name} issued`, async () => cond(await kmc.getJoinTokenRequest(ns, name), 'JoinTokenSecretCreated')?.status === 'True');
  return (await kmc.readJoinToken(ns, name))!;
}

async function workerCount(name: string, want: { total: number; ready: number }): Promise<void> {
  await eventually(`status.workers of ${name} to be ${want.ready}/${want.total}`, async () => {
    const w = (await kmc.getCluster(ns, name))?.status?.workers;
    return w?.total === want.total && w.ready === want.ready;
  });
}

async function join(token: string, name: string): Promise<JoinedWorker> {
  const w = await joinWorker({ token, name, log: () => {} });
  workers.push(w);
  return w;
}

/** The status a bootstrap token gets for a request its group may make (list CSRs). */
function bearerStatus(server: string, caPem: string, bearer: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(
        `${server}/apis/certificates.k8s.io/v1/certificatesigningrequests`,
        { ca: caPem, agent: false, timeout: 10_000, headers: { authorization: `Bearer ${bearer}` } },
        res => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      )
      .on('error', reject);
  });
}

/** What joinWorker threw, for assertions (a worker that joined after all is stopped first). */
async function refusal(p: Promise<unknown>): Promise<WorkerJoinError> {
  const err = await p.then(
    async joined => {
      await (joined as JoinedWorker).stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkerJoinError);
  return err as WorkerJoinError;
}

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'worker-join');
  pathDir = pluginPathDir();
  operator = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    logger: silentLogger,
    // As outside a pod: the operator reaches each control plane at its status.endpoint.
    childApi: childApiResolver('endpoint'),
    // The default healthy recheck is a minute; the workers' count comes with it.
    functionalProbe: { healthyPeriodMs: 2_000 },
  });
});

afterAll(async () => {
  await Promise.all(workers.map(w => w.stop()));
  await operator?.stop();
  await Promise.all(children.map(c => c.stop()));
});

describe('workers join a Cluster with its tokens', () => {
  let c1: Bed;
  let firstToken = '';

  it('a v1beta2 JoinTokenRequest token: the worker bootstraps against the address in the token and its Node turns Ready', async () => {
    c1 = await clusterWithControlPlane('c1');
    // No worker yet: counted as none, not unknown.
    await workerCount('c1', { total: 0, ready: 0 });
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'beta2', namespace: ns },
      spec: { clusterName: 'c1', expiry: '1h' },
    });
    firstToken = await issued('beta2');
    const w = await join(firstToken, 'w-beta2');
    expect(w.server).toBe(`https://127.0.0.1:${c1.port}`);
    // The CSR was made by the token's bootstrap identity and approved by the controller manager.
    const tokenId = (await kmc.getJoinTokenRequest(ns, 'beta2'))!.status!.tokenID!;
    const csr = await childCall(c1.child, c1.pki.caCertPem, c1.admin, `/apis/certificates.k8s.io/v1/certificatesigningrequests/${w.csrName}`);
    expect(csr.json.spec.username).toBe(`system:bootstrap:${tokenId}`);
    expect(csr.json.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', reason: 'AutoApproved' })]);
    await workerCount('c1', { total: 1, ready: 1 });
    const get = await kubectl(['-n', ns, 'get', 'kmc', 'c1']);
    expect(get.stderr).toBe('');
    expect(get.stdout).toMatch(/\bWORKERS\b/);
    const [header, row] = get.stdout.trimEnd().split('\n');
    const col = header.indexOf('WORKERS');
    expect(row.slice(col).split(/\s+/)[0]).toBe('1');
  });

  it('a v1beta1 JoinTokenRequest (clusterRef) token joins too', async () => {
    const r = await kubectl(['apply', '-f', '-'], {
      input: `apiVersion: k0smotron.io/v1beta1\nkind: JoinTokenRequest\nmetadata:\n  name: beta1\n  namespace: ${ns}\nspec:\n  clusterRef:\n    name: c1\n    namespace: ${ns}\n  expiry: 1h\n`,
    });
    expect(r.stderr).toBe('');
    await join(await issued('beta1'), 'w-beta1');
    await workerCount('c1', { total: 2, ready: 2 });
  });

  it('two workers join with one token', async () => {
    const w = await join(firstToken, 'w-beta2-again');
    const csr = await childCall(c1.child, c1.pki.caCertPem, c1.admin, `/apis/certificates.k8s.io/v1/certificatesigningrequests/${w.csrName}`);
    expect(csr.json.spec.username).toBe(`system:bootstrap:${(await kmc.getJoinTokenRequest(ns, 'beta2'))!.status!.tokenID}`);
    await workerCount('c1', { total: 3, ready: 3 });
  });

  it('`kubectl k0smotron join-token` prints a token a worker joins with; `status` lists the nodes and `list` counts them', async () => {
    const k = (args: string[]) => runWithPath(shared.kubectlPath, ['k0smotron', ...args, '--kubeconfig', shared.kubeconfigPath, '-n', ns], pathDir);
    const issuedByCli = await k(['join-token', 'c1', '--name', 'from-cli', '--expiry', '1h']);
    expect(issuedByCli.code).toBe(0);
    const token = issuedByCli.stdout.trim();
    expect(decodeJoinToken(token).server).toBe(`https://127.0.0.1:${c1.port}`);
    await join(token, 'w-cli');
    await workerCount('c1', { total: 4, ready: 4 });

    const status = await k(['status', 'c1']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/\nWorkers\n4\/4 Ready\nNAME\s+READY\s+VERSION\s+AGE\s+ADDRESS\n/);
    for (const name of ['w-beta1', 'w-beta2', 'w-beta2-again', 'w-cli']) {
      expect(status.stdout).toMatch(new RegExp(`\\n${name}\\s+True\\s+v1\\.20\\.\\S+\\s+\\S+\\s+\\S+\\n`));
    }
    const json = JSON.parse((await k(['status', 'c1', '-o', 'json'])).stdout);
    expect(json.workers).toMatchObject({ source: 'child', total: 4, ready: 4 });
    const list = await k(['list']);
    expect(list.stdout).toMatch(/\nc1\s+\S+\s+\S+\s+\S+\s+4\/4\s+\S+\n/);
  });

  it('a token stops working once its JoinTokenRequest is deleted', async () => {
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'revoked', namespace: ns },
      spec: { clusterName: 'c1', expiry: '1h' },
    });
    const token = await issued('revoked');
    const { server, caPem, token: bearer } = decodeJoinToken(token);
    // It works while the request exists…
    expect((await bootstrapKubeletCertificate({ server, caPem, bearer, nodeName: 'w-revoked-early' })).certPem).toContain('BEGIN CERTIFICATE');
    await kmc.deleteJoinTokenRequest(ns, 'revoked');
    await eventually('the JoinTokenRequest to be gone', async () => (await kmc.getJoinTokenRequest(ns, 'revoked')) === undefined);
    // …and not after: the operator deleted its bootstrap Secret in the control plane before it
    // released the request.
    const id = bearer.split('.')[0];
    expect((await childCall(c1.child, c1.pki.caCertPem, c1.admin, `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`)).status).toBe(404);
    // kube-apiserver remembers a successful token authentication for 10 s, so a token used just
    // before is still accepted that long; wait until the API server itself answers 401.
    await eventually('kube-apiserver to stop accepting the revoked token', async () => (await bearerStatus(server, caPem, bearer)) === 401, 30_000);
    const err = await refusal(joinWorker({ token, name: 'w-revoked', log: () => {} }));
    expect(err).toMatchObject({ stage: 'bootstrap', httpStatus: 401 });
  });

  it('a token with a short expiry works before it and fails after it (and the token cleaner removes it)', async () => {
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'short', namespace: ns },
      spec: { clusterName: 'c1', expiry: '20s' },
    });
    const token = await issued('short');
    const jtr = await kmc.getJoinTokenRequest(ns, 'short');
    const expiresAt = Date.parse(jtr!.status!.expiration!);
    const { server, caPem, token: bearer } = decodeJoinToken(token);
    // Before the expiry the bootstrap identity gets a node certificate.
    const early = await bootstrapKubeletCertificate({ server, caPem, bearer, nodeName: 'w-short-early' });
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(early.certPem).toContain('BEGIN CERTIFICATE');
    // kube-controller-manager's tokencleaner deletes the bootstrap Secret once it has expired.
    await eventually(
      'the expired bootstrap Secret to be deleted in the child',
      async () =>
        (await childCall(c1.child, c1.pki.caCertPem, c1.admin, `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${jtr!.status!.tokenID}`)).status ===
        404,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await eventually('kube-apiserver to stop accepting the expired token', async () => (await bearerStatus(server, caPem, bearer)) === 401, 30_000);
    const err = await refusal(joinWorker({ token, name: 'w-short', log: () => {} }));
    expect(err).toMatchObject({ stage: 'bootstrap', httpStatus: 401 });
  });

  it("a token is no credential for another Cluster: its CA does not trust the other's server, and the other's API refuses its bootstrap token", async () => {
    const c2 = await clusterWithControlPlane('c2');
    const mine = decodeJoinToken(firstToken);
    // A token only ever names its own Cluster; to aim it at c2 someone has to edit it.
    const aimed = encodeJoinToken({ server: `https://127.0.0.1:${c2.port}`, caPem: mine.caPem, role: 'worker', token: mine.token });
    const tls = await refusal(joinWorker({ token: aimed, name: 'w-aimed', log: () => {} }));
    expect(tls.stage).toBe('bootstrap');
    expect(tls.httpStatus).toBeUndefined();
    expect(tls.message).toMatch(/certificate|self.signed|verify/i);
    // Even with c2's CA put in, c2 does not know the bootstrap token.
    const withCa = encodeJoinToken({ server: `https://127.0.0.1:${c2.port}`, caPem: c2.pki.caCertPem, role: 'worker', token: mine.token });
    expect(await refusal(joinWorker({ token: withCa, name: 'w-aimed', log: () => {} }))).toMatchObject({ stage: 'bootstrap', httpStatus: 401 });
    // c2 accepts its own tokens: the refusal is about the token, not about c2.
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'for-c2', namespace: ns },
      spec: { clusterName: 'c2', expiry: '1h' },
    });
    const own = decodeJoinToken(await issued('for-c2'));
    expect((await bootstrapKubeletCertificate({ server: own.server, caPem: own.caPem, bearer: own.token, nodeName: 'w-c2' })).certPem).toContain(
      'BEGIN CERTIFICATE',
    );
    // c1 is unaffected.
    await workerCount('c1', { total: 4, ready: 4 });
  });

  it('a worker that stops is counted as not Ready once the control plane marks its Node so', async () => {
    const w = workers.find(x => x.name === 'w-cli')!;
    await w.stop();
    workers.splice(workers.indexOf(w), 1);
    // kube-controller-manager's node lifecycle controller marks the Node Ready=Unknown when its
    // kubelet has not reported for the grace period (40 s); the operator's next visit counts it.
    await workerCount('c1', { total: 4, ready: 3 });
    const node = await childCall(c1.child, c1.pki.caCertPem, c1.admin, '/api/v1/nodes/w-cli');
    expect(node.json.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('Unknown');
  });

  it('a controller token is refused for a worker: by the worker (token type) and by kube-apiserver (no bootstrap-authentication usage)', async () => {
    // Controller tokens are issued only for storage another controller can join (the etcd of
    // c1 is not): kine on a shared database.
    const c3 = await clusterWithControlPlane('c3', { storage: { type: 'kine', kine: { dataSourceURL: 'postgres://kine:pw@db.example:5432/kine' } } });
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'controller', namespace: ns },
      spec: { clusterName: 'c3', expiry: '1h', role: 'controller' },
    });
    const token = await issued('controller');
    const decoded = decodeJoinToken(token);
    expect(decoded.authName).toBe('controller-bootstrap');
    // It names k0s's controller join API (port 9443), not the API server workers use.
    expect(decoded.server).toBe('https://127.0.0.1:9443');
    // 1. k0s's worker refuses it before sending anything, with k0s's message.
    const err = await refusal(joinWorker({ token, name: 'w-controller', log: () => {} }));
    expect(err).toMatchObject({ stage: 'token', message: 'wrong token type controller-bootstrap, expected type: kubelet-bootstrap' });
    // 2. Presented to the Cluster's kube-apiserver anyway, its bootstrap token does not authenticate:
    const asKubelet = (nodeName: string) => bootstrapKubeletCertificate({ server: c3.child.url, caPem: c3.pki.caCertPem, bearer: decoded.token, nodeName });
    const refused = await asKubelet('w-controller').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ stage: 'bootstrap', httpStatus: 401 });
    // because its Secret carries the controller-join usages and not usage-bootstrap-authentication,
    const id = decoded.token.split('.')[0];
    const path = `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`;
    const secret = await childCall(c3.child, c3.pki.caCertPem, c3.admin, path);
    expect(
      Object.keys(secret.json.data)
        .filter(k => k.startsWith('usage-'))
        .sort(),
    ).toEqual(['usage-bootstrap-controller-join', 'usage-controller-join']);
    // and that usage alone is what refuses it: with it added, the same token would bootstrap a kubelet.
    const patched = await childCall(c3.child, c3.pki.caCertPem, c3.admin, path, 'PATCH', { stringData: { 'usage-bootstrap-authentication': 'true' } });
    expect(patched.status).toBe(200);
    const accepted = await eventually('the patched token to authenticate', () => asKubelet('w-controller').catch(() => undefined), 30_000);
    expect(accepted.certPem).toContain('BEGIN CERTIFICATE');
  });
});
