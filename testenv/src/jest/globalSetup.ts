// Jest global setup of the 'integration' project: one test cluster for the whole run (CRDs
// installed), handed to the workers through environment variables. With K0SMOTRON_TEST_KUBECONFIG
// already set (e.g. to a cluster from `npm run cluster`), that cluster is used instead.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { kubectlPath } from '../binaries';
import { startTestCluster, type TestCluster } from '../cluster';
import { ENV } from '../shared';

export interface GlobalTestState {
  /** Set when this run started the cluster (and so must stop it). */
  cluster?: TestCluster;
  runId: string;
}

const STATE_KEY = '__k0smotronTestenv';

export function globalState(): GlobalTestState | undefined {
  return (globalThis as Record<string, unknown>)[STATE_KEY] as GlobalTestState | undefined;
}

export function testNodesFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 2;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10) {
    throw new Error(`${ENV.nodes}=${value}: expected a whole number of hollow nodes from 1 to 10`);
  }
  return n;
}

export default async function globalSetup(): Promise<void> {
  const runId = randomBytes(4).toString('hex');
  process.env[ENV.runId] = runId;
  const state: GlobalTestState = { runId };
  (globalThis as Record<string, unknown>)[STATE_KEY] = state;

  const preset = process.env[ENV.kubeconfig];
  if (preset) {
    const kc = new KubeConfig();
    kc.loadFromFile(preset);
    process.env[ENV.server] ??= kc.getCurrentCluster()?.server ?? '';
    process.env[ENV.kubectl] ??= kubectlPath();
    process.stderr.write(`\n[testenv] using the cluster of ${ENV.kubeconfig}=${preset}\n`);
    return;
  }
  process.stderr.write('\n');
  const installCrds = process.env[ENV.crds] !== '0';
  const cluster = await startTestCluster({ nodes: testNodesFromEnv(process.env[ENV.nodes]), installCrds });
  state.cluster = cluster;
  process.env[ENV.kubeconfig] = cluster.kubeconfigPath;
  process.env[ENV.server] = cluster.server;
  process.env[ENV.kubectl] = cluster.kubectlPath;
}
