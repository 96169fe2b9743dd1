// The informer cache behind the `Cache` contract: one informer per kind (per watched namespace,
// or cluster-wide), indexed by namespace, by controller owner UID and by the named indexes
// controllers register (`addIndex`). Controllers subscribe to its events to fill their queues.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { BackoffOptions } from './backoff';
import { type Clock, realClock } from './clock';
import type { Cache, CacheIndex, GroupVersionKind, Logger, WatchSpec } from './contract';
import { Informer, type InformerEvent, type ListResult, type ListWatcher, objectKey } from './informer';
import { type KubeApi } from '@k0smotron/api/kube';
import { silentLogger } from './logger';

export function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.apiVersion}/${gvk.kind}`;
}

export type CacheHandler = (event: InformerEvent, obj: KubernetesObject, old?: KubernetesObject) => void;

/** Where one informer of the cache failed: its kind, its namespace (none when cluster-wide) and why. */
export interface InformerFailure {
  kind: string;
  namespace?: string;
  error: unknown;
}

export type FailureHandler = (failure: InformerFailure & { retryInMs: number }) => void;

/** The controller owner reference of an object, if any. */
export function controllerOwner(obj: KubernetesObject) {
  return obj.metadata?.ownerReferences?.find(r => r.controller);
}

function labelsMatch(obj: KubernetesObject, labels?: Record<string, string>): boolean {
  if (!labels) return true;
  const have = obj.metadata?.labels ?? {};
  return Object.entries(labels).every(([k, v]) => have[k] === v);
}

/**
 * Several controllers may watch the same kind; the cache keeps one informer per kind, so their
 * specs merge: the label selector is kept only when every spec names the same one (otherwise
 * the kind is watched unfiltered), and transforms run one after another in spec order.
 */
export function mergeWatchSpecs(specs: WatchSpec[]): WatchSpec[] {
  const byKind = new Map<string, WatchSpec[]>();
  for (const s of specs) {
    const k = gvkKey(s);
    byKind.set(k, [...(byKind.get(k) ?? []), s]);
  }
  return [...byKind.values()].map(group => {
    const first = group[0];
    const selectors = new Set(group.map(s => s.labelSelector ?? ''));
    const transforms = group.map(s => s.transform).filter((t): t is NonNullable<WatchSpec['transform']> => !!t);
    const unique = [...new Set(transforms)];
    return {
      apiVersion: first.apiVersion,
      kind: first.kind,
      clusterScoped: group.some(s => s.clusterScoped),
      labelSelector: selectors.size === 1 && first.labelSelector ? first.labelSelector : undefined,
      transform: unique.length === 0 ? undefined : unique.length === 1 ? unique[0] : (obj: KubernetesObject) => unique.reduce((o, t) => t(o), obj),
    };
  });
}

interface NamedIndex {
  fn: CacheIndex['fn'];
  byValue: Map<string, Set<string>>;
  /** The values each object was indexed under, so an update or delete removes exactly those. */
  valuesOf: Map<string, string[]>;
}

class KindStore {
  readonly objects = new Map<string, KubernetesObject>();
  readonly byNamespace = new Map<string, Set<string>>();
  readonly byOwner = new Map<string, Set<string>>();
  readonly named = new Map<string, NamedIndex>();

  constructor(
    private readonly log: Logger,
    private readonly kind: string,
  ) {}

  addIndex(name: string, fn: CacheIndex['fn']): void {
    if (this.named.has(name)) throw new Error(`index "${name}" on ${this.kind} registered twice`);
    const index: NamedIndex = { fn, byValue: new Map(), valuesOf: new Map() };
    this.named.set(name, index);
    for (const [key, obj] of this.objects) this.indexNamed(name, index, key, obj);
  }

  put(obj: KubernetesObject, old?: KubernetesObject): void {
    const key = objectKey(obj);
    if (old) this.unindex(key, old);
    // An add for a key already stored replaces it, indexes included.
    else if (this.objects.has(key)) this.unindex(key, this.objects.get(key)!);
    this.objects.set(key, obj);
    addTo(this.byNamespace, obj.metadata?.namespace ?? '', key);
    const owner = controllerOwner(obj);
    if (owner) addTo(this.byOwner, owner.uid, key);
    for (const [name, index] of this.named) this.indexNamed(name, index, key, obj);
  }

  remove(obj: KubernetesObject): void {
    const key = objectKey(obj);
    const stored = this.objects.get(key);
    this.objects.delete(key);
    this.unindex(key, stored ?? obj);
  }

  private unindex(key: string, obj: KubernetesObject): void {
    removeFrom(this.byNamespace, obj.metadata?.namespace ?? '', key);
    const owner = controllerOwner(obj);
    if (owner) removeFrom(this.byOwner, owner.uid, key);
    for (const index of this.named.values()) {
      for (const v of index.valuesOf.get(key) ?? []) removeFrom(index.byValue, v, key);
      index.valuesOf.delete(key);
    }
  }

  private indexNamed(name: string, index: NamedIndex, key: string, obj: KubernetesObject): void {
    let values: string[];
    try {
      values = [...new Set(index.fn(obj))];
    } catch (err) {
      // The object stays cached and reachable by get/list; only this index misses it.
      this.log.error('cache index function failed', { kind: this.kind, index: name, object: key, error: err instanceof Error ? err.message : String(err) });
      values = [];
    }
    for (const v of values) addTo(index.byValue, v, key);
    if (values.length) index.valuesOf.set(key, values);
  }
}

function addTo(index: Map<string, Set<string>>, k: string, v: string): void {
  let set = index.get(k);
  if (!set) index.set(k, (set = new Set()));
  set.add(v);
}

function removeFrom(index: Map<string, Set<string>>, k: string, v: string): void {
  const set = index.get(k);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) index.delete(k);
}

export interface InformerCacheOptions {
  api: KubeApi;
  /** Namespaces to watch; undefined or empty = all namespaces. */
  namespaces?: string[];
  log?: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  watchTimeoutSeconds?: number;
  /**
   * Namespaces never cached: their objects are neither stored nor reported, even when all
   * namespaces are watched, and a watched namespace listed here gets no informer.
   */
  excludeNamespaces?: readonly string[];
}

export class InformerCache implements Cache {
  private readonly stores = new Map<string, KindStore>();
  private readonly informers = new Map<string, Array<{ namespace?: string; informer: Informer }>>();
  private readonly handlers = new Map<string, CacheHandler[]>();
  private readonly recoveredHandlers: Array<() => void> = [];
  private readonly failureHandlers: FailureHandler[] = [];
  /** Re-checked whenever an informer lists or fails (see `until`). */
  private readonly stateWaiters = new Set<() => void>();
  private stopped = false;
  private readonly log: Logger;
  private started = false;

  constructor(private readonly opts: InformerCacheOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** Register kinds to cache; call before `start`. */
  addKinds(specs: WatchSpec[]): void {
    if (this.started) throw new Error('InformerCache.addKinds after start: register every kind first');
    for (const spec of mergeWatchSpecs(specs)) {
      const key = gvkKey(spec);
      if (this.informers.has(key)) throw new Error(`kind ${key} registered twice: pass all specs in one addKinds call`);
      const store = new KindStore(this.log, spec.kind);
      this.stores.set(key, store);
      const excluded = new Set(this.opts.excludeNamespaces ?? []);
      const namespaces = spec.clusterScoped || !this.opts.namespaces?.length ? [undefined] : this.opts.namespaces.filter(ns => !excluded.has(ns));
      const keep = excluded.size && !spec.clusterScoped ? (obj: KubernetesObject) => !excluded.has(obj.metadata?.namespace ?? '') : undefined;
      this.informers.set(
        key,
        namespaces.map(ns => ({
          namespace: ns,
          informer: new Informer({
            name: `${spec.kind}${ns ? `@${ns}` : ''}`,
            apiVersion: spec.apiVersion,
            kind: spec.kind,
            listWatcher: this.listWatcher(spec, ns),
            transform: spec.transform,
            log: this.log,
            clock: this.opts.clock,
            backoff: this.opts.backoff,
            watchTimeoutSeconds: this.opts.watchTimeoutSeconds,
            keep,
            onRecovered: () => this.recoveredHandlers.forEach(h => h()),
            onListed: () => this.stateChanged(),
            onError: (error, retryInMs) => {
              for (const h of this.failureHandlers) {
                try {
                  h({ kind: spec.kind, namespace: ns, error, retryInMs });
                } catch (err) {
                  this.log.error('informer failure handler failed', { error: err instanceof Error ? err.message : String(err) });
                }
              }
              this.stateChanged();
            },
            onEvent: (event, obj, old) => {
              if (event === 'delete') store.remove(obj);
              else store.put(obj, old);
              for (const h of this.handlers.get(key) ?? []) h(event, obj, old);
            },
          }),
        })),
      );
    }
  }

  /**
   * A named index on a kind already registered with `addKinds`, before `start` (see `CacheIndex`).
   * `byIndex(gvk, name, value)` then lists the objects whose `fn` returned `value`.
   */
  addIndex(gvk: GroupVersionKind, name: string, fn: CacheIndex['fn']): void {
    if (this.started) throw new Error(`InformerCache.addIndex after start: register index "${name}" on ${gvk.kind} first`);
    this.store(gvk).addIndex(name, fn);
  }

  kinds(): GroupVersionKind[] {
    return [...this.informers.keys()].map(k => {
      const i = k.lastIndexOf('/');
      return { apiVersion: k.slice(0, i), kind: k.slice(i + 1) };
    });
  }

  on(gvk: GroupVersionKind, handler: CacheHandler): void {
    const key = gvkKey(gvk);
    this.handlers.set(key, [...(this.handlers.get(key) ?? []), handler]);
  }

  /** Called whenever one informer lists successfully again after failing (see InformerOptions). */
  onRecovered(handler: () => void): void {
    this.recoveredHandlers.push(handler);
  }

  /**
   * Called for every failed list or watch of any informer, with the wait before its next attempt
   * (the informer keeps serving what it last knew meanwhile).
   */
  onError(handler: FailureHandler): void {
    this.failureHandlers.push(handler);
  }

  start(): void {
    this.started = true;
    for (const i of this.all()) i.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.all().map(i => i.stop()));
    this.stateChanged();
  }

  hasSynced(): boolean {
    return this.all().every(i => i.hasSynced());
  }

  /** Resolves when every informer has listed once. */
  async waitForSync(): Promise<void> {
    await Promise.all(this.all().map(i => i.waitForSync()));
  }

  /** Whether every informer has listed since its last failure (stricter than `hasSynced`). */
  inSync(): boolean {
    return this.all().every(i => i.inSync());
  }

  /** The informers whose latest list or watch failed and that have not listed since. */
  failures(): InformerFailure[] {
    const out: InformerFailure[] = [];
    for (const [key, list] of this.informers) {
      const kind = key.slice(key.lastIndexOf('/') + 1);
      for (const { namespace, informer } of list) {
        const error = informer.lastError();
        if (error !== undefined) out.push({ kind, ...(namespace ? { namespace } : {}), error });
      }
    }
    return out;
  }

  /** Resolves true once `inSync()`, false when `timeoutMs` passed first or the cache stopped. */
  waitForInSync(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.inSync(), timeoutMs);
  }

  /**
   * Resolves once every informer has either listed or failed at least once (or the cache
   * stopped): the moment `inSync()` and `failures()` first say something about every informer.
   */
  async waitForFirstAttempt(): Promise<void> {
    await this.until(() => this.all().every(i => i.hasSynced() || i.lastError() !== undefined));
  }

  /** Informer restarts after errors, summed (tests and metrics). */
  restarts(): number {
    return this.all().reduce((n, i) => n + i.restarts, 0);
  }

  lists(): number {
    return this.all().reduce((n, i) => n + i.lists, 0);
  }

  private all(): Informer[] {
    return [...this.informers.values()].flat().map(i => i.informer);
  }

  private stateChanged(): void {
    for (const w of [...this.stateWaiters]) w();
  }

  /** Resolves with `check()` once it holds, after `timeoutMs`, or when the cache stops. */
  private until(check: () => boolean, timeoutMs?: number): Promise<boolean> {
    if (check() || this.stopped) return Promise.resolve(check());
    return new Promise(resolve => {
      const timer = timeoutMs === undefined ? undefined : (this.opts.clock ?? realClock).setTimeout(() => finish(), timeoutMs);
      const waiter = () => {
        if (check() || this.stopped) finish();
      };
      const finish = () => {
        timer?.cancel();
        this.stateWaiters.delete(waiter);
        resolve(check());
      };
      this.stateWaiters.add(waiter);
    });
  }

  get<T extends KubernetesObject>(gvk: GroupVersionKind, namespace: string | undefined, name: string): T | undefined {
    return this.store(gvk).objects.get(namespace ? `${namespace}/${name}` : name) as T | undefined;
  }

  list<T extends KubernetesObject>(gvk: GroupVersionKind, opts: { namespace?: string; labels?: Record<string, string> } = {}): T[] {
    const store = this.store(gvk);
    const keys = opts.namespace !== undefined ? (store.byNamespace.get(opts.namespace) ?? []) : store.objects.keys();
    const out: T[] = [];
    for (const k of keys) {
      const obj = store.objects.get(k);
      if (obj && labelsMatch(obj, opts.labels)) out.push(obj as T);
    }
    return out;
  }

  listByOwner<T extends KubernetesObject>(gvk: GroupVersionKind, ownerUid: string): T[] {
    const store = this.store(gvk);
    return [...(store.byOwner.get(ownerUid) ?? [])].map(k => store.objects.get(k)).filter((o): o is T => !!o);
  }

  byIndex<T extends KubernetesObject>(gvk: GroupVersionKind, name: string, value: string): T[] {
    const store = this.store(gvk);
    const index = store.named.get(name);
    if (!index) throw new Error(`no index "${name}" on ${gvk.kind} (${gvk.apiVersion}): add it to the controller's indexes`);
    return [...(index.byValue.get(value) ?? [])].map(k => store.objects.get(k)).filter((o): o is T => !!o);
  }

  private store(gvk: GroupVersionKind): KindStore {
    const store = this.stores.get(gvkKey(gvk));
    if (!store) {
      throw new Error(`kind ${gvk.kind} (${gvk.apiVersion}) is not cached: add it to the controller's owns or watches`);
    }
    return store;
  }

  private listWatcher(spec: WatchSpec, namespace: string | undefined): ListWatcher {
    const api = this.opts.api;
    const gvk = { apiVersion: spec.apiVersion, kind: spec.kind };
    const selector = spec.labelSelector;
    return {
      async list({ limit, continue: cont, signal }): Promise<ListResult> {
        const info = await api.resource(gvk);
        const path = await api.path(gvk, namespace);
        const res = await api.request<{ items?: KubernetesObject[]; metadata?: { resourceVersion?: string; continue?: string } }>(
          'list',
          info.plural,
          'GET',
          path,
          { query: { limit, continue: cont, labelSelector: selector }, signal },
        );
        return { items: res.items ?? [], resourceVersion: res.metadata?.resourceVersion ?? '', continue: res.metadata?.continue };
      },
      async watch({ resourceVersion, timeoutSeconds, signal }, onEvent) {
        const info = await api.resource(gvk);
        const path = await api.path(gvk, namespace);
        await api.watch(
          info.plural,
          path,
          {
            resourceVersion,
            timeoutSeconds,
            allowWatchBookmarks: true,
            labelSelector: selector,
          },
          onEvent,
          signal,
        );
      },
    };
  }
}
