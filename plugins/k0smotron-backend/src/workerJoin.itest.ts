// The REST route's join token makes a worker join: POST .../join-tokens, hand the token to a
// worker as it is, and a Node turns Ready in the Cluster's control plane. The control plane is
// testenv's stand-in and the worker a hollow kubelet doing real TLS bootstrap (see
// testing/workerJoinBed.ts and operator/docs/join.md).
import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestNamespace, joinWorker, sharedTestCluster } from '@k0smotron/testenv';
import type { JoinTokenResponse } from '@k0smotron/plugin-k0smotron-common';
import k0smotronPlugin from '.';
import { startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';
import { startWorkerJoinBed, type WorkerJoinBed } from './testing/workerJoinBed';

jest.setTimeout(300_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const user = mockCredentials.user.header('user:default/alice');
let ns = '';
let bed: WorkerJoinBed | undefined;
let t: K0smotronTestBackend | undefined;

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-worker-join');
  bed = await startWorkerJoinBed(kubeConfig, ns);
  t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: { k0smotron: { managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }] } },
  });
});

afterAll(async () => {
  await t?.backend.stop();
  await bed?.stop();
});

it('a token from POST /clusters/:mc/:ns/:name/join-tokens joins a worker whose Node turns Ready', async () => {
  const { port } = await bed!.clusterWithControlPlane('web');
  const res = await request(t!.backend.server)
    .post(`/api/k0smotron/clusters/test/${ns}/web/join-tokens`)
    .set('Authorization', user)
    .send({ role: 'worker', expiry: '1h' });
  expect(res.status).toBe(201);
  const body = res.body as JoinTokenResponse;
  const worker = await joinWorker({ token: body.token, name: 'rest-worker', log: () => {} });
  bed!.workers.push(worker);
  expect(worker.server).toBe(`https://127.0.0.1:${port}`);
  await bed!.workerCount('web', { total: 1, ready: 1 });
});
