// The jest integration contract: the global setup's cluster is reachable from a worker, with
// CRD install attempted, namespaces isolated and the real kubectl wired to it.
import { CoreV1Api } from '@kubernetes/client-node';
import { createTestNamespace, kubectl, sharedTestCluster, TEST_NAMESPACE_LABEL } from './index';

describe('shared test cluster', () => {
  it('is reachable with the client and with the real kubectl', async () => {
    const { kubeConfig, kubeconfigPath, kubectlPath, server } = sharedTestCluster();
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kubectlPath).toMatch(/kubectl$/);
    const nodes = await kubeConfig.makeApiClient(CoreV1Api).listNode();
    expect(nodes.items.length).toBeGreaterThanOrEqual(1);
    const res = await kubectl(['get', 'nodes', '-o', 'name'], { kubeconfig: kubeconfigPath });
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual(nodes.items.map(n => `node/${n.metadata!.name}`));
  });

  it('creates unique labelled namespaces that accept objects at once', async () => {
    const { kubeConfig } = sharedTestCluster();
    const a = await createTestNamespace(kubeConfig, 'Shared Test!');
    const b = await createTestNamespace(kubeConfig, 'Shared Test!');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^shared-test-[0-9a-f]{6}$/);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: a });
    expect(ns.metadata?.labels?.[TEST_NAMESPACE_LABEL]).toBe('true');
    const res = await kubectl(['-n', a, 'apply', '-f', '-'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe}\ndata: {k: v}\n',
    });
    expect(res).toMatchObject({ code: 0 });
    expect(res.stdout).toContain('configmap/probe created');
    const bad = await kubectl(['-n', a, 'get', 'configmap', 'missing']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('NotFound');
  });
});
