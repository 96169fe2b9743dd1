import type { KubernetesObject } from '@kubernetes/client-node';
import { InformerCache } from './cache';
import { ApiError, type KubeApi } from '@k0smotron/api/kube';
import { FakeClock } from './clock';

const cm = (ns: string, name: string, labels: Record<string, string> = {}, ownerUid?: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    namespace: ns,
    name,
    labels,
    resourceVersion: '1',
    ...(ownerUid ? { ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'c', uid: ownerUid, controller: true }] } : {}),
  },
});

/** Serves lists from memory by path; watches wait until stopped. */
function fakeApi(byPath: Record<string, KubernetesObject[]>) {
  const listed: string[] = [];
  const api = {
    resource: async (g: { kind: string }) => ({ prefix: '/api/v1', plural: g.kind === 'Node' ? 'nodes' : 'configmaps', namespaced: g.kind !== 'Node' }),
    path: async (g: { kind: string }, ns?: string) =>
      `/api/v1${ns && g.kind !== 'Node' ? `/namespaces/${ns}` : ''}/${g.kind === 'Node' ? 'nodes' : 'configmaps'}`,
    request: async (_v: string, _r: string, _m: string, path: string, opts?: { query?: Record<string, unknown> }) => {
      listed.push(`${path}${opts?.query?.labelSelector ? `?${opts.query.labelSelector}` : ''}`);
      return { items: byPath[path] ?? [], metadata: { resourceVersion: '1' } };
    },
    watch: (_r: string, _p: string, _q: unknown, _on: unknown, signal: AbortSignal) =>
      new Promise<void>(resolve => signal.addEventListener('abort', () => resolve())),
  } as unknown as KubeApi;
  return { api, listed };
}

