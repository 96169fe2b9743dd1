// The scaffolder action's join token makes a worker join: k0smotron:jointoken:create issues it
// into Secret `tokenSecretName`, a worker takes it from there as it is, and a Node turns Ready in
// the Cluster's control plane (testenv's stand-in; a hollow kubelet doing real TLS bootstrap,
// see plugins/k0smotron-backend/src/testing/workerJoinBed.ts).
import { gunzipSync } from 'node:zlib';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createTestNamespace, joinWorker, sharedTestCluster } from '@k0smotron/testenv';
import type { ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import {
  startTestManagementClusterAccess,
  type TestManagementClusterAccess,
  CapturingLogger,
  secretPatterns,
  startWorkerJoinBed,
  type WorkerJoinBed,
} from '@k0smotron/plugin-k0smotron-backend/testing';
import { createK0smotronJoinTokenCreateAction } from './createJoinToken';

jest.setTimeout(300_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const logs = new CapturingLogger();
let ns = '';
let bed: WorkerJoinBed | undefined;
// The backend plugin's own service (stopped after the test) and the modules' view of it.
let plugin: TestManagementClusterAccess | undefined;
let managementClusters: ManagementClustersService | undefined;
const issued = { secretName: '', token: '' };

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-scaffolder-join');
  bed = await startWorkerJoinBed(kubeConfig, ns);
  plugin = startTestManagementClusterAccess(
    mockServices.rootConfig({ data: { k0smotron: { managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }] } } }),
    logs,
  );
  managementClusters = plugin.service;
});

afterAll(async () => {
  await plugin?.stop();
  await bed?.stop();
});

it('k0smotron:jointoken:create issues a token a worker joins with', async () => {
  const { port } = await bed!.clusterWithControlPlane('app');
  const action = createK0smotronJoinTokenCreateAction({
    managementClusters: managementClusters!,
    permissions: mockServices.permissions({ result: AuthorizeResult.ALLOW }),
    userInfo: mockServices.userInfo({ ownershipEntityRefs: ['user:default/mock'] }),
  });
  const ctx = createMockActionContext({ input: { namespace: ns, name: 'app', role: 'worker', expiry: '1h' } as never, logger: logs });
  await action.handler(ctx);
  const secretName = (ctx.output as jest.Mock).mock.calls.find(([key]) => key === 'tokenSecretName')?.[1] as string;
  expect(secretName).toBeTruthy();
  const token = await bed!.client.readJoinToken(ns, secretName);
  Object.assign(issued, { secretName, token });
  const worker = await joinWorker({ token: token!, name: 'scaffolded-worker', log: () => {} });
  bed!.workers.push(worker);
  expect(worker.server).toBe(`https://127.0.0.1:${port}`);
  await bed!.workerCount('app', { total: 1, ready: 1 });
});

it('logs no secret material while issuing a real token: neither the join token nor its bearer token', () => {
  // Runs after the case above, which issued a token through the action with `logs` as the
  // task's and the management clusters' logger.
  const secretName = issued.secretName;
  expect(secretName).toBeTruthy();
  // The join token is base64 of a gzipped kubeconfig whose user authenticates with a bootstrap
  // token `<id>.<secret>`: neither the whole nor the secret half may reach a log.
  const kubeconfig = gunzipSync(Buffer.from(issued.token, 'base64')).toString('utf8');
  const bearer = /token:\s*"?([a-z0-9]{6}\.[a-z0-9]{16})/.exec(kubeconfig)?.[1];
  expect(bearer).toBeTruthy();
  const text = logs.text();
  expect(text).toContain(secretName); // the log did record this run
  expect(text).not.toContain(issued.token);
  expect(text).not.toContain(bearer!.split('.')[1]);
  for (const p of secretPatterns()) expect(text).not.toMatch(p);
});
