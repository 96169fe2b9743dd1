// The REST API against the real test cluster: every route, 401/403/400, and no secret in logs.
import request from 'supertest';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { LABEL_CLUSTER } from '@k0smotron/api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { K0smotronClient } from '@k0smotron/api/client';
import { createCa } from '@k0smotron/operator/pki';
import type { ClusterDetails, ClusterListResponse, ClusterSummary } from '@k0smotron/plugin-k0smotron-common';
import k0smotronPlugin from '.';
import { eventually, secretPatterns, startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';

jest.setTimeout(120_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const core = kubeConfig.makeApiClient(CoreV1Api);
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const client = new K0smotronClient(kubeConfig);

let ns: string;
let other: string;
let t: K0smotronTestBackend;
let disabled: K0smotronTestBackend;
const secretsWritten: string[] = [];
const user = mockCredentials.user.header('user:default/alice');

function api(path: string) {
  return `/api/k0smotron${path}`;
}

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-routes');
  other = await createTestNamespace(kubeConfig, 'bs-routes-other');
  const mcConfig = { name: 'test', kubeconfigPath, namespaces: [ns] };
  t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    // A short join-token wait keeps the timeout case quick; no case here expects a token.
    config: { k0smotron: { managementClusters: [mcConfig], kubeconfigAccess: { enabled: true }, joinTokenTimeout: '2s' } },
  });
  disabled = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: { k0smotron: { managementClusters: [mcConfig] } },
  });
});

afterAll(async () => {
  await t?.backend.stop();
  await disabled?.backend.stop();
});

afterEach(() => t.denied.clear());

describe('authentication and permissions', () => {
  const routes: Array<[string, string, string, object?]> = [
    ['get', '/management-clusters', 'k0smotron.cluster.read'],
    ['get', '/clusters', 'k0smotron.cluster.read'],
    ['get', '/reconciler', 'k0smotron.cluster.read'],
    ['get', '/clusters/test/NS/c1', 'k0smotron.cluster.read'],
    ['post', '/clusters/test', 'k0smotron.cluster.create', { namespace: 'NS', name: 'denied', spec: {} }],
    ['patch', '/clusters/test/NS/c1', 'k0smotron.cluster.update', { replicas: 2 }],
    ['delete', '/clusters/test/NS/c1', 'k0smotron.cluster.delete'],
    ['post', '/clusters/test/NS/c1/join-tokens', 'k0smotron.jointoken.create', { role: 'worker', expiry: '1h' }],
    ['get', '/clusters/test/NS/c1/kubeconfig', 'k0smotron.kubeconfig.read'],
  ];
  const send = (method: string, path: string, body?: object) => {
    const r = (request(t.backend.server) as unknown as Record<string, (p: string) => request.Test>)[method](api(path.replace('NS', ns)));
    return body ? r.send(body) : r;
  };

  // Objects, not arrays: jest would take a missing trailing array element for a `done` callback.
  const cases = routes.map(([method, path, permission, body]) => ({ method, path, permission, body }));

  it.each(cases)('$method $path answers 401 without user credentials', async ({ method, path, body }) => {
    const res = await send(method, path, body).set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
    // A service principal is authenticated but not a user: Backstage's httpAuth answers 403.
    const svc = await send(method, path, body).set('Authorization', mockCredentials.service.header());
    expect(svc.status).toBe(403);
  });

  // c1 exists, so a denied route is refused for the permission, not for a missing Cluster.
  const c1 = () => client.createCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'c1', namespace: ns }, spec: {} });
  beforeAll(async () => void (await c1()));
  afterAll(async () => void (await client.deleteCluster(ns, 'c1')));

  // Reading one Cluster without the read permission answers as if it did not exist.
  const perCluster = (path: string) => path.includes('/NS/c1');
  const denials = cases.filter(c => !(perCluster(c.path) && c.permission === 'k0smotron.cluster.read'));

  it.each(denials)('$method $path answers 403 when $permission is denied', async ({ method, path, permission, body }) => {
    t.denied.add(permission);
    const res = await send(method, path, body).set('Authorization', user);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(permission);
  });

  it.each(cases.filter(c => perCluster(c.path)))('$method $path answers 404 when the Cluster may not be read', async ({ method, path, body }) => {
    t.denied.add('k0smotron.cluster.read');
    const res = await send(method, path, body).set('Authorization', user);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(`Cluster ${ns}/c1 not found in management cluster 'test'`);
  });

  it('wrote nothing while denied', async () => {
    expect(await client.getCluster(ns, 'denied')).toBeUndefined();
  });
});

