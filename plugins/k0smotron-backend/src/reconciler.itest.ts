// The embedded reconciler: two Backstage backends with `k0smotron.reconciler.enabled` on the
// real test cluster share one Lease — one reconciles, the other takes over when it stops — and
// a join token flows end to end through the REST API. Pods on hollow nodes run no k0s, so
// testenv's child kube-apiserver (with the PKI the reconciler generated) stands in for the
// control plane, reached through a child-API resolver set by a backend module, as in
// operator/src/jointoken/join.itest.ts.
import * as https from 'node:https';
import request from 'supertest';
import { AppsV1Api } from '@kubernetes/client-node';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, readChildApiPki, sharedTestCluster, startChildApiServer, type ChildApiServer } from '@k0smotron/testenv';
import { decodeJoinToken, staticChildApi } from '@k0smotron/operator';
import type { JoinTokenResponse, ReconcilerStatusResponse } from '@k0smotron/plugin-k0smotron-common';
// The plugin alone, not the default export: startTestBackend adds a stand-in plugin for a module
// whose plugin it cannot see among the features, and it does not look inside feature loaders.
import { k0smotronPlugin, k0smotronReconcilerExtensionPoint } from '.';
import { CapturingLogger, eventually, secretPatterns, startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';

jest.setTimeout(300_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const apps = kubeConfig.makeApiClient(AppsV1Api);
const client = new K0smotronClient(kubeConfig);
const user = mockCredentials.user.header('user:default/bob');
const childUrls = new Map<string, string>();
const children: ChildApiServer[] = [];
const logs = new CapturingLogger();
const secrets: string[] = [];

// Production dials kmc-<n>.<ns>.svc, which resolves only inside the cluster: point it at the fixture.
const childApiModule = createBackendModule({
  pluginId: 'k0smotron',
  moduleId: 'test-child-api',
  register(reg) {
    reg.registerInit({
      deps: { reconciler: k0smotronReconcilerExtensionPoint },
      async init({ reconciler }) {
        reconciler.setChildApiResolver(staticChildApi(c => childUrls.get(`${c.metadata.namespace}/${c.metadata.name}`)));
      },
    });
  },
});

let ns: string;
let a: K0smotronTestBackend | undefined;
let b: K0smotronTestBackend | undefined;

function configFor(identity: string) {
  return {
    k0smotron: {
      managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }],
      reconciler: { enabled: true, lease: { namespace: ns, name: 'backstage-reconciler', identity } },
    },
  };
}

async function status(t: K0smotronTestBackend) {
  const res = await request(t.backend.server).get('/api/k0smotron/reconciler').set('Authorization', user);
  expect(res.status).toBe(200);
  return (res.body as ReconcilerStatusResponse).items[0];
}

async function statefulSetOf(name: string) {
  return eventually(`StatefulSet kmc-${name}`, async () => apps.readNamespacedStatefulSet({ namespace: ns, name: `kmc-${name}` }), 60_000, 500);
}

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-reconciler');
  a = await startK0smotronTestBackend({ features: [k0smotronPlugin, childApiModule], config: configFor('backstage-a'), logs });
  await eventually('backend a to lead', async () => (await status(a!)).leader, 30_000);
  b = await startK0smotronTestBackend({ features: [k0smotronPlugin, childApiModule], config: configFor('backstage-b'), logs });
});

afterAll(async () => {
  await a?.backend.stop();
  await b?.backend.stop();
  await Promise.all(children.map(c => c.stop()));
});