describe('InformerCache', () => {
  it('one informer per watched namespace; cluster-scoped kinds once; indexes by namespace, labels and owner', async () => {
    const { api, listed } = fakeApi({
      '/api/v1/namespaces/a/configmaps': [cm('a', 'x', { app: 'k' }, 'u1'), cm('a', 'y', {}, 'u2')],
      '/api/v1/namespaces/b/configmaps': [cm('b', 'x', { app: 'k' }, 'u1')],
      '/api/v1/nodes': [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', resourceVersion: '1' } }],
    });
    const cache = new InformerCache({ api, namespaces: ['a', 'b'] });
    cache.addKinds([
      { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: 'app' },
      { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: 'app' },
      { apiVersion: 'v1', kind: 'Node', clusterScoped: true },
    ]);
    cache.start();
    await cache.waitForSync();
    expect(cache.hasSynced()).toBe(true);
    expect(listed.sort()).toEqual(['/api/v1/namespaces/a/configmaps?app', '/api/v1/namespaces/b/configmaps?app', '/api/v1/nodes']);
    const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
    expect(
      cache
        .list(CM)
        .map(o => `${o.metadata?.namespace}/${o.metadata?.name}`)
        .sort(),
    ).toEqual(['a/x', 'a/y', 'b/x']);
    expect(cache.list(CM, { namespace: 'a' })).toHaveLength(2);
    expect(cache.list(CM, { namespace: 'a', labels: { app: 'k' } }).map(o => o.metadata?.name)).toEqual(['x']);
    expect(
      cache
        .listByOwner(CM, 'u1')
        .map(o => o.metadata?.namespace)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(cache.get(CM, 'b', 'x')?.metadata?.name).toBe('x');
    expect(cache.get({ apiVersion: 'v1', kind: 'Node' }, undefined, 'n1')?.metadata?.name).toBe('n1');
    expect(() => cache.get({ apiVersion: 'apps/v1', kind: 'StatefulSet' }, 'a', 'x')).toThrow(
      /StatefulSet .* is not cached: add it to the controller's owns or watches/,
    );
    expect(() => cache.addKinds([{ apiVersion: 'v1', kind: 'Secret' }])).toThrow(/after start/);
    await cache.stop();
  });
});

describe('InformerCache named indexes', () => {
  const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
  /** The Clusters a ConfigMap names in its `refs` label, comma-separated: zero, one or several values. */
  const refs = (o: KubernetesObject) => (o.metadata?.labels?.refs ? o.metadata.labels.refs.split(',').map(r => `${o.metadata?.namespace}/${r}`) : []);
  const named = (ns: string, name: string, refList: string, rv: string): KubernetesObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: ns, name, resourceVersion: rv, ...(refList ? { labels: { refs: refList } } : {}) },
  });
  const names = (objs: KubernetesObject[]) => objs.map(o => o.metadata?.name).sort();

  /**
   * Each list answers with the next entry of `lists` (the last one again after that); each watch
   * waits for the test to send it events. An ERROR 410 event ends the watch, so the informer lists again.
   */
  function scriptedApi(lists: KubernetesObject[][]) {
    let listed = 0;
    let send: ((type: string, obj: unknown) => void) | undefined;
    const api = {
      resource: async () => ({ prefix: '/api/v1', plural: 'configmaps', namespaced: true }),
      path: async () => '/api/v1/configmaps',
      request: async () => ({ items: lists[Math.min(listed++, lists.length - 1)], metadata: { resourceVersion: String(listed) } }),
      watch: (_r: string, _p: string, _q: unknown, onEvent: (type: string, obj: unknown) => void, signal: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          send = (type, obj) => {
            try {
              onEvent(type, obj);
            } catch (err) {
              send = undefined;
              reject(err);
            }
          };
          signal.addEventListener('abort', () => resolve());
        }),
    } as unknown as KubeApi;
    return { api, lists: () => listed, send: (type: string, obj: unknown) => send!(type, obj), watching: () => !!send };
  }

  async function until(what: string, cond: () => boolean): Promise<void> {
    for (let i = 0; i < 1000 && !cond(); i++) await new Promise(r => setImmediate(r));
    if (!cond()) throw new Error(`never happened: ${what}`);
  }

  it('is kept on add, update and delete events and on relist; several values per object, or none', async () => {
    const fake = scriptedApi([
      [named('a', 'x', 'c1', '1'), named('a', 'y', 'c1,c2', '1'), named('a', 'z', '', '1')],
      // After the relist: x moved to c2, y is gone, w is new; z still names nothing.
      [named('a', 'x', 'c2', '5'), named('a', 'z', '', '1'), named('a', 'w', 'c1', '5')],
    ]);
    const cache = new InformerCache({ api: fake.api });
    cache.addKinds([CM]);
    cache.addIndex(CM, 'refs', refs);
    cache.start();
    await cache.waitForSync();
    await until('watching', fake.watching);
    expect(names(cache.byIndex(CM, 'refs', 'a/c1'))).toEqual(['x', 'y']);
    expect(names(cache.byIndex(CM, 'refs', 'a/c2'))).toEqual(['y']);
    expect(cache.byIndex(CM, 'refs', 'a/c3')).toEqual([]);

    fake.send('MODIFIED', named('a', 'x', 'c3', '2')); // update: old value dropped, new one added
    fake.send('ADDED', named('a', 'v', 'c3', '3'));
    fake.send('DELETED', named('a', 'y', 'c1,c2', '4'));
    expect(names(cache.byIndex(CM, 'refs', 'a/c1'))).toEqual([]);
    expect(names(cache.byIndex(CM, 'refs', 'a/c2'))).toEqual([]);
    expect(names(cache.byIndex(CM, 'refs', 'a/c3'))).toEqual(['v', 'x']);

    // The watch expires: the relist's view replaces everything the events had built.
    fake.send('ERROR', { code: 410, message: 'too old' });
    await until('relisted', () => fake.lists() === 2 && fake.watching());
    expect(names(cache.byIndex(CM, 'refs', 'a/c1'))).toEqual(['w']);
    expect(names(cache.byIndex(CM, 'refs', 'a/c2'))).toEqual(['x']);
    expect(names(cache.byIndex(CM, 'refs', 'a/c3'))).toEqual([]);
    expect(names(cache.list(CM))).toEqual(['w', 'x', 'z']);
    await cache.stop();
  });

  it('registered once, before start, on a cached kind; an unknown index is a clear error', async () => {
    const fake = scriptedApi([[named('a', 'x', 'c1', '1')]]);
    const cache = new InformerCache({ api: fake.api });
    cache.addKinds([CM]);
    expect(() => cache.addIndex({ apiVersion: 'v1', kind: 'Secret' }, 'refs', refs)).toThrow(/Secret .* is not cached/);
    cache.addIndex(CM, 'refs', refs);
    expect(() => cache.addIndex(CM, 'refs', refs)).toThrow(/index "refs" on ConfigMap registered twice/);
    cache.start();
    expect(() => cache.addIndex(CM, 'other', refs)).toThrow(/addIndex after start/);
    await cache.waitForSync();
    expect(() => cache.byIndex(CM, 'other', 'a/c1')).toThrow(/no index "other" on ConfigMap \(v1\): add it to the controller's indexes/);
    await cache.stop();
  });

  it('an index function that throws leaves the object cached, only out of that index', async () => {
    const fake = scriptedApi([[named('a', 'x', 'c1', '1'), named('a', 'bad', 'c1', '1')]]);
    const errors: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => errors.push(m), child: () => log };
    const cache = new InformerCache({ api: fake.api, log });
    cache.addKinds([CM]);
    cache.addIndex(CM, 'refs', o => {
      if (o.metadata?.name === 'bad') throw new Error('no');
      return refs(o);
    });
    cache.start();
    await cache.waitForSync();
    expect(names(cache.byIndex(CM, 'refs', 'a/c1'))).toEqual(['x']);
    expect(cache.get(CM, 'a', 'bad')).toBeDefined();
    expect(errors).toEqual(['cache index function failed']);
    await cache.stop();
  });
});

