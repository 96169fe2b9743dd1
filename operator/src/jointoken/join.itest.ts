// Worker join end to end, on the shared test cluster plus a real child kube-apiserver per Cluster
// (testenv's startChildApiServer, run with the PKI the operator generated): pods on hollow nodes
// run no k0s, so the fixture stands in for the k0s controller; the operator reaches it through an
// injected resolver, exactly as it would reach `kmc-<n>.<ns>.svc` in production.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoreV1Api, CustomObjectsApi, type V1Secret } from '@kubernetes/client-node';
import YAML from 'yaml';
import { ANNOTATION_JOIN_TOKEN_NAMESPACES, type Cluster, type Condition } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import {
  createTestNamespace,
  kubectl,
  readChildApiPki,
  sharedTestCluster,
  signLeafCert,
  startChildApiServer,
  type ChildApiPki,
  type ChildApiServer,
  poller,
  freePort,
} from '@k0smotron/testenv';
import { startOperator, type RunningOperator } from '../index';
import type { Logger } from '../engine/contract';
import { staticChildApi } from '../childapi/resolver';
import { decodeJoinToken } from './token';
import { JTR_FINALIZER } from './controller';

jest.setTimeout(300_000);

const shared = sharedTestCluster();
const kc = shared.kubeConfig;
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const kmc = new K0smotronClient(kc);

const eventually = poller({ timeoutMs: 90_000, everyMs: 500 });

const cond = (obj: { status?: { conditions?: Condition[] } } | undefined, type: string) => obj?.status?.conditions?.find(c => c.type === type);

interface Reply {
  status: number;
  body: string;
}

/** One HTTPS request to a child with either a bearer token or a client certificate. */
function request(
  url: string,
  opts: { caPem: string; token?: string; cert?: { certPem: string; keyPem: string }; method?: string; body?: unknown },
): Promise<Reply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.caPem,
        agent: false,
        timeout: 10_000,
        ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (payload) req.write(payload);
    req.end();
  });
}

/** Who a bearer token is to the child: a forbidden list answers with the user's name. */
async function tokenUser(child: ChildApiServer, caPem: string, token: string): Promise<{ status: number; user?: string }> {
  const r = await request(`${child.url}/api/v1/secrets`, { caPem, token });
  let message = '';
  try {
    message = String(JSON.parse(r.body).message ?? '');
  } catch {
    message = r.body;
  }
  const m = /User "([^"]+)"/.exec(message);
  return { status: r.status, user: m?.[1] };
}

function b64(s: string | undefined): string {
  return Buffer.from(s ?? '', 'base64').toString('utf8');
}

function clusterManifest(ns: string, name: string, spec: Cluster['spec']): Cluster {
  return { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name, namespace: ns }, spec };
}

/**
 * Records what the operator logs, with the fields of every child logger. The engine gives each
 * reconcile its own child logger named after the object (`{ namespace, name }` under the
 * controller's), so a `child` call that names an object is the proof that a reconcile of it began.
 */
