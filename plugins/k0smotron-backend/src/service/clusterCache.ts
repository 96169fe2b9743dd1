import {
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { CLUSTER_PLURAL, GROUP, V1BETA2, type Cluster } from '@k0smotron/api';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { shortErrorMessage } from './redact';

export type ClusterChange = { type: 'add' | 'update' | 'delete'; cluster: Cluster };
export type ClusterChangeListener = (change: ClusterChange) => void;

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * A watch-backed cache of the Clusters of one management cluster: one informer for all
 * namespaces, or one per served namespace. Lists never touch the API server; a lost watch is
 * re-established with backoff while the last known state keeps being served.
 */
export class ClusterCache {
  private readonly informers: Array<{ namespace?: string; informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject> }>;
  private readonly listeners = new Set<ClusterChangeListener>();
  private readonly synced = new Set<number>();
  /** Informers whose add/update/delete handlers are attached (once, across restarts). */
  private readonly wired = new Set<number>();
  private readonly syncWaiters: Array<() => void> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private changes = 0;
  /** Informer starts in flight: stop() waits for them (see stop()). */
  private readonly starting = new Set<Promise<void>>();
  private lastErrorMessage: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespaces: string[] | undefined,
    private readonly logger: LoggerService,
    /** Namespaces never served (the tenant policy's deniedNamespaces): left out of every answer. */
    private readonly excludedNamespaces: readonly string[] = [],
  ) {
    const api = kubeConfig.makeApiClient(CustomObjectsApi);
    const targets: Array<string | undefined> = namespaces ?? [undefined];
    this.informers = targets.map(namespace => {
      const path = namespace ? `/apis/${GROUP}/${V1BETA2}/namespaces/${namespace}/${CLUSTER_PLURAL}` : `/apis/${GROUP}/${V1BETA2}/${CLUSTER_PLURAL}`;
      // client-node's KubernetesObject types metadata with Dates; the wire has strings, which
      // is what our Cluster type says, so the informer holds plain objects cast at the edge.
      const list = async (): Promise<KubernetesListObject<KubernetesObject>> =>
        (namespace
          ? await api.listNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: CLUSTER_PLURAL })
          : await api.listClusterCustomObject({ group: GROUP, version: V1BETA2, plural: CLUSTER_PLURAL })) as KubernetesListObject<KubernetesObject>;
      return { namespace, informer: makeInformer<KubernetesObject>(kubeConfig, path, list) };
    });
  }

  /** Starts every informer; resolves when all listed once or failed once (they keep retrying). */
  async start(): Promise<void> {
    await Promise.all(this.informers.map((_, i) => this.startInformer(i, RETRY_MIN_MS)));
  }

  private async startInformer(index: number, retryMs: number): Promise<void> {
    const { informer, namespace } = this.informers[index];
    if (this.stopped) return;
    let failed = false;
    const onError = (err: unknown) => {
      if (this.stopped) return; // stop() aborts the watch: not a failure
      failed = true;
      this.synced.delete(index);
      this.lastErrorMessage = describeWatchError(err);
      this.logger.warn(
        `k0smotron: watching Clusters${namespace ? ` in ${namespace}` : ''} failed: ${this.lastErrorMessage}; retrying in ${Math.round(retryMs / 1000)} s`,
      );
      informer.off('error', onError);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        void this.startInformer(index, Math.min(retryMs * 2, RETRY_MAX_MS));
      }, retryMs);
      this.retryTimers.add(timer);
    };
    if (!this.wired.has(index)) {
      this.wired.add(index);
      informer.on('add', c => this.emit({ type: 'add', cluster: c as Cluster }));
      informer.on('update', c => this.emit({ type: 'update', cluster: c as Cluster }));
      informer.on('delete', c => this.emit({ type: 'delete', cluster: c as Cluster }));
      // The informer's own error path schedules the retry; a rejection must not go unhandled.
    }
    informer.on('error', onError);
    const starting = informer.start();
    this.starting.add(starting);
    try {
      await starting;
    } catch (err) {
      // Some failures reject the start instead of (or besides) emitting 'error': retry them the
      // same way, once.
      if (!failed) onError(err);
    } finally {
      this.starting.delete(starting);
    }
    if (!failed && !this.stopped) {
      this.synced.add(index);
      if (this.isSynced()) {
        this.lastErrorMessage = undefined;
        this.syncWaiters.splice(0).forEach(w => w());
      }
      // A later watch failure after a good start is handled by the same error handler.
    }
  }
  private served(c: Cluster): boolean {
    return !this.excludedNamespaces.includes(c.metadata.namespace ?? '');
  }

  private emit(change: ClusterChange) {
    if (!this.served(change.cluster)) return;
    this.changes++;
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (e) {
        this.logger.warn(`k0smotron: a Cluster change listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** Grows with every add, update and delete: equal revisions mean an unchanged cache. */
  revision(): number {
    return this.changes;
  }

  isSynced(): boolean {
    return this.synced.size === this.informers.length;
  }

  /** Why the cache is not (fully) in sync, if it is not. */
  lastError(): string | undefined {
    return this.isSynced() ? undefined : (this.lastErrorMessage ?? 'not synced yet');
  }

  /** Resolves when every informer has listed once; false on timeout. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.isSynced()) return Promise.resolve(true);
    return new Promise(resolve => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Shared objects: never mutate them. */
  list(namespace?: string): readonly Cluster[] {
    if (namespace !== undefined) {
      if (this.excludedNamespaces.includes(namespace)) return [];
      const own = this.informers.find(i => i.namespace === namespace) ?? (this.namespaces ? undefined : this.informers[0]);
      return own ? (own.informer.list(namespace) as readonly Cluster[]) : [];
    }
    const all =
      this.informers.length === 1
        ? (this.informers[0].informer.list() as readonly Cluster[])
        : this.informers.flatMap(i => i.informer.list() as readonly Cluster[]);
    return this.excludedNamespaces.length && !this.namespaces ? all.filter(c => this.served(c)) : all;
  }

  get(namespace: string, name: string): Cluster | undefined {
    if (this.excludedNamespaces.includes(namespace)) return undefined;
    const own = this.informers.find(i => i.namespace === namespace) ?? (this.namespaces ? undefined : this.informers[0]);
    return own?.informer.get(name, namespace) as Cluster | undefined;
  }

  /** Listen to adds, updates and deletes; returns the unsubscribe function. */
  subscribe(listener: ClusterChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryTimers.forEach(t => clearTimeout(t));
    this.retryTimers.clear();
    await Promise.all(this.informers.map(i => i.informer.stop()));
    // client-node's informer opens its watch after the initial list even when stop() came in
    // between; stop again once those starts have finished so no watch outlives us.
    await Promise.allSettled([...this.starting]);
    await Promise.all(this.informers.map(i => i.informer.stop()));
  }
}

function describeWatchError(err: unknown): string {
  const e = err as { code?: number; statusCode?: number; message?: string; body?: unknown };
  const code = e?.code ?? e?.statusCode;
  if (code === 404) return `the ${GROUP} Cluster API is not installed (404); apply the k0smotron CRDs`;
  if (code === 401) return 'unauthorized (401): check the credentials of this management cluster';
  if (code === 403) return 'forbidden (403): the service account may not list/watch clusters.k0smotron.io';
  // Shown to users in GET /clusters `errors`: one short line, never a response body or headers.
  return shortErrorMessage(err);
}
