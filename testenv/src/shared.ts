// The cluster shared by one jest run's integration tests, handed from the global setup to the
// test workers through environment variables (workers inherit the setup's environment).
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubectlPath } from './binaries';

export const ENV = {
  kubeconfig: 'K0SMOTRON_TEST_KUBECONFIG',
  server: 'K0SMOTRON_TEST_SERVER',
  kubectl: 'K0SMOTRON_TEST_KUBECTL',
  runId: 'K0SMOTRON_TEST_RUN_ID',
  nodes: 'K0SMOTRON_TEST_NODES',
  /** '0' skips installing crds/*.yaml in the global setup. */
  crds: 'K0SMOTRON_TEST_CRDS',
} as const;

export const TEST_NAMESPACE_LABEL = 'k0smotron.io/test';
export const TEST_RUN_LABEL = 'k0smotron.io/test-run';

export interface SharedTestCluster {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  kubectlPath: string;
  server: string;
}

let cached: SharedTestCluster | undefined;

export function sharedTestCluster(): SharedTestCluster {
  const kubeconfigPath = process.env[ENV.kubeconfig];
  if (!kubeconfigPath) {
    throw new Error(
      `sharedTestCluster(): ${ENV.kubeconfig} is unset. It is set by the jest global setup of the ` +
        "'integration' project: name the test file *.itest.ts and run `npx jest --selectProjects integration <path>`.",
    );
  }
  if (cached?.kubeconfigPath !== kubeconfigPath) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    cached = {
      kubeConfig,
      kubeconfigPath,
      kubectlPath: process.env[ENV.kubectl] || kubectlPath(),
      server: process.env[ENV.server] ?? kubeConfig.getCurrentCluster()?.server ?? '',
    };
  }
  return cached;
}

/** A DNS-1123 label: `<prefix>-<random>`, at most 63 characters. */
export function testNamespaceName(prefix: string, suffix = randomBytes(3).toString('hex')): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  return `${clean || 'test'}-${suffix}`;
}

/**
 * Creates a uniquely named namespace labelled as a test namespace (removed at the end of the
 * run) and waits for its default ServiceAccount, so pods can be created in it right away.
 */
/** Where a test file's namespaces are listed for the integration environment's teardown. */
export const TEST_NAMESPACES_GLOBAL = '__k0smotronTestNamespaces';

export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = testNamespaceName(prefix);
  const g = globalThis as unknown as Record<string, string[] | undefined>;
  (g[TEST_NAMESPACES_GLOBAL] ??= []).push(name);
  const labels: Record<string, string> = { [TEST_NAMESPACE_LABEL]: 'true' };
  const runId = process.env[ENV.runId];
  if (runId) labels[TEST_RUN_LABEL] = runId;
  await core.createNamespace({ body: { metadata: { name, labels } } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return name;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`namespace ${name}: its default ServiceAccount did not appear within 30 s (${(err as Error).message})`);
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }
}
