// ClusterCache against an API server that is not there: start() resolves (a failure is never an
// unhandled rejection), the failure is reported, and the watch is retried with backoff.
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterCache } from './clusterCache';
import { CapturingLogger } from '../testing/testBackend';
import { freePort } from '@k0smotron/testenv';

function kubeConfigFor(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-real-token' }],
    contexts: [{ name: 'c', cluster: 'gone', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

describe('ClusterCache with an unreachable management cluster', () => {
  it('resolves start(), reports the failure, retries, and leaves no unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const logs = new CapturingLogger();
    const cache = new ClusterCache(kubeConfigFor(await freePort()), ['team-a'], logs);
    try {
      await expect(cache.start()).resolves.toBeUndefined();
      expect(cache.isSynced()).toBe(false);
      expect(cache.lastError()).toBeTruthy();
      expect(logs.text()).toMatch(/watching Clusters in team-a failed: .*; retrying in 1 s/);
      // The next attempt comes after the first backoff step and doubles it.
      await waitFor(() => /retrying in 2 s/.test(logs.text()), 10_000);
      expect(logs.text()).not.toContain('not-a-real-token');
    } finally {
      await cache.stop();
      // Give pending promise jobs a turn so a stray rejection would be reported.
      await new Promise(resolve => setImmediate(resolve));
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
  });
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
