// The Backstage REST routes on a management cluster where upstream k0smotron's Go operator runs
// and ours does not (no embedded reconciler either): its CRDs, its Deployment, and Clusters whose
// status has its shape (`ClusterStatus` with `deprecated.v1beta1{reconciliationStatus, ready}`, no
// endpoint, its condition reasons), written through the status subresource by this test, as its
// controller would. Upstream's join-token Secrets come from a stand-in for its JoinTokenRequest
// controller. The cluster is this file's own: upstream's CRDs replace ours, which the shared
// cluster's other tests need. See @k0smotron/api/testing for the shapes and their Go sources.
import request from 'supertest';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { mockCredentials } from '@backstage/backend-test-utils';
import { startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { k0sJoinToken, seedUpstreamManagementCluster, startUpstreamJoinTokenController } from '@k0smotron/api/testing';
import { createCa } from '@k0smotron/operator/pki';
import type { ClusterDetails, ClusterListResponse, JoinTokenResponse } from '@k0smotron/plugin-k0smotron-common';
import k0smotronPlugin from '.';
import { eventually, startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';

jest.setTimeout(300_000);

const ns = 'team';
const user = mockCredentials.user.header('user:default/alice');
const ca = createCa('kubernetes', new Date(), 1);
let cluster: TestCluster;
let kc: KubeConfig;
let t: K0smotronTestBackend | undefined;
// Nothing listens there: a route that tries the control plane fails at once, on this machine.
const adminKubeconfig = (name: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: ${name}-k0s\n  cluster:\n    server: https://127.0.0.1:1\ncurrent-context: ''\n`;
const api = (path: string) => `/api/k0smotron/clusters${path}`;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 1, installCrds: false });
  kc = cluster.kubeConfig;
  await seedUpstreamManagementCluster(kc, { namespace: ns, ca, adminKubeconfig });
  t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: {
      k0smotron: {
        managementClusters: [{ name: 'test', kubeconfigPath: cluster.kubeconfigPath, namespaces: [ns] }],
        kubeconfigAccess: { enabled: true },
      },
    },
  });
}, 300_000);

afterAll(async () => {
  await t?.backend.stop();
  await cluster?.stop();
});

it('lists upstream Clusters with their phase, readiness and a derived endpoint', async () => {
  const body = await eventually('the three Clusters listed', async () => {
    const res = await request(t!.backend.server).get(api('')).set('Authorization', user);
    return res.status === 200 && (res.body as ClusterListResponse).items.length === 3 ? (res.body as ClusterListResponse) : undefined;
  });
  expect(body.errors).toBeUndefined();
  const facts = body.items.map(c => ({ name: c.name, phase: c.phase, endpoint: c.endpoint, ready: `${c.readyReplicas}/${c.replicas}`, paused: c.paused }));
  expect(facts).toEqual([
    { name: 'broken', phase: 'Degraded', endpoint: 'https://127.0.0.1:30444', ready: '1/1', paused: false },
    { name: 'edge', phase: 'Available', endpoint: 'https://127.0.0.1:30443', ready: '1/1', paused: false },
    { name: 'inside', phase: 'Available', endpoint: 'https://kmc-inside.team.svc:30443', ready: '1/1', paused: false },
  ]);
  // The phase filter works on the same reading.
  const degraded = await request(t!.backend.server).get(api('?phase=Degraded')).set('Authorization', user);
  expect((degraded.body as ClusterListResponse).items.map(c => c.name)).toEqual(['broken']);
});

it('details show what upstream made under the Cluster and its conditions as upstream wrote them', async () => {
  const res = await request(t!.backend.server)
    .get(api(`/test/${ns}/inside`))
    .set('Authorization', user);
  expect(res.status).toBe(200);
  const d = res.body as ClusterDetails;
  expect(d.phase).toBe('Available');
  expect(d.endpoint).toBe('https://kmc-inside.team.svc:30443');
  expect(d.ownedObjects.map(o => `${o.kind}/${o.name}`)).toEqual(expect.arrayContaining(['Service/kmc-inside', 'StatefulSet/kmc-inside']));
  expect(d.certificates.find(c => c.purpose === 'ca')).toMatchObject({ name: 'inside-ca', notAfter: expect.stringMatching(/^20\d\d-/) });
  expect(d.conditions.find(c => c.type === 'ControlPlaneFunctional')).toMatchObject({ status: 'True', reason: 'KubeSystemNamespaceFound' });
  expect((d.status as { deprecated?: unknown }).deprecated).toEqual({ v1beta1: { reconciliationStatus: 'Reconciliation successful', ready: true } });
});

it('issues a join token from the Secret upstream writes, with the expiry it implies', async () => {
  const controller = startUpstreamJoinTokenController(kc, ns, () => ({
    token: k0sJoinToken('https://127.0.0.1:30443', ca.cert, 'ghijkl', '0123456789ghijkl'),
    id: 'ghijkl',
  }));
  try {
    const before = Date.now();
    const res = await request(t!.backend.server)
      .post(api(`/test/${ns}/edge/join-tokens`))
      .set('Authorization', user)
      .send({ role: 'worker', expiry: '1h' });
    expect(res.status).toBe(201);
    const body = res.body as JoinTokenResponse;
    expect(gunzipSync(Buffer.from(body.token, 'base64')).toString()).toContain('token: ghijkl.0123456789ghijkl');
    // Upstream does not report the expiry: the issue time plus spec.expiry, to the second.
    const left = Date.parse(body.expiresAt ?? '') - before;
    expect(left).toBeGreaterThan(3_598_000);
    expect(left).toBeLessThan(3_700_000);
    expect(body.commands.join('\n')).toContain('v1.30.2+k0s.0');
  } finally {
    await controller.stop();
  }
});

it('signs a user kubeconfig for the derived endpoint, and the workers route tries that endpoint', async () => {
  const res = await request(t!.backend.server)
    .get(api(`/test/${ns}/edge/kubeconfig`))
    .set('Authorization', user);
  expect(res.status).toBe(200);
  const cfg = parse(res.text) as { clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }> };
  expect(cfg.clusters[0].cluster.server).toBe('https://127.0.0.1:30443');
  expect(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(ca.cert);
  const workers = await request(t!.backend.server)
    .get(api(`/test/${ns}/broken/workers`))
    .set('Authorization', user);
  expect(workers.status).toBe(503);
  expect(workers.body.error.message).toMatch(new RegExp(`^the control plane of ${ns}/broken did not list its nodes at https://127\\.0\\.0\\.1:30444: `));
});
