import { startHealthServer } from './health';
import { OperatorMetrics } from './metrics';

describe('health server', () => {
  it('serves /healthz, /readyz with reasons, /metrics from its own registry, and closes cleanly', async () => {
    const metrics = new OperatorMetrics();
    metrics.reconcileTotal.inc({ controller: 'c', result: 'success' });
    let ready = { ready: false, reasons: ['informer caches have not synced yet'] };
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, readiness: () => ready });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain('caches have not synced');
      ready = { ready: true, reasons: [] };
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('k0smotron_reconcile_total{controller="c",result="success"} 1');
      expect(text).not.toContain('process_cpu'); // not the global default registry
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