describe('routes', () => {
  it('lists the configured management clusters', async () => {
    const res = await request(t.backend.server).get(api('/management-clusters')).set('Authorization', user);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [{ name: 'test', namespaces: [ns] }] });
  });

  it('creates, lists, reads, updates and deletes a Cluster', async () => {
    const created = await request(t.backend.server)
      .post(api('/clusters/test'))
      .set('Authorization', user)
      .send({ namespace: ns, name: 'web', spec: { replicas: 1, service: { type: 'NodePort' } }, labels: { env: 'test' } });
    expect(created.status).toBe(201);
    const summary = created.body as ClusterSummary;
    expect(summary).toMatchObject({ managementCluster: 'test', namespace: ns, name: 'web', replicas: 1, serviceType: 'NodePort', paused: false });
    expect(summary.uid).toBeTruthy();

    // The list is served from the watch cache: the new Cluster shows up within a few seconds.
    const listed = await eventually(
      'web in GET /clusters',
      async () => {
        const res = await request(t.backend.server).get(api('/clusters')).set('Authorization', user);
        return (res.body as ClusterListResponse).items.find(c => c.name === 'web');
      },
      5_000,
    );
    expect(listed.labels).toEqual({ env: 'test' });

    const filtered = await request(t.backend.server)
      .get(api(`/clusters?managementCluster=test&namespace=${ns}&phase=Sleeping`))
      .set('Authorization', user);
    expect(filtered.status).toBe(200);
    expect((filtered.body as ClusterListResponse).items).toEqual([]);
    const notServed = await request(t.backend.server)
      .get(api(`/clusters?namespace=${other}`))
      .set('Authorization', user);
    expect(notServed.body.items).toEqual([]);

    // Details: generated objects, events and certificate expiry, with no secret material.
    const ca = await createCa('web-ca', new Date(), 30);
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'web-ca' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': ca.cert, 'tls.key': ca.key } },
    });
    secretsWritten.push(ca.key);
    await core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { name: 'web.test-event' },
        involvedObject: { kind: 'Cluster', name: 'web', namespace: ns, apiVersion: 'k0smotron.io/v1beta2' },
        reason: 'Testing',
        message: 'an event about web',
        type: 'Normal',
        count: 1,
        lastTimestamp: new Date(),
      },
    });
    const details = await request(t.backend.server)
      .get(api(`/clusters/test/${ns}/web`))
      .set('Authorization', user);
    expect(details.status).toBe(200);
    const d = details.body as ClusterDetails;
    expect(d.spec.replicas).toBe(1);
    expect(d.ownedObjects.map(o => `${o.kind}/${o.name}`)).toEqual(
      expect.arrayContaining(['StatefulSet/kmc-web', 'Service/kmc-web-nodeport', 'Secret/web-kubeconfig']),
    );
    expect(d.ownedObjects.find(o => o.name === 'kmc-web')).toMatchObject({ ready: false, message: 'not created yet' });
    expect(d.events).toEqual([expect.objectContaining({ reason: 'Testing', message: 'an event about web', type: 'Normal' })]);
    expect(d.certificates).toEqual([{ name: 'web-ca', purpose: 'ca', notAfter: expect.stringMatching(/^\d{4}-/) }]);
    expect(JSON.stringify(d)).not.toContain('PRIVATE KEY');

    const missing = await request(t.backend.server)
      .get(api(`/clusters/test/${ns}/nope`))
      .set('Authorization', user);
    expect(missing.status).toBe(404);
    const unknownMc = await request(t.backend.server)
      .get(api(`/clusters/prod/${ns}/web`))
      .set('Authorization', user);
    expect(unknownMc.status).toBe(404);
    // The same answer as for a missing Cluster, and no list of what is configured.
    expect(unknownMc.body.error.message).toBe(`Cluster ${ns}/web not found in management cluster 'prod'`);
    const unserved = await request(t.backend.server).get(api(`/clusters/test/kube-system/web`)).set('Authorization', user);
    expect(unserved.status).toBe(404);
    expect(unserved.body.error.message).not.toContain(ns);

    // Update the common knobs.
    const patched = await request(t.backend.server)
      .patch(api(`/clusters/test/${ns}/web`))
      .set('Authorization', user)
      .send({ replicas: 3, version: 'v1.30.2-k0s.0', paused: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ replicas: 3, version: 'v1.30.2-k0s.0', paused: true, phase: 'Paused' });
    const unpaused = await request(t.backend.server)
      .patch(api(`/clusters/test/${ns}/web`))
      .set('Authorization', user)
      .send({ paused: false });
    expect(unpaused.body.paused).toBe(false);
    const live = await client.getCluster(ns, 'web');
    expect(live?.metadata.annotations?.['k0smotron.io/paused']).toBeUndefined();

    // A second create of the same name conflicts.
    const again = await request(t.backend.server).post(api('/clusters/test')).set('Authorization', user).send({ namespace: ns, name: 'web', spec: {} });
    expect(again.status).toBe(409);

    // Delete: 202, then gone from the list.
    const deleted = await request(t.backend.server)
      .delete(api(`/clusters/test/${ns}/web`))
      .set('Authorization', user);
    expect(deleted.status).toBe(202);
    await eventually(
      'web gone from GET /clusters',
      async () => {
        const res = await request(t.backend.server).get(api('/clusters')).set('Authorization', user);
        return !(res.body as ClusterListResponse).items.some(c => c.name === 'web');
      },
      5_000,
    );
    expect(t.logs.text()).toMatch(/cluster-create/);
    expect(t.logs.text()).toMatch(/cluster-delete/);
  });

  it("serves a kubeconfig of the user's own (never the stored admin one) only when enabled, and audits it", async () => {
    await client.createCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'kc', namespace: ns }, spec: {} });
    const notYet = await request(t.backend.server)
      .get(api(`/clusters/test/${ns}/kc/kubeconfig`))
      .set('Authorization', user);
    expect(notYet.status).toBe(404);
    expect(notYet.body.error.message).toContain('no status.endpoint');
    await kubeConfig
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObjectStatus(
        { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'clusters', name: 'kc', body: { status: { endpoint: 'https://192.0.2.7:30443' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const noCa = await request(t.backend.server)
      .get(api(`/clusters/test/${ns}/kc/kubeconfig`))
      .set('Authorization', user);
    expect(noCa.status).toBe(404);
    expect(noCa.body.error.message).toContain('Secret kc-ca');

    // The stored admin kubeconfig is there, but the route signs one for the user instead.
    const kubeconfig = 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-key-data: SECRETKEYDATA0123456789\n';
    secretsWritten.push('SECRETKEYDATA0123456789');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'kc-kubeconfig' }, stringData: { value: kubeconfig } } });
    const ca = createCa('kubernetes', new Date(), 1);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'kc-ca' }, stringData: { 'tls.crt': ca.cert, 'tls.key': ca.key } } });
    const ok = await request(t.backend.server)
      .get(api(`/clusters/test/${ns}/kc/kubeconfig`))
      .set('Authorization', user);
    expect(ok.status).toBe(200);
    expect(ok.text).not.toContain('SECRETKEYDATA');
    const handed = new KubeConfig();
    handed.loadFromString(ok.text);
    expect(handed.getCurrentContext()).toBe('user:default/alice@kc-k0s');
    expect(handed.getCurrentCluster()?.server).toBe('https://192.0.2.7:30443');
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(t.logs.text()).toMatch(/kubeconfig-read/);

    const off = await request(disabled.backend.server)
      .get(api(`/clusters/test/${ns}/kc/kubeconfig`))
      .set('Authorization', user);
    expect(off.status).toBe(404);
    expect(off.body.error.message).toContain('k0smotron.kubeconfigAccess.enabled');
  });

  it('lists the CA a Cluster names in spec.certificateRefs, not a Secret under the generated name', async () => {
    // byo brings its own CA (corp-ca). A byo-ca Secret also exists (say, left from before the
    // reference was added): it is not the Cluster's CA and must not be listed as if it were.
    await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'byo', namespace: ns },
      spec: { certificateRefs: [{ type: 'ca', name: 'corp-ca' }] },
    });
    for (const name of ['corp-ca', 'byo-ca']) {
      const ca = await createCa(name, new Date(), 30);
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': ca.cert, 'tls.key': ca.key } },
      });
      secretsWritten.push(ca.key);
    }
    const d = await eventually('the details of byo', async () => {
      const res = await request(t.backend.server)
        .get(api(`/clusters/test/${ns}/byo`))
        .set('Authorization', user);
      return res.status === 200 ? (res.body as ClusterDetails) : undefined;
    });
    expect(d.certificates).toEqual([{ name: 'corp-ca', purpose: 'ca', notAfter: expect.stringMatching(/^\d{4}-/) }]);
    expect(JSON.stringify(d)).not.toContain('PRIVATE KEY');
    await client.deleteCluster(ns, 'byo');
  });

  it('answers 400 for an unknown field in a join-token request', async () => {
    const res = await request(t.backend.server)
      .post(api(`/clusters/test/${ns}/kc/join-tokens`))
      .set('Authorization', user)
      .send({ role: 'worker', expiry: '1h', wait: true });
    expect(res.status).toBe(400);
    expect(res.body.fieldErrors).toEqual([{ path: 'wait', message: expect.stringContaining('unknown field') }]);
  });

  it('answers 503 when no operator issues the join token in time, and removes its JoinTokenRequest', async () => {
    // No operator or embedded reconciler serves this namespace, so nothing ever writes the token
    // (nor a finalizer); `t` waits k0smotron.joinTokenTimeout = 2s. The end-to-end flow with an
    // operator is in reconciler.itest.ts.
    await client.createCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'jt', namespace: ns }, spec: {} });
    // Watching from the list's resourceVersion sees every JoinTokenRequest event after it, so the
    // test can prove the route created one, not only that none is left.
    const selector = `${LABEL_CLUSTER}=jt`;
    const listed = (await custom.listNamespacedCustomObject({
      group: 'k0smotron.io',
      version: 'v1beta2',
      namespace: ns,
      plural: 'jointokenrequests',
      labelSelector: selector,
    })) as { metadata: { resourceVersion: string }; items: unknown[] };
    expect(listed.items).toEqual([]);
    const events: Array<{ type: string; name: string }> = [];
    const watch = await new Watch(kubeConfig).watch(
      `/apis/k0smotron.io/v1beta2/namespaces/${ns}/jointokenrequests`,
      { labelSelector: selector, resourceVersion: listed.metadata.resourceVersion, allowWatchBookmarks: false },
      (type: string, obj: { metadata?: { name?: string } }) => events.push({ type, name: obj.metadata?.name ?? '' }),
      () => undefined,
    );
    try {
      const res = await request(t.backend.server)
        .post(api(`/clusters/test/${ns}/jt/join-tokens`))
        .set('Authorization', user)
        .send({ role: 'worker', expiry: '1h' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain(`no join token for ${ns}/jt within 2 s`);
      expect(res.body.error.message).toContain('is the k0smotron operator');
      expect(JSON.stringify(res.body)).not.toMatch(/"token"/);

      // Created, then deleted by the route; nothing else deletes JoinTokenRequests here.
      const created = await eventually('the ADDED event of the JoinTokenRequest', () => events.find(e => e.type === 'ADDED'));
      await eventually('its DELETED event', () => events.some(e => e.type === 'DELETED' && e.name === created.name));
      expect(await client.listJoinTokenRequests(ns, selector)).toEqual([]);
    } finally {
      watch.abort();
    }
  });
});