class RecordingLogger implements Logger {
  constructor(
    readonly sink: { reconciles: Array<Record<string, unknown>>; lines: Array<{ msg: string; fields: Record<string, unknown> }> },
    private readonly fields: Record<string, unknown> = {},
  ) {}
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.sink.lines.push({ msg, fields: { ...this.fields, ...fields } });
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.debug(msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.debug(msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.debug(msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    const merged = { ...this.fields, ...fields };
    if (merged.controller && 'name' in fields) this.sink.reconciles.push(merged);
    return new RecordingLogger(this.sink, merged);
  }
}
const operatorLog = new RecordingLogger({ reconciles: [], lines: [] });
const reconcilesOf = (controller: string, namespace: string, name: string) =>
  operatorLog.sink.reconciles.filter(r => r.controller === controller && r.namespace === namespace && r.name === name).length;
const logged = (msg: string, namespace: string, name: string) =>
  operatorLog.sink.lines.filter(l => l.msg === msg && l.fields.namespace === namespace && l.fields.name === name).length;

// ---- the test bed ----------------------------------------------------------------------------

let ns = '';
let ns2 = '';
let operator: RunningOperator | undefined;
const childUrls = new Map<string, string>(); // "ns/name" → fixture URL
const children: ChildApiServer[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'join-itest-'));

async function startChild(namespace: string, name: string, port?: number): Promise<{ child: ChildApiServer; pki: ChildApiPki }> {
  const pki = await eventually(`PKI Secrets of ${namespace}/${name}`, () => readChildApiPki(kc, namespace, name));
  const child = await startChildApiServer({ pki, port, log: () => {} });
  children.push(child);
  childUrls.set(`${namespace}/${name}`, child.url);
  return { child, pki };
}

async function stopChild(child: ChildApiServer): Promise<void> {
  await child.stop();
  children.splice(children.indexOf(child), 1);
}

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'join');
  ns2 = await createTestNamespace(kc, 'join-other');
  operator = await startOperator({
    kubeConfig: kc,
    namespaces: [ns, ns2],
    logger: operatorLog,
    // The production resolver dials kmc-<n>.<ns>.svc, which only resolves inside the cluster.
    childApi: staticChildApi(c => childUrls.get(`${c.metadata.namespace}/${c.metadata.name}`)),
  });
});