describe('InformerCache namespaces, failures and sync', () => {
  const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
  const names = (objs: KubernetesObject[]) => objs.map(o => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();

  /** Lists by path; a path in `failing` answers with that error. Watches wait until stopped. */
  function failingApi(byPath: Record<string, KubernetesObject[]>, failing: Map<string, ApiError>) {
    return {
      resource: async () => ({ prefix: '/api/v1', plural: 'configmaps', namespaced: true }),
      path: async (_g: unknown, ns?: string) => `/api/v1${ns ? `/namespaces/${ns}` : ''}/configmaps`,
      request: async (_v: string, _r: string, _m: string, path: string) => {
        const err = failing.get(path);
        if (err) throw err;
        return { items: byPath[path] ?? [], metadata: { resourceVersion: '1' } };
      },
      watch: (_r: string, _p: string, _q: unknown, _on: unknown, signal: AbortSignal) =>
        new Promise<void>(resolve => signal.addEventListener('abort', () => resolve())),
    } as unknown as KubeApi;
  }

  async function settle() {
    for (let i = 0; i < 20; i++) await new Promise(r => setImmediate(r));
  }

  it('leaves excluded namespaces out of every answer, whether all namespaces or a list are watched', async () => {
    const all = [cm('a', 'x'), cm('hidden', 'y'), cm('b', 'z')];
    const events: string[] = [];
    const wide = new InformerCache({ api: failingApi({ '/api/v1/configmaps': all }, new Map()), excludeNamespaces: ['hidden'] });
    wide.addKinds([CM]);
    wide.on(CM, (e, o) => events.push(`${e} ${o.metadata?.namespace}/${o.metadata?.name}`));
    wide.start();
    await wide.waitForSync();
    expect(names(wide.list(CM))).toEqual(['a/x', 'b/z']);
    expect(wide.list(CM, { namespace: 'hidden' })).toEqual([]);
    expect(wide.get(CM, 'hidden', 'y')).toBeUndefined();
    expect(events.sort()).toEqual(['add a/x', 'add b/z']);
    await wide.stop();

    const listed = new InformerCache({
      api: failingApi({ '/api/v1/namespaces/a/configmaps': [cm('a', 'x')], '/api/v1/namespaces/hidden/configmaps': [cm('hidden', 'y')] }, new Map()),
      namespaces: ['a', 'hidden'],
      excludeNamespaces: ['hidden'],
    });
    listed.addKinds([CM]);
    listed.start();
    await listed.waitForSync();
    expect(listed.lists()).toBe(1); // no informer for the excluded namespace
    expect(names(listed.list(CM))).toEqual(['a/x']);
    await listed.stop();
  });

  it('reports failures per informer, waits for a first attempt, and is in sync once every informer listed again', async () => {
    const clock = new FakeClock();
    const failing = new Map([['/api/v1/namespaces/b/configmaps', new ApiError('forbidden', 403, 'Forbidden')]]);
    const cache = new InformerCache({
      api: failingApi({ '/api/v1/namespaces/a/configmaps': [cm('a', 'x')], '/api/v1/namespaces/b/configmaps': [cm('b', 'y')] }, failing),
      namespaces: ['a', 'b'],
      clock,
      backoff: { baseMs: 100, maxMs: 1000 },
    });
    cache.addKinds([CM]);
    const reported: string[] = [];
    cache.onError(f => reported.push(`${f.kind} ${f.namespace} ${(f.error as ApiError).status} ${f.retryInMs}`));
    expect(cache.failures()).toEqual([]);
    cache.start();
    await cache.waitForFirstAttempt();
    expect(reported).toEqual(['ConfigMap b 403 100']);
    expect([cache.hasSynced(), cache.inSync()]).toEqual([false, false]);
    expect(cache.failures().map(f => `${f.kind} ${f.namespace} ${(f.error as ApiError).status}`)).toEqual(['ConfigMap b 403']);
    expect(names(cache.list(CM))).toEqual(['a/x']); // the healthy namespace is served meanwhile

    // A timeout answers false; the wait then ends true once the failing informer lists.
    const timedOut = cache.waitForInSync(50);
    clock.advance(50);
    expect(await timedOut).toBe(false);
    const waiting = cache.waitForInSync(10_000);
    clock.advance(100);
    await settle();
    expect(reported).toEqual(['ConfigMap b 403 100', 'ConfigMap b 403 200']);
    failing.clear();
    clock.advance(200);
    expect(await waiting).toBe(true);
    expect([cache.hasSynced(), cache.inSync(), cache.failures()]).toEqual([true, true, []]);
    expect(names(cache.list(CM))).toEqual(['a/x', 'b/y']);
    expect(await cache.waitForInSync(10)).toBe(true);

    // Stopping ends pending waits with the current answer instead of leaving them hanging.
    failing.set('/api/v1/namespaces/b/configmaps', new ApiError('gone', 0, 'Unreachable'));
    const stuck = new InformerCache({ api: failingApi({}, failing), namespaces: ['b'], clock, backoff: { baseMs: 100, maxMs: 1000 } });
    stuck.addKinds([CM]);
    stuck.start();
    const never = stuck.waitForInSync(60_000);
    await stuck.stop();
    expect(await never).toBe(false);
    expect(await stuck.waitForInSync(60_000)).toBe(false);
    await cache.stop();
  });
});