describe('400 for bad bodies, with nothing written', () => {
  const bad: Array<[string, unknown, string]> = [
    ['not an object', [1, 2], ''],
    ['no namespace', { name: 'bad-1', spec: {} }, 'namespace'],
    ['no name', { namespace: 'NS', spec: {} }, 'name'],
    ['uppercase name', { namespace: 'NS', name: 'Bad-2', spec: {} }, 'name'],
    ['name too long', { namespace: 'NS', name: 'b'.repeat(64), spec: {} }, 'name'],
    ['spec not an object', { namespace: 'NS', name: 'bad-3', spec: 'big' }, 'spec'],
    ['label value not a string', { namespace: 'NS', name: 'bad-4', spec: {}, labels: { tier: 1 } }, 'labels.tier'],
    ['unknown top-level field', { namespace: 'NS', name: 'bad-5', spec: {}, replicas: 3 }, 'replicas'],
    ['namespace not served', { namespace: 'OTHER', name: 'bad-6', spec: {} }, 'namespace'],
    ['negative replicas', { namespace: 'NS', name: 'bad-7', spec: { replicas: -1 } }, 'spec.replicas'],
    ['unknown service type', { namespace: 'NS', name: 'bad-8', spec: { service: { type: 'Ingress' } } }, 'spec.service.type'],
    ['bad version', { namespace: 'NS', name: 'bad-9', spec: { version: 'latest' } }, 'spec.version'],
    ['unknown storage type', { namespace: 'NS', name: 'bad-10', spec: { storage: { type: 'nats' } } }, 'spec.storage.type'],
    ['port out of range', { namespace: 'NS', name: 'bad-11', spec: { service: { apiPort: 70000 } } }, 'spec.service.apiPort'],
  ];

  it.each(bad)('%s', async (_what, body, path) => {
    const json = JSON.parse(
      JSON.stringify(body)
        .replace(/"NS"/g, JSON.stringify(ns))
        .replace(/"OTHER"/g, JSON.stringify(other)),
    );
    const res = await request(t.backend.server).post(api('/clusters/test')).set('Authorization', user).send(json);
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    const paths = (res.body.fieldErrors as Array<{ path: string; message: string }>).map(e => e.path);
    expect(paths).toContain(path);
    for (const e of res.body.fieldErrors) expect(e.message.length).toBeGreaterThan(5);
  });

  it('400s invalid JSON, bad updates and bad join-token bodies', async () => {
    const raw = await request(t.backend.server)
      .post(api('/clusters/test'))
      .set('Authorization', user)
      .set('Content-Type', 'application/json')
      .send('{"namespace":');
    expect(raw.status).toBe(400);
    const upd = await request(t.backend.server)
      .patch(api(`/clusters/test/${ns}/kc`))
      .set('Authorization', user)
      .send({ replicas: 'three' });
    expect(upd.status).toBe(400);
    expect(upd.body.fieldErrors[0].path).toBe('replicas');
    const jt = await request(t.backend.server)
      .post(api(`/clusters/test/${ns}/kc/join-tokens`))
      .set('Authorization', user)
      .send({ role: 'admin' });
    expect(jt.status).toBe(400);
    expect(jt.body.fieldErrors[0].path).toBe('role');
    const phase = await request(t.backend.server).get(api('/clusters?phase=Running')).set('Authorization', user);
    expect(phase.status).toBe(400);
  });

  it('wrote nothing', async () => {
    const names = (await client.listClusters(ns)).map(c => c.metadata.name);
    expect(names.filter(n => n?.startsWith('bad') || n?.startsWith('Bad'))).toEqual([]);
    expect((await client.listClusters(other)).length).toBe(0);
    expect(await client.listJoinTokenRequests(ns)).toEqual([]);
  });
});

