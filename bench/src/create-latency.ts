// Create→all-children latency of the Cluster reconciler: creates N Clusters at once and measures,
// per Cluster, the time from its create request until every generated child exists (Services,
// ConfigMaps, certificate and kubeconfig Secrets, StatefulSets), then until it is Available (pods
// Ready on hollow nodes). Prints p50/p95 and the RSS of this process, which runs the operator.
//
//   npx tsx bench/src/create-latency.ts [--count 10] [--kubeconfig PATH]
//
// Without --kubeconfig (or $K0SMOTRON_TEST_KUBECONFIG) it starts a local test cluster (1 hollow
// node) and stops it at the end.
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterObjectNames, type Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { JsonLogger, startOperator, clusterController } from '@k0smotron/operator';
import { createTestNamespace, startTestCluster, type TestCluster } from '@k0smotron/testenv';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const count = Number(arg('count', '10'));
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a whole number ≥ 1, got ${arg('count')}`);
  const kubeconfigPath = arg('kubeconfig', process.env.K0SMOTRON_TEST_KUBECONFIG);
  let cluster: TestCluster | undefined;
  const kc = new KubeConfig();
  if (kubeconfigPath) {
    kc.loadFromFile(kubeconfigPath);
  } else {
    process.stderr.write('starting a local test cluster (1 hollow node)…\n');
    cluster = await startTestCluster({ nodes: 1, installCrds: true });
    kc.loadFromFile(cluster.kubeconfigPath);
  }
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const kmc = new K0smotronClient(kc);
  const ns = await createTestNamespace(kc, 'bench-create');
  const rssBefore = process.memoryUsage().rss;
  const op = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    controllers: [clusterController()],
    logger: new JsonLogger({ level: process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'error' }),
  });
  try {
    const names = Array.from({ length: count }, (_, i) => `b${i}`);
    const createdAt = new Map<string, number>();
    const childrenAt = new Map<string, number>();
    const availableAt = new Map<string, number>();
    const expected = (name: string) => {
      const n = clusterObjectNames(name);
      return {
        services: [n.clusterIPService, n.etcdService],
        configMaps: [n.configMap, n.entrypointConfigMap],
        secrets: [n.caSecret, n.saSecret, n.proxySecret, n.etcdCaSecret, n.apiserverEtcdClientSecret, n.etcdServerSecret, n.etcdPeerSecret, n.kubeconfigSecret],
        statefulSets: [n.statefulSet, n.etcdStatefulSet],
      };
    };

    const cpu0 = process.cpuUsage();
    let cpuChildren: NodeJS.CpuUsage | undefined;
    const t0 = Date.now();
    await Promise.all(
      names.map(async name => {
        const body: Cluster = {
          apiVersion: 'k0smotron.io/v1beta2',
          kind: 'Cluster',
          metadata: { name, namespace: ns },
          spec: { service: { type: 'ClusterIP' } },
        };
        createdAt.set(name, Date.now());
        await kmc.createCluster(body);
      }),
    );

    let lastReport = Date.now();
    while (availableAt.size < count) {
      if (Date.now() - t0 > 300_000) throw new Error(`only ${availableAt.size}/${count} Clusters Available after 300 s`);
      const [svcs, cms, secrets, stss, clusters] = await Promise.all([
        core.listNamespacedService({ namespace: ns }),
        core.listNamespacedConfigMap({ namespace: ns }),
        core.listNamespacedSecret({ namespace: ns }),
        apps.listNamespacedStatefulSet({ namespace: ns }),
        kmc.listClusters(ns),
      ]);
      const now = Date.now();
      const have = (items: Array<{ metadata?: { name?: string } }>) => new Set(items.map(i => i.metadata?.name));
      const [s, c, x, t] = [have(svcs.items), have(cms.items), have(secrets.items), have(stss.items)];
      for (const name of names) {
        const e = expected(name);
        if (
          !childrenAt.has(name) &&
          e.services.every(n => s.has(n)) &&
          e.configMaps.every(n => c.has(n)) &&
          e.secrets.every(n => x.has(n)) &&
          e.statefulSets.every(n => t.has(n))
        ) {
          childrenAt.set(name, now);
        }
        const obj = clusters.find(k => k.metadata.name === name);
        if (!availableAt.has(name) && obj?.status?.conditions?.some(k => k.type === 'Available' && k.status === 'True')) availableAt.set(name, now);
      }
      if (!cpuChildren && childrenAt.size === count) cpuChildren = process.cpuUsage(cpu0);
      if (now - lastReport > 10_000) {
        lastReport = now;
        process.stderr.write(
          `  ${childrenAt.size}/${count} with all children, ${availableAt.size}/${count} Available after ${((now - t0) / 1000).toFixed(0)} s\n`,
        );
      }
      // 100 ms resolution: polling faster would load the API server being measured.
      await new Promise(r => setTimeout(r, 100));
    }

    const children = names.map(n => childrenAt.get(n)! - createdAt.get(n)!);
    const available = names.map(n => availableAt.get(n)! - createdAt.get(n)!);
    const rss = process.memoryUsage().rss;
    console.log(`Clusters created concurrently: ${count} (ClusterIP, etcd; 1 hollow node; 2-core machine shared with other work)`);
    console.log(
      `create → all children:  p50 ${percentile(children, 50)} ms   p95 ${percentile(children, 95)} ms   max ${Math.max(...children)} ms   (goal p95 ≤ 1000 ms)`,
    );
    console.log(`create → Available:     p50 ${percentile(available, 50)} ms   p95 ${percentile(available, 95)} ms   (pods Ready on a hollow node)`);
    const cpuMs = cpuChildren ? (cpuChildren.user + cpuChildren.system) / 1000 : NaN;
    console.log(`CPU of this process until all children existed: ${cpuMs.toFixed(0)} ms (${(cpuMs / count).toFixed(0)} ms per Cluster, pollers included)`);
    console.log(
      `load average at the end: ${(await import('node:os'))
        .loadavg()
        .map(l => l.toFixed(1))
        .join(' ')} on ${(await import('node:os')).cpus().length} CPUs`,
    );
    console.log(`process RSS (operator + this script's pollers): ${mib(rss)} (before the operator started: ${mib(rssBefore)})`);
    console.log(
      `operator API requests: ${Object.entries(op.requestCounts())
        .filter(([k]) => /^(create|patch|update|delete) /.test(k))
        .reduce((a, [, v]) => a + v, 0)} writes`,
    );
  } finally {
    await op.stop();
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await cluster?.stop();
  }
}

main().catch(err => {
  process.stderr.write(`create-latency failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
