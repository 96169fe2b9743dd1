import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { CLUSTER_KIND, GROUP, V1BETA2, type Cluster } from '@k0smotron/api';
import { ApiError, InformerCache, KubeApi, type InformerFailure } from '@k0smotron/operator';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { shortErrorMessage } from './redact';

export type ClusterChange = { type: 'add' | 'update' | 'delete'; cluster: Cluster };
export type ClusterChangeListener = (change: ClusterChange) => void;

/** client-node types metadata timestamps as Dates; the cache holds the wire's strings, as Cluster says. */
type CachedCluster = Cluster & KubernetesObject;

const CLUSTER_GVK = { apiVersion: `${GROUP}/${V1BETA2}`, kind: CLUSTER_KIND };

/**
 * A failed watch is retried after 1 s, then 2 s, 4 s… up to 30 s, without jitter: one Backstage
 * process watches few management clusters, and a steady sequence is what the logged "retrying in"
 * promises.
 */
const RETRY_BACKOFF = { baseMs: 1_000, maxMs: 30_000, jitter: 0 };

/**
 * A watch-backed cache of the Clusters of one management cluster, on the operator's informer
 * cache and request layer: one informer for all namespaces, or one per served namespace. Lists
 * never touch the API server; a lost watch is re-established with backoff while the last known
 * state keeps being served.
 */
export class ClusterCache {
  private readonly api: KubeApi;
  /** Whether stop() closes `api`: not when the caller shares its own with other readers. */
  private readonly ownsApi: boolean;
  private readonly cache: InformerCache;
  private readonly listeners = new Set<ClusterChangeListener>();
  private changes = 0;

  constructor(
    /** The management cluster's request layer (its owner closes it), or a KubeConfig to make one of its own. */
    from: KubeConfig | KubeApi,
    namespaces: string[] | undefined,
    private readonly logger: LoggerService,
    /** Namespaces never served (the tenant policy's deniedNamespaces): left out of every answer. */
    excludedNamespaces: readonly string[] = [],
  ) {
    this.ownsApi = !(from instanceof KubeApi);
    this.api = from instanceof KubeApi ? from : new KubeApi(from);
    this.cache = new InformerCache({ api: this.api, namespaces, excludeNamespaces: excludedNamespaces, backoff: RETRY_BACKOFF });
    this.cache.addKinds([CLUSTER_GVK]);
    this.cache.on(CLUSTER_GVK, (type, obj) => this.emit({ type, cluster: obj as CachedCluster }));
    this.cache.onError(failure => {
      this.logger.warn(
        `k0smotron: watching Clusters${failure.namespace ? ` in ${failure.namespace}` : ''} failed: ${describeWatchError(failure.error)}; retrying in ${Math.round(failure.retryInMs / 1000)} s`,
      );
    });
  }

  /** Starts every informer; resolves when all listed once or failed once (they keep retrying). */
  async start(): Promise<void> {
    this.cache.start();
    await this.cache.waitForFirstAttempt();
  }

  private emit(change: ClusterChange) {
    this.changes++;
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (e) {
        this.logger.warn(`k0smotron: a Cluster change listener failed: ${shortErrorMessage(e)}`);
      }
    }
  }

  /** Grows with every add, update and delete: equal revisions mean an unchanged cache. */
  revision(): number {
    return this.changes;
  }

  /** Whether every watched namespace has been listed since its last error. */
  isSynced(): boolean {
    return this.cache.inSync();
  }

  /** Why the cache is not (fully) in sync, if it is not: one short line, never a body or a secret. */
  lastError(): string | undefined {
    if (this.cache.inSync()) return undefined;
    const failure: InformerFailure | undefined = this.cache.failures()[0];
    return failure ? describeWatchError(failure.error) : 'not synced yet';
  }

  /** Resolves true once every informer has listed since its last error; false on timeout. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.cache.waitForInSync(timeoutMs);
  }

  /** Shared objects: never mutate them. */
  list(namespace?: string): readonly Cluster[] {
    return this.cache.list<CachedCluster>(CLUSTER_GVK, namespace === undefined ? {} : { namespace });
  }

  get(namespace: string, name: string): Cluster | undefined {
    return this.cache.get<CachedCluster>(CLUSTER_GVK, namespace, name);
  }

  /** Listen to adds, updates and deletes; returns the unsubscribe function. */
  subscribe(listener: ClusterChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ends every watch and retry and closes the connections of a request layer of its own (a shared
   * one is closed by its owner); nothing outlives the returned promise.
   */
  async stop(): Promise<void> {
    await this.cache.stop();
    if (this.ownsApi) this.api.close();
  }
}

function describeWatchError(err: unknown): string {
  const status = err instanceof ApiError ? err.status : undefined;
  if (status === 404) return `the ${GROUP} Cluster API is not installed (404); apply the k0smotron CRDs`;
  if (status === 401) return 'unauthorized (401): check the credentials of this management cluster';
  if (status === 403) return 'forbidden (403): the service account may not list/watch clusters.k0smotron.io';
  // Shown to users in GET /clusters `errors`: one short line, never a response body or headers.
  return shortErrorMessage(err);
}
