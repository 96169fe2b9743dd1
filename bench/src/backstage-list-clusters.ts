// Bench: GET /api/k0smotron/clusters of the Backstage backend plugin with 1000 Clusters (target:
// p95 ≤ 50 ms, docs/performance.md).
//   npx tsx bench/src/backstage-list-clusters.ts [--clusters 1000] [--requests 300]
// Starts its own test cluster (or uses $K0SMOTRON_TEST_KUBECONFIG), creates the Clusters in a
// fresh namespace, starts the backend plugin with mocked auth/permissions, waits for the watch
// cache to hold them all, then times sequential list requests over HTTP. Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { mockServices, startTestBackend, mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, startTestCluster, type TestCluster } from '@k0smotron/testenv';
import k0smotronPlugin from '@k0smotron/plugin-k0smotron-backend';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return v;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const clusters = arg('clusters', 1000);
  const requests = arg('requests', 300);
  let own: TestCluster | undefined;
  let kubeconfigPath = process.env.K0SMOTRON_TEST_KUBECONFIG;
  if (!kubeconfigPath) {
    own = await startTestCluster({ nodes: 1, installCrds: true });
    kubeconfigPath = own.kubeconfigPath;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const client = new K0smotronClient(kc);
  const ns = await createTestNamespace(kc, 'bench-list');
  try {
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < clusters; i = next++) {
        await client.createCluster({
          apiVersion: 'k0smotron.io/v1beta2',
          kind: 'Cluster',
          metadata: { name: `c${i}`, namespace: ns, labels: { bench: 'list', team: `t${i % 10}` } },
          spec: { replicas: 1 + (i % 3), service: { type: 'NodePort' } },
        });
        if (i % 200 === 0) process.stderr.write(`created ${i}/${clusters} Clusters…\n`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const createSeconds = (performance.now() - t0) / 1000;

    const backend = await startTestBackend({
      features: [
        k0smotronPlugin,
        mockServices.rootConfig.factory({ data: { k0smotron: { managementClusters: [{ name: 'bench', kubeconfigPath, namespaces: [ns] }] } } }),
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        mockServices.rootLogger.factory({ level: 'warn' }),
      ],
    });
    const url = `http://127.0.0.1:${(backend.server.address() as { port: number }).port}/api/k0smotron/clusters`;
    const headers: Record<string, string> = { authorization: mockCredentials.user.header() };
    if (process.env.BENCH_IDENTITY) headers['accept-encoding'] = 'identity';
    const t1 = performance.now();
    for (;;) {
      const body = (await (await fetch(url, { headers })).json()) as { items: unknown[] };
      if (body.items.length === clusters) break;
      if (performance.now() - t1 > 120_000) throw new Error(`the cache holds ${body.items.length}/${clusters} after 120 s`);
      await new Promise(r => setTimeout(r, 100));
    }
    const syncSeconds = (performance.now() - t1) / 1000;

    const measure = async () => {
      const samples: number[] = [];
      for (let i = 0; i < requests; i++) {
        const s = performance.now();
        const res = await fetch(url, { headers });
        bytes = (await res.arrayBuffer()).byteLength;
        samples.push(performance.now() - s);
      }
      return samples.sort((a, b) => a - b);
    };
    let bytes = 0;
    const samples = await measure();
    // Churn: a Cluster changes every 100 ms (as status updates do), so most requests find a
    // changed cache and rebuild the answer.
    let churning = true;
    let churned = 0;
    const churn = (async () => {
      while (churning) {
        await client.patchCluster(ns, `c${churned % clusters}`, { metadata: { labels: { churn: String(churned++) } } });
        await new Promise(r => setTimeout(r, 100));
      }
    })();
    const churnSamples = await measure();
    churning = false;
    await churn;
    const filtered = performance.now();
    await (await fetch(`${url}?phase=Progressing&namespace=${ns}`, { headers })).json();
    const filteredMs = performance.now() - filtered;
    await backend.stop();
    const result = {
      bench: 'k0smotron-backend GET /clusters',
      clusters,
      requests,
      responseBytes: bytes,
      p50Ms: +percentile(samples, 50).toFixed(1),
      p95Ms: +percentile(samples, 95).toFixed(1),
      p99Ms: +percentile(samples, 99).toFixed(1),
      maxMs: +samples[samples.length - 1].toFixed(1),
      filteredMs: +filteredMs.toFixed(1),
      churn: {
        changes: churned,
        p50Ms: +percentile(churnSamples, 50).toFixed(1),
        p95Ms: +percentile(churnSamples, 95).toFixed(1),
        p99Ms: +percentile(churnSamples, 99).toFixed(1),
      },
      cacheSyncSeconds: +syncSeconds.toFixed(2),
      createSeconds: +createSeconds.toFixed(1),
      targetP95Ms: 50,
      pass: percentile(samples, 95) <= 50 && percentile(churnSamples, 95) <= 50,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.pass) process.exitCode = 1;
  } finally {
    await kc
      .makeApiClient((await import('@kubernetes/client-node')).CoreV1Api)
      .deleteNamespace({ name: ns })
      .catch(() => undefined);
    await own?.stop();
  }
}

main().catch(err => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