describe('tenant policy, self-service fields and redaction', () => {
  it('needs k0smotron.cluster.create.advanced for fields beyond the self-service ones, and still applies the tenant policy', async () => {
    const body = { namespace: ns, name: 'adv', spec: { image: 'quay.io/evil/k0s:v1', patches: [] } };
    t.denied.add('k0smotron.cluster.create.advanced');
    const denied = await request(t.backend.server).post(api('/clusters/test')).set('Authorization', user).send(body);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("permission 'k0smotron.cluster.create.advanced' is required to set spec.image, spec.patches");
    t.denied.clear();
    const refused = await request(t.backend.server).post(api('/clusters/test')).set('Authorization', user).send(body);
    expect(refused.status).toBe(400);
    expect(refused.body.fieldErrors).toEqual([{ path: 'spec.image', message: expect.stringContaining('is not from an allowed repository') }]);
    expect(await client.getCluster(ns, 'adv')).toBeUndefined();
  });

  it('refuses an owner the user does not belong to', async () => {
    const res = await request(t.backend.server)
      .post(api('/clusters/test'))
      .set('Authorization', user)
      .send({ namespace: ns, name: 'own', spec: {}, owner: 'group:default/team-b' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain("owner 'group:default/team-b' is neither you nor a group you belong to");
  });

  it('refuses join tokens the tenant policy does not allow, before writing anything', async () => {
    for (const [expiry, message] of [
      ['0s', 'never expires'],
      ['48h', "longer than the operator's policy allows"],
    ]) {
      const res = await request(t.backend.server)
        .post(api(`/clusters/test/${ns}/kc/join-tokens`))
        .set('Authorization', user)
        .send({ role: 'worker', expiry });
      expect(res.status).toBe(400);
      expect(res.body.fieldErrors).toEqual([{ path: 'expiry', message: expect.stringContaining(message) }]);
    }
    expect(await client.listJoinTokenRequests(ns)).toEqual([]);
  });

  it('refuses a controller token for storage no other controller can join, saying why, before writing anything', async () => {
    // kc keeps its data in the etcd k0smotron runs beside it: k0s would refuse the controller.
    const res = await request(t.backend.server)
      .post(api(`/clusters/test/${ns}/kc/join-tokens`))
      .set('Authorization', user)
      .send({ role: 'controller', expiry: '1h' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^the Cluster's storage does not allow this join token: /);
    expect(res.body.fieldErrors).toEqual([
      { path: 'role', message: expect.stringMatching(new RegExp(`^Cluster ${ns}/kc cannot take another controller: .*raise spec\\.replicas`)) },
    ]);
    expect(await client.listJoinTokenRequests(ns)).toEqual([]);
  });

  it('answers 400 on role when the operator refuses a controller token for the storage, and removes the request', async () => {
    // The kine URL sits in a Secret the backend does not read, so only the operator can tell:
    // the test writes the operator's refusal on the request the route made. `disabled` waits the
    // default 30 s, so the answer can only come from the refusal, not from a timeout.
    await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'kinesec', namespace: ns },
      spec: { storage: { type: 'kine', kine: { dataSourceSecretName: 'kinesec-db' } } },
    });
    const why = `Cluster ${ns}/kinesec cannot take another controller: the kine data source in Secret kinesec-db is SQLite, a database file local to each controller`;
    const pending = request(disabled.backend.server)
      .post(api(`/clusters/test/${ns}/kinesec/join-tokens`))
      .set('Authorization', user)
      .send({ role: 'controller', expiry: '1h' })
      .then(r => r);
    const name = await eventually(
      'the JoinTokenRequest of kinesec',
      async () => (await client.listJoinTokenRequests(ns, `${LABEL_CLUSTER}=kinesec`))[0]?.metadata.name,
    );
    expect(name).toMatch(/^kinesec-controller-[0-9a-f]{6}$/);
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'k0smotron.io',
        version: 'v1beta2',
        namespace: ns,
        plural: 'jointokenrequests',
        name: name!,
        body: {
          status: {
            conditions: [
              {
                type: 'JoinTokenSecretCreated',
                status: 'False',
                reason: 'StorageNotJoinable',
                message: why,
                lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
              },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const res = await pending;
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`the Cluster's storage does not allow this join token: role: ${why}`);
    expect(res.body.fieldErrors).toEqual([{ path: 'role', message: why }]);
    expect(await client.listJoinTokenRequests(ns, `${LABEL_CLUSTER}=kinesec`)).toEqual([]);
    await client.deleteCluster(ns, 'kinesec');
  });

  it('redacts the password of a kine data source URL in the details', async () => {
    await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'kine', namespace: ns },
      spec: { storage: { type: 'kine', kine: { dataSourceURL: 'postgres://kine:s3cr3t-pw@db.example:5432/kine' } } },
    });
    secretsWritten.push('s3cr3t-pw');
    const res = await request(t.backend.server)
      .get(api(`/clusters/test/${ns}/kine`))
      .set('Authorization', user);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('s3cr3t-pw');
    expect((res.body as ClusterDetails).spec.storage?.kine?.dataSourceURL).toBe('postgres://kine:[redacted]@db.example:5432/kine');
  });
});

describe('logs', () => {
  it('contain no key, token or kubeconfig material', () => {
    const text = t.logs.text() + disabled.logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const s of secretsWritten) expect(text).not.toContain(s);
    for (const p of secretPatterns()) expect(text).not.toMatch(p);
  });
});
