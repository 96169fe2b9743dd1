// Observes, through watches (cheap for the API server, unlike polling lists of thousands of
// Secrets), when each Cluster's generated children first exist.
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { clusterObjectNames } from '@k0smotron/api';

/** The children a ClusterIP/etcd Cluster gets: 2 Services, 2 ConfigMaps, 8 Secrets, 2 StatefulSets. */
export function expectedChildren(name: string): { kind: ChildKind; name: string }[] {
  const n = clusterObjectNames(name);
  return [
    ...[n.clusterIPService, n.etcdService].map(x => ({ kind: 'services' as const, name: x })),
    ...[n.configMap, n.entrypointConfigMap].map(x => ({ kind: 'configmaps' as const, name: x })),
    ...[n.caSecret, n.saSecret, n.proxySecret, n.etcdCaSecret, n.apiserverEtcdClientSecret, n.etcdServerSecret, n.etcdPeerSecret, n.kubeconfigSecret].map(
      x => ({ kind: 'secrets' as const, name: x }),
    ),
    ...[n.statefulSet, n.etcdStatefulSet].map(x => ({ kind: 'statefulsets' as const, name: x })),
  ];
}

export type ChildKind = 'services' | 'configmaps' | 'secrets' | 'statefulsets';
const PATHS: Record<ChildKind, (ns: string) => string> = {
  services: ns => `/api/v1/namespaces/${ns}/services`,
  configmaps: ns => `/api/v1/namespaces/${ns}/configmaps`,
  secrets: ns => `/api/v1/namespaces/${ns}/secrets`,
  statefulsets: ns => `/apis/apps/v1/namespaces/${ns}/statefulsets`,
};

export class ChildTracker {
  private readonly seen = new Map<string, number>();
  private readonly aborts: AbortController[] = [];
  private errors = 0;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly ns: string,
  ) {}

  /** Starts one watch per child kind in the namespace (restarted if the server ends it). */
  static async start(kc: KubeConfig, ns: string): Promise<ChildTracker> {
    const t = new ChildTracker(kc, ns);
    await Promise.all((Object.keys(PATHS) as ChildKind[]).map(k => t.watch(k)));
    return t;
  }

  private async watch(kind: ChildKind, attempt = 0): Promise<void> {
    if (this.stopped) return;
    const w = new Watch(this.kc);
    // A watch that ended (or never started, while the API server is down) starts again; objects
    // already seen keep their first time, and the new watch's initial events cover the gap.
    const restart = (failed: boolean) => {
      if (this.stopped) return;
      if (failed) this.errors++;
      const delay = failed ? Math.min(5000, 200 * 2 ** attempt) : 200;
      setTimeout(() => void this.watch(kind, failed ? attempt + 1 : 0), delay);
    };
    try {
      const ac = await w.watch(
        PATHS[kind](this.ns),
        { allowWatchBookmarks: false },
        (phase, obj: { metadata?: { name?: string } }) => {
          const key = `${kind}/${obj.metadata?.name}`;
          if ((phase === 'ADDED' || phase === 'MODIFIED') && !this.seen.has(key)) this.seen.set(key, Date.now());
        },
        err => restart(!!err),
      );
      this.aborts.push(ac);
    } catch {
      restart(true);
    }
  }

  /** The expected children of the Cluster not seen yet. */
  missing(cluster: string): string[] {
    return expectedChildren(cluster)
      .map(c => `${c.kind}/${c.name}`)
      .filter(k => !this.seen.has(k));
  }

  private stopped = false;

  /** When every child of the Cluster had been seen (ms epoch), or undefined. */
  completeAt(cluster: string): number | undefined {
    let last = 0;
    for (const c of expectedChildren(cluster)) {
      const at = this.seen.get(`${c.kind}/${c.name}`);
      if (at === undefined) return undefined;
      last = Math.max(last, at);
    }
    return last;
  }

  /** Waits until every named Cluster is complete; prints progress every 10 s. */
  async waitAll(clusters: string[], timeoutMs: number, label: string): Promise<Map<string, number>> {
    const started = Date.now();
    let lastNote = started;
    for (;;) {
      const done = new Map<string, number>();
      for (const c of clusters) {
        const at = this.completeAt(c);
        if (at !== undefined) done.set(c, at);
      }
      if (done.size === clusters.length) return done;
      const now = Date.now();
      if (now - started > timeoutMs) {
        const missing = clusters.filter(c => !done.has(c)).map(c => `${c}: ${this.missing(c).join(', ')}`);
        throw new Error(
          `${label}: only ${done.size}/${clusters.length} Clusters had all children after ${timeoutMs / 1000} s (watch errors: ${this.errors}); not seen: ${missing.join('; ')}`,
        );
      }
      if (now - lastNote > 10_000) {
        lastNote = now;
        process.stderr.write(`  ${label}: ${done.size}/${clusters.length} Clusters with all children after ${((now - started) / 1000).toFixed(0)} s\n`);
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const a of this.aborts) a.abort();
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
