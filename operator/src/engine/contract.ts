// The contract between the controller engine (informers, queue, leader election) and the
// reconcilers built on it. Reconcilers see only these interfaces, so they run the same in the
// standalone operator, embedded in Backstage, and in tests.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { GroupVersionKind } from '@k0smotron/api/kube';

export type { GroupVersionKind };

export interface ObjectKey {
  namespace: string;
  name: string;
}

export interface ObjectRef extends GroupVersionKind {
  namespace?: string;
  name: string;
}

/** Read-only view of the informer caches. Objects are shared: never mutate them. */
export interface Cache {
  get<T extends KubernetesObject>(gvk: GroupVersionKind, namespace: string | undefined, name: string): T | undefined;
  list<T extends KubernetesObject>(gvk: GroupVersionKind, opts?: { namespace?: string; labels?: Record<string, string> }): T[];
  /**
   * Cached objects of this kind that the named index (see `CacheIndex`) maps to `value`, e.g. the
   * JoinTokenRequests naming one Cluster. Throws when no such index was registered.
   */
  byIndex<T extends KubernetesObject>(gvk: GroupVersionKind, name: string, value: string): T[];
}

/**
 * A named index on one cached kind, as controller-runtime's field indexer: `fn` gives the values
 * an object is found by (none, one or several), and the cache keeps value → objects up to date on
 * every add, update, delete and relist. A watch map function can then answer "which objects
 * refer to this one" from the cache alone, without a reverse map of its own.
 */
export interface CacheIndex extends GroupVersionKind {
  name: string;
  fn: (obj: KubernetesObject) => string[];
}

export interface ApplyOptions {
  /** Ask the API server to validate and default without persisting. */
  dryRun?: boolean;
  /** Status subresource instead of the main resource. */
  subresource?: 'status';
}

/**
 * Writes, always server-side apply with field manager `k0smotron` (force), plus the few verbs SSA
 * cannot express. Every call is one request; a no-op reconcile must make none.
 */
export interface Client {
  /** Live read (bypasses the cache): for bodies the cache does not keep, such as Secret data. */
  get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined>;
  apply<T extends KubernetesObject>(obj: T, opts?: ApplyOptions): Promise<T>;
  /**
   * Apply only when `desired` differs from what this manager applied last time (compared by a
   * hash annotation on the cached object), so an unchanged object costs no request.
   * Returns the object as the server stored it when a request was made, undefined when not.
   */
  applyIfChanged<T extends KubernetesObject>(desired: T, cached: KubernetesObject | undefined): Promise<T | undefined>;
  mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object, opts?: ApplyOptions): Promise<T>;
  delete(ref: ObjectRef, opts?: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' }): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

/** Kubernetes Events, de-duplicated: the same reason+message for the same object is sent once. */
export interface EventRecorder {
  event(obj: KubernetesObject, type: EventType, reason: string, message: string): void;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface ReconcileContext {
  cache: Cache;
  client: Client;
  events: EventRecorder;
  log: Logger;
  now(): Date;
  /**
   * Aborted when this reconcile must stop: leadership was lost or the operator is stopping. From
   * then on `client` and `events` refuse every request without sending it (ApiError with reason
   * 'Aborted') and cut the ones in flight. Pass it on to any other request a reconcile makes.
   */
  signal: AbortSignal;
}

export interface ReconcileResult {
  /** Reconcile this key again after this long, even without a change (e.g. waiting for a LB). */
  requeueAfterMs?: number;
}

/** Throw to be retried with per-key exponential backoff. */
export type ReconcileFn = (key: ObjectKey, ctx: ReconcileContext) => Promise<ReconcileResult | void>;

export interface WatchSpec extends GroupVersionKind {
  /** Keep only what the reconciler needs in memory (e.g. drop Secret data). */
  transform?: (obj: KubernetesObject) => KubernetesObject;
  /** Restrict the watch, e.g. to objects carrying our labels. */
  labelSelector?: string;
  /** Cluster-scoped kinds (Node) are watched without a namespace. */
  clusterScoped?: boolean;
}

export interface ControllerSpec {
  name: string;
  /** The kind this controller reconciles; its events enqueue its own key. */
  for: WatchSpec;
  /** Kinds this controller creates; events enqueue the controller owner of the same `for` kind. */
  owns?: WatchSpec[];
  /**
   * Other kinds to cache and map to keys of the `for` kind. `event` lets a map function forget
   * what it remembers about an object that was deleted; `cache` answers from `indexes`.
   */
  watches?: Array<WatchSpec & { map?: (obj: KubernetesObject, event: 'add' | 'update' | 'delete', cache: Cache) => ObjectKey[] }>;
  /** Indexes this controller's map functions or reconciles read; registered before the cache starts. */
  indexes?: CacheIndex[];
  reconcile: ReconcileFn;
  /** Workers for this controller (default 2). */
  concurrency?: number;
  /**
   * Entries in each map the controller keeps per object (per Cluster, per request), by map name.
   * Exported as the gauge `k0smotron_controller_memory_entries{controller,map}`: a number that
   * grows with churn and never falls is a leak.
   */
  sizes?: () => Record<string, number>;
}
