// Many Clusters at once: all converge, and a broken one neither crashes the operator nor holds up
// the others.
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import type { RunningOperator } from '../index';
import { apis, condition, eventually, newCluster, startClusterOperator, waitForCondition, writes } from './testing/helpers';
import { processed, quiesce } from './testing/processed';

const { kubeConfig: kc } = sharedTestCluster();
const { kmc } = apis(kc);

jest.setTimeout(300_000);

let op: RunningOperator | undefined;
afterAll(async () => {
  await op?.stop();
});

it('20 Clusters created at once all get as far as hollow pods allow (Ready pods, only the functional probe failing); a broken one reports its problem and blocks nobody', async () => {
  const ns = await createTestNamespace(kc, 'kmc-many');
  op = await startClusterOperator(kc, [ns]);
  const names = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const started = Date.now();
  // The broken one first, so it is also first in the queue.
  await kmc.createCluster(
    newCluster(ns, 'broken', {
      service: { type: 'ClusterIP' },
      k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', spec: { api: ['not', 'an', 'object'] } } as never,
    }),
  );
  await Promise.all(names.map(n => kmc.createCluster(newCluster(ns, n, { service: { type: 'ClusterIP' } }))));

  let lastReport = 0;
  // Available is judged in order (certificates, Service, kubeconfig, a Ready replica, then the
  // functional probe): on hollow nodes, ControlPlaneNotFunctional is the last step (helpers.ts).
  await eventually(
    'all 20 Clusters as far as hollow pods go',
    async () => {
      const list = await kmc.listClusters(ns);
      const available = list.filter(c => names.includes(c.metadata.name!) && condition(c, 'Available')?.reason === 'ControlPlaneNotFunctional').length;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        process.stderr.write(`[many] ${available}/20 Available after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }
      return available === 20;
    },
    240_000,
    500,
  );
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(
    `[many] 20/20 Available in ${seconds.toFixed(1)} s; operator RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (test process)\n`,
  );

  const broken = await waitForCondition(kmc, ns, 'broken', 'Available', 'False', 'InvalidK0sConfig');
  expect(condition(broken, 'Available')!.message).toMatch(/spec\.k0sConfig\.spec\.api must be an object/);
  expect(op.manager.controllers[0].stats.error).toBeGreaterThan(0); // retried with backoff, not dropped

  // Converged: a full resync of all 21 makes no write. The operator first catches up with every
  // event so far, and after the resync its cache and idle queues prove every reconcile ran
  // before anything is asserted (testing/processed.ts).
  await quiesce(op, kc, ns);
  const before = writes(op);
  const controller = op.manager.controllers[0];
  const done = controller.stats.success;
  controller.enqueueAll();
  await processed(op, kc, ns);
  expect(controller.stats.success).toBeGreaterThanOrEqual(done + 20);
  // The broken Cluster's retries write nothing either: its status is already what it should be.
  expect(writes(op)).toBe(before);
});
