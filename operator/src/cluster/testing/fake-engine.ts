// An in-memory stand-in for the engine contract, for unit tests of the reconcile logic: one store
// plays both the API server and an always-synced cache. The real engine is exercised by the
// integration tests against a real API server.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApplyOptions, Cache, CacheIndex, Client, EventRecorder, GroupVersionKind, ObjectRef, ReconcileContext } from '../../engine/contract';
import { canonicalJson as canonical } from '../../engine/hash';

const HASH = 'k0smotron.io/applied-hash';

const keyOf = (gvk: GroupVersionKind, ns: string | undefined, name: string) => `${gvk.apiVersion}/${gvk.kind}/${ns ?? ''}/${name}`;

export class FakeEngine {
  readonly store = new Map<string, KubernetesObject>();
  readonly writes: string[] = [];
  readonly events: Array<{ type: string; reason: string; message: string }> = [];
  /** Objects the cache has not seen yet (a lagging informer). */
  readonly hiddenFromCache = new Set<string>();
  private rv = 1;
  now = new Date('2026-05-01T00:00:00Z');
  /** Named cache indexes, as the engine registers them from `ControllerSpec.indexes`. */
  private readonly indexes: CacheIndex[] = [];

  addIndexes(indexes: CacheIndex[] = []): void {
    this.indexes.push(...indexes);
  }

  put(obj: KubernetesObject): KubernetesObject {
    const k = keyOf(obj as GroupVersionKind, obj.metadata?.namespace, obj.metadata!.name!);
    const stored = structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv++), uid: obj.metadata?.uid ?? `uid-${this.rv}` } });
    this.store.set(k, stored);
    return stored;
  }

  find(gvk: GroupVersionKind, ns: string | undefined, name: string): KubernetesObject | undefined {
    return this.store.get(keyOf(gvk, ns, name));
  }

  cache: Cache = {
    get: <T extends KubernetesObject>(gvk: GroupVersionKind, ns: string | undefined, name: string) => {
      const k = keyOf(gvk, ns, name);
      return (this.hiddenFromCache.has(k) ? undefined : this.store.get(k)) as T | undefined;
    },
    list: <T extends KubernetesObject>(gvk: GroupVersionKind, opts: { namespace?: string; labels?: Record<string, string> } = {}) =>
      [...this.store.entries()]
        .filter(([k]) => k.startsWith(`${gvk.apiVersion}/${gvk.kind}/`) && !this.hiddenFromCache.has(k))
        .map(([, o]) => o)
        .filter(o => !opts.namespace || o.metadata?.namespace === opts.namespace)
        .filter(o => Object.entries(opts.labels ?? {}).every(([lk, lv]) => o.metadata?.labels?.[lk] === lv)) as T[],
    byIndex: <T extends KubernetesObject>(gvk: GroupVersionKind, name: string, value: string) => {
      const index = this.indexes.find(i => i.apiVersion === gvk.apiVersion && i.kind === gvk.kind && i.name === name);
      if (!index) throw new Error(`no index "${name}" on ${gvk.kind} (${gvk.apiVersion}): add it to the controller's indexes`);
      return this.cache.list<T>(gvk).filter(o => index.fn(o).includes(value));
    },
  };

  client: Client = {
    get: async <T extends KubernetesObject>(ref: ObjectRef) => this.find(ref, ref.namespace, ref.name) as T | undefined,
    apply: async <T extends KubernetesObject>(obj: T, opts: ApplyOptions = {}) => {
      this.writes.push(`apply${opts.subresource ? '/status' : ''} ${obj.kind} ${obj.metadata?.name}`);
      const existing = this.find(obj as GroupVersionKind, obj.metadata?.namespace, obj.metadata!.name!);
      if (opts.subresource === 'status') {
        if (!existing) throw Object.assign(new Error('not found'), { status: 404 });
        return this.put({ ...existing, status: (obj as { status?: unknown }).status } as KubernetesObject) as T;
      }
      const next = { ...(existing ?? {}), ...obj } as Record<string, unknown>;
      if (obj.kind === 'Service') {
        next.spec = { ...(obj as { spec?: object }).spec, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] };
        if (existing) next.status = (existing as { status?: unknown }).status;
      }
      if (obj.kind === 'StatefulSet' && existing) next.status = (existing as { status?: unknown }).status;
      return this.put(next as KubernetesObject) as T;
    },
    applyIfChanged: async <T extends KubernetesObject>(desired: T, cached: KubernetesObject | undefined) => {
      const hash = canonical(desired);
      if (cached?.metadata?.annotations?.[HASH] === hash) return undefined;
      return this.client.apply({ ...desired, metadata: { ...desired.metadata, annotations: { ...desired.metadata?.annotations, [HASH]: hash } } });
    },
    mergePatch: async <T extends KubernetesObject>(ref: ObjectRef, patch: object, opts: ApplyOptions = {}) => {
      this.writes.push(`patch${opts.subresource ? '/status' : ''} ${ref.kind} ${ref.name}`);
      const existing = this.find(ref, ref.namespace, ref.name);
      if (!existing) throw Object.assign(new Error('not found'), { status: 404 });
      const p = patch as { metadata?: object; status?: object };
      return this.put({ ...existing, ...p, metadata: { ...existing.metadata, ...p.metadata } } as KubernetesObject) as T;
    },
    delete: async (ref: ObjectRef) => {
      this.writes.push(`delete ${ref.kind} ${ref.name}`);
      this.store.delete(keyOf(ref, ref.namespace, ref.name));
    },
  };

  recorder: EventRecorder = {
    event: (_obj, type, reason, message) => {
      this.events.push({ type, reason, message });
    },
  };

  context(): ReconcileContext {
    const noop = () => undefined;
    const log = { debug: noop, info: noop, warn: noop, error: noop, child: () => log };
    return { cache: this.cache, client: this.client, events: this.recorder, log, now: () => this.now, signal: new AbortController().signal };
  }
}
