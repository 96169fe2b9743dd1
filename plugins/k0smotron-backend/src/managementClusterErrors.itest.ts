// The backend with management clusters it cannot use, next to one it can: one whose API server
// refuses connections and one whose credentials may not read Clusters (a real ServiceAccount
// with no RBAC on the real test cluster). GET /clusters still answers with what the good one
// holds and names each broken one in `errors`; the routes of one Cluster say what is wrong.
import * as fs from 'node:fs';
import * as net from 'node:net';
import request from 'supertest';
import { CoreV1Api } from '@kubernetes/client-node';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { K0smotronClient } from '@k0smotron/api/client';
import type { ClusterListResponse } from '@k0smotron/plugin-k0smotron-common';
import k0smotronPlugin from '.';
import { eventually, startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';

jest.setTimeout(120_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const core = kubeConfig.makeApiClient(CoreV1Api);
const client = new K0smotronClient(kubeConfig);
const user = mockCredentials.user.header('user:default/alice');

let ns: string;
let t: K0smotronTestBackend | undefined;
let refusedPort = 0;

/** The base64 PEM of the test cluster's CA, as `caData` of a management cluster wants it. */
function caData(): string {
  const cluster = kubeConfig.getCurrentCluster()!;
  if (cluster.caData) return cluster.caData;
  return Buffer.from(fs.readFileSync(cluster.caFile!)).toString('base64');
}

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-mc-errors');
  await client.createCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'seen', namespace: ns }, spec: {} });
  // A ServiceAccount without any role: authenticated, forbidden to list Clusters.
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'no-rbac' } } });
  const token = (await core.createNamespacedServiceAccountToken({ namespace: ns, name: 'no-rbac', body: { spec: { audiences: [], expirationSeconds: 3600 } } }))
    .status!.token;
  // A port nothing listens on: taken and released, so connections are refused.
  const srv = net.createServer();
  await new Promise<void>(res => srv.listen(0, '127.0.0.1', res));
  refusedPort = (srv.address() as net.AddressInfo).port;
  await new Promise(res => srv.close(res));

  t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: {
      k0smotron: {
        managementClusters: [
          { name: 'good', kubeconfigPath, namespaces: [ns] },
          { name: 'down', url: `https://127.0.0.1:${refusedPort}`, serviceAccountToken: 'unused-token-for-a-dead-server', caData: caData(), namespaces: [ns] },
          { name: 'forbidden', url: kubeConfig.getCurrentCluster()!.server, serviceAccountToken: token, caData: caData(), namespaces: [ns] },
        ],
      },
    },
  });
});

afterAll(async () => {
  await t?.backend.stop();
});

it('GET /clusters lists what the reachable management cluster holds and names each broken one in errors', async () => {
  const body = await eventually('the good Cluster and both errors', async () => {
    const res = await request(t!.backend.server).get('/api/k0smotron/clusters').set('Authorization', user);
    expect(res.status).toBe(200);
    const b = res.body as ClusterListResponse;
    const names = (b.errors ?? []).map(e => e.managementCluster).sort();
    // "not synced yet" is the state before the first attempt failed: wait for the reason.
    const reasons = (b.errors ?? []).every(e => e.message !== 'not synced yet');
    return b.items.some(i => i.name === 'seen') && names.join() === 'down,forbidden' && reasons ? b : undefined;
  });
  expect(body.items.map(i => `${i.managementCluster}/${i.namespace}/${i.name}`)).toEqual([`good/${ns}/seen`]);
  const byName = Object.fromEntries((body.errors ?? []).map(e => [e.managementCluster, e.message]));
  expect(byName.forbidden).toBe('forbidden (403): the service account may not list/watch clusters.k0smotron.io');
  expect(byName.down).toMatch(/ECONNREFUSED/);
  // One short line each: no response body, headers or credentials.
  for (const m of Object.values(byName)) {
    expect(m).not.toContain('\n');
    expect(m).not.toContain('unused-token-for-a-dead-server');
  }
  // The same problems are logged for the operator of Backstage, with the retry.
  expect(t!.logs.text()).toMatch(/watching Clusters in .* failed: forbidden \(403\).*retrying in/);
  expect(t!.logs.text()).not.toContain('unused-token-for-a-dead-server');
});

it('GET /clusters?managementCluster=good shows no errors of the others', async () => {
  const res = await request(t!.backend.server).get('/api/k0smotron/clusters?managementCluster=good').set('Authorization', user);
  expect(res.status).toBe(200);
  expect((res.body as ClusterListResponse).errors).toBeUndefined();
  expect((res.body as ClusterListResponse).items.map(i => i.name)).toEqual(['seen']);
});

it('reading one Cluster answers 503 for an unreachable management cluster and 403 for a forbidden one', async () => {
  const down = await request(t!.backend.server).get(`/api/k0smotron/clusters/down/${ns}/seen`).set('Authorization', user);
  expect(down.status).toBe(503);
  expect(down.body.error.message).toContain("management cluster 'down'");
  const forbidden = await request(t!.backend.server).get(`/api/k0smotron/clusters/forbidden/${ns}/seen`).set('Authorization', user);
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.message).toContain("the management cluster 'forbidden' refused Backstage's service account");
});