it('reconciles a Cluster created through the API on exactly one replica', async () => {
  expect(await status(a!)).toMatchObject({ managementCluster: 'test', leader: true });
  expect(await status(b!)).toMatchObject({ managementCluster: 'test', leader: false });

  // Created through b's API; reconciled by a, the Lease holder.
  const created = await request(b!.backend.server)
    .post('/api/k0smotron/clusters/test')
    .set('Authorization', user)
    .send({ namespace: ns, name: 'emb', spec: { service: { type: 'ClusterIP', apiPort: 30443 } } });
  expect(created.status).toBe(201);
  const sts = await statefulSetOf('emb');
  expect(sts.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Cluster', name: 'emb' });
  await eventually('the Cluster status to be written', async () => (await client.getCluster(ns, 'emb'))?.status?.conditions?.length);

  expect((await status(a!)).writeRequests).toBeGreaterThan(0);
  expect((await status(b!)).writeRequests).toBe(0);
});

it('issues a join token end to end: once, with worker commands, and the token works on the child', async () => {
  const pki = await eventually('PKI Secrets of emb', () => readChildApiPki(kubeConfig, ns, 'emb'), 60_000);
  secrets.push(pki.caKeyPem, pki.saPrivateKeyPem);
  const child = await startChildApiServer({ pki, log: () => {} });
  children.push(child);
  childUrls.set(`${ns}/emb`, child.url);
  // The probe backs off while the child is missing; a metadata change makes the next
  // reconcile (and probe) happen now instead of after the backoff. The annotation is one of the
  // operator's own prefix, which children do not inherit: any other Cluster annotation reaches
  // the pods, as upstream, and would roll them on every poke.
  let pokes = 0;
  await eventually(
    'ControlPlaneFunctional True',
    async () => {
      const c = await client.getCluster(ns, 'emb');
      const f = c?.status?.conditions?.find(x => x.type === 'ControlPlaneFunctional');
      if (f?.status === 'True') return true;
      await client.patchCluster(ns, 'emb', { metadata: { annotations: { 'k0smotron.io/test-poke': String(++pokes) } } });
      throw new Error(`ControlPlaneFunctional is ${f?.status} ${f?.reason}: ${f?.message}`);
    },
    120_000,
    3_000,
  );

  const res = await request(a!.backend.server)
    .post(`/api/k0smotron/clusters/test/${ns}/emb/join-tokens`)
    .set('Authorization', user)
    .send({ role: 'worker', expiry: '1h' });
  // 201 also says the token came within the route's wait (it answers 503 after it).
  expect(res.status).toBe(201);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.body as JoinTokenResponse;
  expect(body.role).toBe('worker');
  expect(Date.parse(body.expiresAt!) - Date.now()).toBeGreaterThan(55 * 60_000);
  expect(body.commands[0]).toMatch(/get\.k0s\.sh/);
  expect(body.commands.join('\n')).toContain(body.token);
  expect(body.commands.join('\n')).toContain('k0s install worker --token-file /etc/k0s.token');
  secrets.push(body.token);

  // The token is a real k0s join token: its bootstrap token authenticates on the child.
  const decoded = decodeJoinToken(body.token);
  secrets.push(decoded.token);
  const whoami = await eventually('the child to accept the bootstrap token', async () => {
    const r = await get(`${child.url}/api/v1/secrets`, decoded.caPem, decoded.token);
    return r.status === 403 ? r : undefined;
  });
  expect(whoami.body).toMatch(/system:bootstrap:/);

  // The JoinTokenRequest stays: deleting it would revoke the token the user just got.
  const jtrs = await client.listJoinTokenRequests(ns);
  expect(jtrs).toHaveLength(1);
  expect(jtrs[0].metadata.annotations?.['k0smotron.io/requested-by']).toBe('user:default/bob');
  expect(logs.text()).toMatch(/join-token-create/);
});

it('hands over to the other replica when the leader stops', async () => {
  await a!.backend.stop();
  a = undefined;
  const stopped = Date.now();
  // Generous: only a replica that never takes over misses it. The time is printed, not judged.
  await eventually('backend b to lead', async () => (await status(b!)).leader, 90_000, 250);
  const tookOverMs = Date.now() - stopped;
  process.stderr.write(`[k0smotron-backend] reconciler takeover after ${tookOverMs} ms\n`);

  const created = await request(b!.backend.server)
    .post('/api/k0smotron/clusters/test')
    .set('Authorization', user)
    .send({ namespace: ns, name: 'emb2', spec: { service: { type: 'ClusterIP', apiPort: 30443 } } });
  expect(created.status).toBe(201);
  await statefulSetOf('emb2');
  expect((await status(b!)).writeRequests).toBeGreaterThan(0);
});

it('never logs token or key material', () => {
  const text = logs.text();
  expect(text).toMatch(/embedded reconciler/);
  for (const s of secrets) expect(text).not.toContain(s.trim());
  for (const p of secretPatterns()) expect(text).not.toMatch(p);
});

function get(url: string, caPem: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca: caPem, agent: false, timeout: 10_000, headers: { authorization: `Bearer ${token}` } }, res => {
      let body = '';
      res.on('data', c => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
