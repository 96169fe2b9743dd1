// The REST route's join token makes a worker join: POST .../join-tokens, hand the token to a
// worker as it is, and a Node turns Ready in the Cluster's control plane. The control plane is
// testenv's stand-in and the worker a hollow kubelet doing real TLS bootstrap (see
// testing/workerJoinBed.ts and operator/docs/join.md).
import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import { joinWorker } from '@k0smotron/testenv';
import type { JoinTokenResponse } from '@k0smotron/plugin-k0smotron-common';
import type { K0smotronTestBackend } from './testing/testBackend';
import type { WorkerJoinBed } from './testing/workerJoinBed';
import { startWorkerJoinBackend } from './testing/workerJoinBackend';

jest.setTimeout(300_000);

const user = mockCredentials.user.header('user:default/alice');
let ns = '';
let bed: WorkerJoinBed | undefined;
let t: K0smotronTestBackend | undefined;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ ns, bed, t, stop } = await startWorkerJoinBackend('bs-worker-join'));
});

afterAll(() => stop?.());

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
