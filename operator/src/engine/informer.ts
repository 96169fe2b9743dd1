// One list+watch loop for one kind (in one namespace, or cluster-wide). Unlike client-node's
// informer it never gives up: any error restarts it after a jittered exponential backoff, a 410
// Gone relists at once, and a watch the server ends normally is resumed from the last
// resourceVersion. Objects are slimmed (managedFields, last-applied annotation, the spec's
// transform) before they are stored, so a thousand Clusters stay small.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions } from './backoff';
import { type Clock, realClock, sleep } from './clock';
import { withDataFingerprint } from './drift';
import type { Logger } from './contract';
import { ApiError } from '@k0smotron/api/kube';
import { silentLogger } from './logger';

export interface ListResult {
  items: KubernetesObject[];
  resourceVersion: string;
  continue?: string;
}

/** What an informer needs from the API: list pages and a watch stream. */
export interface ListWatcher {
  list(opts: { limit: number; continue?: string; signal: AbortSignal }): Promise<ListResult>;
  /** Resolves when the stream ends normally (or on abort); rejects on error. */
  watch(
    opts: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal },
    onEvent: (type: string, obj: Record<string, unknown>) => void,
  ): Promise<void>;
}

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler = (event: InformerEvent, obj: KubernetesObject, old?: KubernetesObject) => void;

export interface InformerOptions {
  name: string;
  apiVersion: string;
  kind: string;
  listWatcher: ListWatcher;
  transform?: (obj: KubernetesObject) => KubernetesObject;
  onEvent: InformerHandler;
  log?: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  /**
   * Called after a list succeeds following a failed list or watch: the API server answers again.
   * Work that failed meanwhile is waiting out a backoff that grew with the outage; this is the
   * moment to retry it instead of letting it wait minutes longer.
   */
  onRecovered?: () => void;
  /**
   * Called after every successful list (the first and each relist), once the store holds its
   * result: from here on `lastError()` is undefined until the next failure.
   */
  onListed?: () => void;
  /**
   * Called for every failed list or watch, with the wait before the next attempt; the failure is
   * also `lastError()` until a list succeeds. A 410 Gone is not a failure (it relists at once).
   */
  onError?: (err: unknown, retryInMs: number) => void;
  /**
   * Objects this informer never stores nor reports, e.g. those of namespaces that must not be
   * served. Asked of every listed and watched object; one that stops passing is reported deleted.
   */
  keep?: (obj: KubernetesObject) => boolean;
  /** Watch length asked from the server, randomised per watch in [min, 2*min). */
  watchTimeoutSeconds?: number;
  pageSize?: number;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function objectKey(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : `${obj.metadata?.name}`;
}

/** Drop what no reconciler reads before an object is cached. */
export function slimObject(obj: KubernetesObject): KubernetesObject {
  const meta = obj.metadata;
  if (!meta) return obj;
  const hasLastApplied = meta.annotations && LAST_APPLIED in meta.annotations;
  if (!meta.managedFields && !hasLastApplied) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  const slim = { ...obj, metadata: rest };
  if (hasLastApplied) {
    const { [LAST_APPLIED]: _big, ...annotations } = meta.annotations!;
    slim.metadata.annotations = annotations;
  }
  return slim;
}

class GoneError extends Error {}

export class Informer {
  private readonly store = new Map<string, KubernetesObject>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private resourceVersion: string | undefined;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private loop: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  /** Times the loop (re)listed, for tests and logs. */
  lists = 0;
  restarts = 0;

