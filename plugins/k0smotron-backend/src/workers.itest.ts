// GET /clusters/:mc/:ns/:name/workers against a real child control plane with a real joined
// worker: the route lists the Node the worker registered (read from the child's own API server
// with a certificate signed for the requesting user), the summary carries the operator's count,
// a user who may not read the Cluster gets the same 404 as for a missing one, and a control
// plane that stops answering is one short 503 line. The control plane is testenv's stand-in and
// the worker a hollow kubelet doing real TLS bootstrap (see testing/workerJoinBed.ts).
import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import { joinWorker } from '@k0smotron/testenv';
import type { ClusterDetails, ClusterWorkersResponse, JoinTokenResponse } from '@k0smotron/plugin-k0smotron-common';
import { eventually, type K0smotronTestBackend } from './testing/testBackend';
import type { WorkerJoinBed } from './testing/workerJoinBed';
import { startWorkerJoinBackend } from './testing/workerJoinBackend';

jest.setTimeout(300_000);

const user = mockCredentials.user.header('user:default/alice');
let ns = '';
let bed: WorkerJoinBed | undefined;
let t: K0smotronTestBackend | undefined;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ ns, bed, t, stop } = await startWorkerJoinBackend('bs-workers'));
});

afterAll(() => stop?.());

const workersOf = (name: string) => request(t!.backend.server).get(`/api/k0smotron/clusters/test/${ns}/${name}/workers`).set('Authorization', user);

it('lists the Node a worker registered with a token from the REST route, as the card counts it', async () => {
  const { child } = await bed!.clusterWithControlPlane('nodes');
  const before = await workersOf('nodes');
  expect(before.status).toBe(200);
  expect(before.body).toEqual({ total: 0, ready: 0, nodes: [] });

  const token = await request(t!.backend.server)
    .post(`/api/k0smotron/clusters/test/${ns}/nodes/join-tokens`)
    .set('Authorization', user)
    .send({ role: 'worker', expiry: '1h' });
  expect(token.status).toBe(201);
  const worker = await joinWorker({ token: (token.body as JoinTokenResponse).token, name: 'listed-worker', log: () => {} });
  bed!.workers.push(worker);

  const listed = await eventually(
    'the joined worker listed Ready',
    async () => {
      const res = await workersOf('nodes');
      const body = res.body as ClusterWorkersResponse;
      return res.status === 200 && body.nodes.some(n => n.name === 'listed-worker' && n.ready === 'True') ? body : undefined;
    },
    120_000,
  );
  expect(listed.total).toBe(1);
  expect(listed.ready).toBe(1);
  const node = listed.nodes[0];
  expect(node.kubeletVersion).toMatch(/^v\d+\.\d+/);
  expect(Number.isNaN(Date.parse(node.createdAt ?? ''))).toBe(false);
  expect(node.address).toBeTruthy();

  // The card's count is the operator's, from status.workers, through the details route.
  await bed!.workerCount('nodes', { total: 1, ready: 1 });
  const details = await request(t!.backend.server).get(`/api/k0smotron/clusters/test/${ns}/nodes`).set('Authorization', user);
  expect((details.body as ClusterDetails).workers).toEqual({ total: 1, ready: 1 });

  expect(worker.server).toBe(child.url);

  // Not allowed to read the Cluster: the same 404 as for a Cluster that does not exist.
  t!.denied.add('k0smotron.cluster.read');
  try {
    const hidden = await workersOf('nodes');
    const missing = await workersOf('no-such-cluster');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.error.message.replace('nodes', 'X')).toBe(missing.body.error.message.replace('no-such-cluster', 'X'));
  } finally {
    t!.denied.delete('k0smotron.cluster.read');
  }
});

it('answers one short 503 line when the control plane does not answer', async () => {
  const { child } = await bed!.clusterWithControlPlane('gone');
  expect((await workersOf('gone')).status).toBe(200);
  await child.stop();
  const res = await workersOf('gone');
  expect(res.status).toBe(503);
  const message = String(res.body.error.message);
  expect(message).toMatch(/^the control plane of .*\/gone did not list its nodes at https:\/\/127\.0\.0\.1:\d+: /);
  expect(message).not.toContain('\n');
  expect(message.length).toBeLessThan(300);
});
