// Jest global teardown of the 'integration' project: stops the run's cluster, or, when the run
// borrowed one (K0SMOTRON_TEST_KUBECONFIG), deletes the namespaces this run created in it.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ENV, TEST_RUN_LABEL } from '../shared';
import { globalState } from './globalSetup';

export default async function globalTeardown(): Promise<void> {
  const state = globalState();
  if (!state) return;
  const { cluster } = state;
  if (cluster) {
    // A component that died during the run explains most failures: show its log.
    const report = cluster.logs(30);
    if (/\(pid \d+, exited /.test(report)) {
      process.stderr.write(`[testenv] a test cluster component exited during the run:\n${report}\n`);
    }
    const t = Date.now();
    await cluster.stop();
    process.stderr.write(`[testenv] cluster stopped in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    return;
  }
  const kubeconfig = process.env[ENV.kubeconfig];
  if (!kubeconfig) return;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespace({ labelSelector: `${TEST_RUN_LABEL}=${state.runId}` });
  await Promise.all(list.items.map(ns => core.deleteNamespace({ name: ns.metadata!.name! }).catch(() => undefined)));
}