afterAll(async () => {
  await operator?.stop();
  await Promise.all(children.map(c => c.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- tests -----------------------------------------------------------------------------------

describe('a Cluster with a real child API server', () => {
  let child: ChildApiServer;
  let pki: ChildApiPki;
  let childPort = 0;
  let admin: { certPem: string; keyPem: string };

  it('ControlPlaneFunctional stays False while the child is down and goes True once it answers', async () => {
    await kmc.createCluster(clusterManifest(ns, 'c1', { service: { type: 'ClusterIP', apiPort: 30443 } }));
    childPort = await freePort();
    // The resolver knows the address already; nothing listens there yet.
    childUrls.set(`${ns}/c1`, `https://127.0.0.1:${childPort}`);
    const down = await eventually('ControlPlaneFunctional False with a reason', async () => {
      const c = await kmc.getCluster(ns, 'c1');
      const f = cond(c, 'ControlPlaneFunctional');
      return f?.status === 'False' ? f : undefined;
    });
    expect(down.reason).toBe('Unreachable');

    ({ child, pki } = await startChild(ns, 'c1', childPort));
    admin = await signLeafCert(pki.caCertPem, pki.caKeyPem, { commonName: 'test-admin', organizations: ['system:masters'], usage: 'client' });
    const up = await eventually(
      'ControlPlaneFunctional True',
      async () => {
        const f = cond(await kmc.getCluster(ns, 'c1'), 'ControlPlaneFunctional');
        return f?.status === 'True' ? f : undefined;
      },
      90_000,
    );
    expect(up.reason).toBe('KubeSystemNamespaceFound');
  });

  it('the <n>-kubeconfig Secret works with a real kubectl against the child', async () => {
    const secret = await eventually('Secret c1-kubeconfig', () => core.readNamespacedSecret({ namespace: ns, name: 'c1-kubeconfig' }));
    const file = path.join(tmp, 'c1.kubeconfig');
    fs.writeFileSync(file, b64(secret.data?.value), { mode: 0o600 });
    const cluster = await kmc.getCluster(ns, 'c1');
    // The kubeconfig names the endpoint workers use (here kmc-c1.<ns>.svc, which only resolves
    // inside the management cluster); --server points kubectl at the stand-in instead. The CA
    // and the client certificate are the kubeconfig's own.
    expect(YAML.parse(b64(secret.data?.value)).clusters[0].cluster.server).toBe(cluster?.status?.endpoint);
    const r = await kubectl(['--server', child.url, 'get', 'ns', '-o', 'name'], { kubeconfig: file });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/kube-system', 'namespace/default']));
  });

  let tokenId = '';
  let bearer = '';

  it('a JoinTokenRequest yields a k0s token: decodable as k0s does, CA verifies the child, token authenticates as a bootstrapper', async () => {
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'worker-1', namespace: ns, labels: { team: 'blue' } },
      spec: { clusterName: 'c1', expiry: '1h' },
    });
    const jtr = await eventually('JoinTokenSecretCreated True', async () => {
      const j = await kmc.getJoinTokenRequest(ns, 'worker-1');
      return cond(j, 'JoinTokenSecretCreated')?.status === 'True' ? j : undefined;
    });
    const cluster = (await kmc.getCluster(ns, 'c1'))!;
    expect(jtr!.metadata.finalizers).toContain(JTR_FINALIZER);
    expect(jtr!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Cluster', name: 'c1', uid: cluster.metadata.uid, controller: true })]);
    expect(jtr!.status).toMatchObject({ cluster: `${ns}/c1`, clusterUID: cluster.metadata.uid });
    tokenId = jtr!.status!.tokenID!;
    expect(tokenId).toMatch(/^[a-z0-9]{6}$/);
    const expiresIn = Date.parse(jtr!.status!.expiration!) - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);

    const secret = await core.readNamespacedSecret({ namespace: ns, name: 'worker-1' });
    expect(secret.metadata?.labels).toEqual({
      team: 'blue',
      'k0smotron.io/cluster': 'c1',
      'k0smotron.io/role': 'worker',
      'k0smotron.io/token-request': 'worker-1',
      'app.kubernetes.io/component': 'jointoken',
    });
    expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'JoinTokenRequest', uid: jtr!.metadata.uid, controller: true })]);
    const joinToken = b64(secret.data?.token);

    // As a worker reads it: base64 -d | gunzip → a kubeconfig whose context uses kubelet-bootstrap.
    const kubeconfig = YAML.parse(execFileSync('sh', ['-c', 'base64 -d | gunzip'], { input: joinToken }).toString());
    const ctx = kubeconfig.contexts.find((c: { name: string }) => c.name === kubeconfig['current-context']);
    expect(ctx.context).toEqual({ cluster: 'k0s', user: 'kubelet-bootstrap' });
    const decoded = decodeJoinToken(joinToken);
    expect(decoded.server).toBe(cluster.status!.endpoint);
    expect(decoded.caPem).toBe(pki.caCertPem);
    expect(decoded.token).toMatch(new RegExp(`^${tokenId}\\.[a-z0-9]{16}$`));
    bearer = decoded.token;

    // The token's CA verifies the child's serving certificate (https rejects it otherwise).
    expect((await request(`${child.url}/readyz`, { caPem: decoded.caPem })).status).toBe(200);
    await expect(
      request(`${child.url}/readyz`, { caPem: (await signLeafCert(pki.caCertPem, pki.caKeyPem, { commonName: 'x', usage: 'client' })).certPem }),
    ).rejects.toThrow();

    // The bootstrap Secret in the child, as k0s writes it for workers.
    const boot = await request(`${child.url}/api/v1/namespaces/kube-system/secrets/bootstrap-token-${tokenId}`, { caPem: pki.caCertPem, cert: admin });
    expect(boot.status).toBe(200);
    const bootSecret = JSON.parse(boot.body) as V1Secret;
    expect(bootSecret.type).toBe('bootstrap.kubernetes.io/token');
    expect(Object.fromEntries(Object.entries(bootSecret.data ?? {}).map(([k, v]) => [k, b64(v)]))).toEqual({
      'token-id': tokenId,
      'token-secret': bearer.split('.')[1],
      description: 'Worker bootstrap token generated by k0smotron',
      'usage-bootstrap-authentication': 'true',
      expiration: jtr!.status!.expiration,
    });

    // Authenticated as system:bootstrap:<id> …
    const who = await eventually('the child to accept the token', async () => {
      const w = await tokenUser(child, pki.caCertPem, bearer);
      return w.status === 403 ? w : undefined;
    });
    expect(who.user).toBe(`system:bootstrap:${tokenId}`);
    // … in group system:bootstrappers: a permission granted only to that group works.
    const grant = (kind: string, body: object) =>
      request(`${child.url}/apis/rbac.authorization.k8s.io/v1/${kind}`, { caPem: pki.caCertPem, cert: admin, method: 'POST', body });
    expect(
      (
        await grant('clusterroles', {
          metadata: { name: 'read-kube-system' },
          rules: [{ apiGroups: [''], resources: ['namespaces'], resourceNames: ['kube-system'], verbs: ['get'] }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await grant('clusterrolebindings', {
          metadata: { name: 'bootstrappers-read-kube-system' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'read-kube-system' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers' }],
        })
      ).status,
    ).toBe(201);
    await eventually(
      'the group permission to apply',
      async () => (await request(`${child.url}/api/v1/namespaces/kube-system`, { caPem: pki.caCertPem, token: bearer })).status === 200,
    );
  });

  it('the issued token is stable: reconciles and an operator restart mint nothing new', async () => {
    await operator!.stop();
    // Counted between the stop and the start: the new operator may reconcile worker-1 before
    // startOperator returns.
    const before = reconcilesOf('jointokenrequest', ns, 'worker-1');
    operator = await startOperator({
      kubeConfig: kc,
      namespaces: [ns, ns2],
      logger: operatorLog,
      childApi: staticChildApi(c => childUrls.get(`${c.metadata.namespace}/${c.metadata.name}`)),
    });
    // The new operator reconciles worker-1 once it has listed it; the JTR is then touched so it
    // is reconciled again. The queue never runs one object twice at once, so the start of a
    // second reconcile proves the first one (from the restart) has finished.
    await eventually('a reconcile of worker-1 by the restarted operator', async () => reconcilesOf('jointokenrequest', ns, 'worker-1') > before);
    const poke = await kubectl(['-n', ns, 'annotate', 'jtr', 'worker-1', 'poke=1']);
    expect(poke.stderr).toBe('');
    await eventually('a second reconcile of worker-1, after the poke', async () => reconcilesOf('jointokenrequest', ns, 'worker-1') >= before + 2);
    const poke2 = await kubectl(['-n', ns, 'annotate', '--overwrite', 'jtr', 'worker-1', 'poke=2']);
    expect(poke2.stderr).toBe('');
    // …and a third start proves the poked one finished too.
    await eventually('a third reconcile of worker-1', async () => reconcilesOf('jointokenrequest', ns, 'worker-1') >= before + 3);
    const jtr = await kmc.getJoinTokenRequest(ns, 'worker-1');
    expect(jtr!.status!.tokenID).toBe(tokenId);
    const list = await request(`${child.url}/api/v1/namespaces/kube-system/secrets`, { caPem: pki.caCertPem, cert: admin });
    const tokens = (JSON.parse(list.body).items as V1Secret[]).filter(s => s.type === 'bootstrap.kubernetes.io/token');
    expect(tokens.map(s => s.metadata?.name)).toEqual([`bootstrap-token-${tokenId}`]);
    expect(decodeJoinToken(b64((await core.readNamespacedSecret({ namespace: ns, name: 'worker-1' })).data?.token)).token).toBe(bearer);
  });

  it('deleting the JoinTokenRequest revokes the token in the child', async () => {
    await kmc.deleteJoinTokenRequest(ns, 'worker-1');
    await eventually('the JTR to be gone (finalizer released)', async () => (await kmc.getJoinTokenRequest(ns, 'worker-1')) === undefined);
    const gone = await request(`${child.url}/api/v1/namespaces/kube-system/secrets/bootstrap-token-${tokenId}`, { caPem: pki.caCertPem, cert: admin });
    expect(gone.status).toBe(404);
    const who = await eventually(
      'the child to reject the token',
      async () => {
        const w = await tokenUser(child, pki.caCertPem, bearer);
        return w.status === 401 ? w : undefined;
      },
      30_000,
    );
    expect(who.user).toBeUndefined();
  });

  it('a token with a short expiry stops authenticating after it', async () => {
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'short', namespace: ns },
      spec: { clusterName: 'c1', expiry: '10s' },
    });
    const jtr = await eventually('short JTR issued', async () => {
      const j = await kmc.getJoinTokenRequest(ns, 'short');
      return cond(j, 'JoinTokenSecretCreated')?.status === 'True' ? j : undefined;
    });
    const expiresAt = Date.parse(jtr!.status!.expiration!);
    const token = decodeJoinToken((await kmc.readJoinToken(ns, 'short'))!).token;
    const ok = await eventually(
      'short token to authenticate before expiry',
      async () => {
        const w = await tokenUser(child, pki.caCertPem, token);
        return w.status === 403 ? w : undefined;
      },
      8_000,
      200,
    );
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(ok.user).toBe(`system:bootstrap:${jtr!.status!.tokenID}`);
    // kube-apiserver checks `expiration` on every authentication: no cleaner needed.
    await eventually('short token rejected after expiry', async () => (await tokenUser(child, pki.caCertPem, token)).status === 401, 30_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await kmc.deleteJoinTokenRequest(ns, 'short');
  });

  it("upstream's join-nodes example (v1beta1, clusterRef to another namespace, expiry 1h) works once the Cluster lists that namespace", async () => {
    const manifest = `apiVersion: k0smotron.io/v1beta1
kind: JoinTokenRequest
metadata:
  name: my-token
  namespace: ${ns2}
spec:
  clusterRef:
    name: c1
    namespace: ${ns}
  expiry: 1h
`;
    const r = await kubectl(['apply', '-f', '-'], { input: manifest });
    expect(r.stderr).toBe('');
    // Another namespace's request is refused until the Cluster's owner opts in…
    const refused = await eventually('my-token refused', async () => {
      const c = cond(await kmc.getJoinTokenRequest(ns2, 'my-token'), 'JoinTokenSecretCreated');
      return c?.reason === 'CrossNamespaceDenied' ? c : undefined;
    });
    expect(refused.message).toContain(ANNOTATION_JOIN_TOKEN_NAMESPACES);
    // …and then issued without touching the request (the Cluster's update wakes it).
    await kmc.patchCluster(ns, 'c1', { metadata: { annotations: { [ANNOTATION_JOIN_TOKEN_NAMESPACES]: ns2 } } });
    const jtr = await eventually('my-token issued', async () => {
      const j = await kmc.getJoinTokenRequest(ns2, 'my-token');
      return cond(j, 'JoinTokenSecretCreated')?.status === 'True' ? j : undefined;
    });
    // Another namespace: no owner reference (Kubernetes forbids cross-namespace owners).
    expect(jtr!.metadata.ownerReferences ?? []).toEqual([]);
    const token = await kmc.readJoinToken(ns2, 'my-token');
    const decoded = decodeJoinToken(token!);
    expect(decoded.authName).toBe('kubelet-bootstrap');
    const who = await eventually('my-token to authenticate', async () => {
      const w = await tokenUser(child, pki.caCertPem, decoded.token);
      return w.status === 403 ? w : undefined;
    });
    expect(who.user).toBe(`system:bootstrap:${jtr!.status!.tokenID}`);
  });

  it('ControlPlaneFunctional goes back to False when the child stops', async () => {
    await stopChild(child);
    const f = await eventually(
      'ControlPlaneFunctional False',
      async () => {
        const c = cond(await kmc.getCluster(ns, 'c1'), 'ControlPlaneFunctional');
        return c?.status === 'False' ? c : undefined;
      },
      120_000, // the healthy recheck period is 60 s
      1000,
    );
    expect(f.reason).toBe('Unreachable');
  });

  it('a JTR for an unreachable child waits with a reason, keeps its token id over retries, completes once the child is up, and records one token', async () => {
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'patient', namespace: ns },
      spec: { clusterName: 'c1' },
    });
    const waiting = await eventually('patient JTR waiting', async () => {
      const j = await kmc.getJoinTokenRequest(ns, 'patient');
      const c = cond(j, 'JoinTokenSecretCreated');
      return c?.status === 'False' && c.reason === 'ControlPlaneUnreachable' && j?.status?.tokenID ? j : undefined;
    });
    const recorded = waiting!.status!.tokenID!;
    // Three failed attempts (the first and two backed-off retries, 2 s then 4 s apart) all keep
    // the token id recorded before the first one.
    await eventually('three failed attempts to reach the child for patient', async () => logged('control plane not reachable yet', ns, 'patient') >= 3, 60_000);
    expect((await kmc.getJoinTokenRequest(ns, 'patient'))!.status!.tokenID).toBe(recorded);

    ({ child, pki } = await startChild(ns, 'c1', childPort));
    const done = await eventually(
      'patient JTR issued',
      async () => {
        const j = await kmc.getJoinTokenRequest(ns, 'patient');
        return cond(j, 'JoinTokenSecretCreated')?.status === 'True' ? j : undefined;
      },
      90_000,
    );
    expect(done!.status!.tokenID).toBe(recorded);
    // Default expiry 24h.
    const left = Date.parse(done!.status!.expiration!) - Date.now();
    expect(left).toBeGreaterThan(23.9 * 3600_000);
    expect(left).toBeLessThanOrEqual(24 * 3600_000);
    const list = await request(`${child.url}/api/v1/namespaces/kube-system/secrets`, { caPem: pki.caCertPem, cert: admin });
    const names = (JSON.parse(list.body).items as V1Secret[]).filter(s => s.type === 'bootstrap.kubernetes.io/token').map(s => s.metadata?.name);
    // The restarted stand-in has a fresh datastore: exactly the one token of this request.
    expect(names).toEqual([`bootstrap-token-${recorded}`]);
  });

  it('deleting the Cluster deletes its JoinTokenRequests, also those in other namespaces', async () => {
    await kmc.deleteCluster(ns, 'c1');
    await eventually(
      'JTRs of c1 gone',
      async () => {
        const here = await kmc.listJoinTokenRequests(ns);
        const there = await kmc.listJoinTokenRequests(ns2);
        return here.length === 0 && there.length === 0;
      },
      120_000,
      1000,
    );
  });
});