  constructor(private readonly opts: InformerOptions) {
    this.log = (opts.log ?? silentLogger).child({ informer: opts.name });
    this.clock = opts.clock ?? realClock;
    this.backoff = new Backoff(opts.backoff ?? { baseMs: 500, maxMs: 30_000, jitter: 0.5 });
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    waiters.forEach(w => w());
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The failure of the latest list or watch, until a list succeeds again; undefined when none. */
  lastError(): unknown {
    return this.failure?.error;
  }

  /** Whether a list has succeeded since the last failure: the store is the server's state. */
  inSync(): boolean {
    return this.synced && !this.failure;
  }

  /** Resolves once the first list is stored (or the informer stops). */
  waitForSync(): Promise<void> {
    if (this.synced || this.abort.signal.aborted) return Promise.resolve();
    return new Promise(resolve => this.syncWaiters.push(resolve));
  }

  get(key: string): KubernetesObject | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<KubernetesObject> {
    return this.store.values();
  }

  size(): number {
    return this.store.size;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failedSinceList = false;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist(signal);
          if (signal.aborted) break;
          this.failure = undefined;
          this.markSynced();
          this.notify(this.opts.onListed, 'listed');
          if (failedSinceList && !signal.aborted) {
            failedSinceList = false;
            this.emitRecovered();
          }
        }
        const min = this.opts.watchTimeoutSeconds ?? 300;
        const timeoutSeconds = Math.floor(min + Math.random() * min);
        const started = this.clock.now();
        await this.opts.listWatcher.watch({ resourceVersion: this.resourceVersion!, timeoutSeconds, signal }, (type, obj) => this.handle(type, obj));
        // A watch that ended by itself resumes from the last resourceVersion; one that ended
        // at once (a proxy cutting it, say) backs off like an error so it cannot spin.
        if (this.clock.now() - started > 1000) this.backoff.reset();
        else if (!signal.aborted) await sleep(this.clock, this.backoff.next(), signal);
      } catch (err) {
        if (signal.aborted) break;
        this.resourceVersion = undefined;
        if (err instanceof GoneError) {
          this.log.debug('resourceVersion expired, relisting');
          continue;
        }
        this.restarts++;
        failedSinceList = true;
        const delay = this.backoff.next();
        this.failure = { error: err };
        this.notify(() => this.opts.onError?.(err, delay), 'error');
        this.log.warn('list/watch failed, restarting', {
          error: err instanceof Error ? err.message : String(err),
          status: err instanceof ApiError ? err.status : undefined,
          retryInMs: delay,
        });
        await sleep(this.clock, delay, signal);
      }
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    waiters.forEach(w => w());
  }

  private prepare(raw: KubernetesObject): KubernetesObject {
    const withKind = raw.kind && raw.apiVersion ? raw : { ...raw, apiVersion: this.opts.apiVersion, kind: this.opts.kind };
    // Before the transform, which may drop ConfigMap or Secret data: their hashes stay for drift checks.
    const slim = withDataFingerprint(slimObject(withKind));
    return this.opts.transform ? slimObject(this.opts.transform(slim)) : slim;
  }

  private async relist(signal: AbortSignal): Promise<void> {
    this.lists++;
    const seen = new Map<string, KubernetesObject>();
    let cont: string | undefined;
    let rv = '';
    do {
      let page: ListResult;
      try {
        page = await this.opts.listWatcher.list({ limit: this.opts.pageSize ?? 500, continue: cont, signal });
      } catch (err) {
        // An expired continue token: start the list again from the beginning.
        if (err instanceof ApiError && err.status === 410 && cont) {
          cont = undefined;
          seen.clear();
          continue;
        }
        throw err;
      }
      for (const item of page.items) {
        if (this.opts.keep && !this.opts.keep(item)) continue;
        const obj = this.prepare(item);
        seen.set(objectKey(obj), obj);
      }
      cont = page.continue || undefined;
      rv = page.resourceVersion;
    } while (cont);
    if (signal.aborted) return;
    for (const [key, old] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.emit('delete', old);
      }
    }
    for (const [key, obj] of seen) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
    }
    this.resourceVersion = rv;
    this.log.debug('listed', { objects: this.store.size, resourceVersion: rv });
  }

  private handle(type: string, raw: Record<string, unknown>): void {
    if (type === 'ERROR') {
      const status = raw as { code?: number; message?: string };
      if (status.code === 410) throw new GoneError(status.message ?? 'gone');
      throw new ApiError(`watch error: ${status.message ?? 'unknown'}`, status.code ?? 0, 'Other', raw);
    }
    const obj = raw as KubernetesObject;
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    if (this.opts.keep && !this.opts.keep(obj)) {
      // Never stored, or stored before it stopped passing: then it is gone for our readers.
      const key = objectKey(obj);
      const old = this.store.get(key);
      if (old) {
        this.store.delete(key);
        this.emit('delete', old);
      }
      if (rv) this.resourceVersion = rv;
      return;
    }
    const prepared = this.prepare(obj);
    const key = objectKey(prepared);
    if (type === 'ADDED' || type === 'MODIFIED') {
      const old = this.store.get(key);
      this.store.set(key, prepared);
      if (old) this.emit('update', prepared, old);
      else this.emit('add', prepared);
    } else if (type === 'DELETED') {
      const old = this.store.get(key);
      this.store.delete(key);
      this.emit('delete', old ?? prepared);
    }
    if (rv) this.resourceVersion = rv;
  }

  private emitRecovered(): void {
    this.notify(this.opts.onRecovered, 'recovery');
  }

  /** Runs a hook; a hook that throws is logged, never allowed to break the loop. */
  private notify(hook: (() => void) | undefined, what: string): void {
    try {
      hook?.();
    } catch (err) {
      this.log.error(`${what} handler failed`, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private emit(event: InformerEvent, obj: KubernetesObject, old?: KubernetesObject): void {
    try {
      this.opts.onEvent(event, obj, old);
    } catch (err) {
      this.log.error('event handler failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
