// The integration tests' environment. After a test file (all its hooks included) it frees what
// the file holds cluster-wide: NodePort numbers are allocated across namespaces (a k0smotron
// NodePort Service uses its apiPort, 30443 by default), so the file's Services are deleted at
// once and its namespaces start terminating; the global teardown stops the cluster anyway.
import { spawnSync } from 'node:child_process';
import { TestEnvironment } from 'jest-environment-node';
import { ENV, TEST_NAMESPACES_GLOBAL } from '../shared';

export default class IntegrationEnvironment extends TestEnvironment {
  override async teardown(): Promise<void> {
    const namespaces = (this.global as unknown as Record<string, string[] | undefined>)[TEST_NAMESPACES_GLOBAL] ?? [];
    const kubectl = process.env[ENV.kubectl];
    const kubeconfig = process.env[ENV.kubeconfig];
    if (kubectl && kubeconfig) {
      for (const ns of namespaces) {
        const run = (args: string[]) => spawnSync(kubectl, ['--kubeconfig', kubeconfig, ...args], { stdio: 'ignore', timeout: 30_000 });
        run(['delete', 'services', '--all', '-n', ns, '--wait=false']);
        run(['delete', 'namespace', ns, '--wait=false']);
      }
    }
    await super.teardown();
  }
}