describe('the v1beta1 alias kind K0smotronCluster', () => {
  it('applies verbatim, becomes an owned Cluster with upstream defaults, and mirrors its status', async () => {
    const manifest = `apiVersion: k0smotron.io/v1beta1
kind: K0smotronCluster
metadata:
  name: k0smotron-test
spec: null
`;
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest });
    expect(r.stderr).toBe('');
    const cluster = await eventually('Cluster k0smotron-test', () => kmc.getCluster(ns, 'k0smotron-test'));
    const owner = (await custom.getNamespacedCustomObject({
      group: 'k0smotron.io',
      version: 'v1beta1',
      namespace: ns,
      plural: 'k0smotronclusters',
      name: 'k0smotron-test',
    })) as Cluster;
    expect(cluster!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'K0smotronCluster', uid: owner.metadata.uid, controller: true })]);
    expect(cluster!.spec).toMatchObject({ replicas: 1, service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 }, storage: { type: 'etcd' } });

    await startChild(ns, 'k0smotron-test');
    const mirrored = await eventually(
      'K0smotronCluster status mirrors a functional Cluster',
      async () => {
        const k = (await custom.getNamespacedCustomObject({
          group: 'k0smotron.io',
          version: 'v1beta1',
          namespace: ns,
          plural: 'k0smotronclusters',
          name: 'k0smotron-test',
        })) as Cluster;
        return cond(k, 'ControlPlaneFunctional')?.status === 'True' ? k : undefined;
      },
      120_000,
      1000,
    );
    expect(mirrored.status?.endpoint).toMatch(/^https:\/\/192\.0\.2\.\d+:30443$/);
    const now = await kmc.getCluster(ns, 'k0smotron-test');
    expect(mirrored.status?.endpoint).toBe(now?.status?.endpoint);

    // Deleting it deletes the Cluster (owner-reference GC).
    await custom.deleteNamespacedCustomObject({
      group: 'k0smotron.io',
      version: 'v1beta1',
      namespace: ns,
      plural: 'k0smotronclusters',
      name: 'k0smotron-test',
    });
    await eventually('Cluster k0smotron-test gone', async () => (await kmc.getCluster(ns, 'k0smotron-test')) === undefined, 120_000, 1000);
  });
});
