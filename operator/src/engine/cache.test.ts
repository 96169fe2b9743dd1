import type { KubernetesObject } from '@kubernetes/client-node';
import { InformerCache } from './cache';
import type { KubeApi } from './kubeApi';

const cm = (ns: string, name: string, labels: Record<string, string> = {}, ownerUid?: string): KubernetesObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { namespace: ns, name, labels, resourceVersion: '1', ...(ownerUid ? { ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'c', uid: ownerUid, controller: true }] } : {}) },
});

/** Serves lists from memory by path; watches wait until stopped. */
function fakeApi(byPath: Record<string, KubernetesObject[]>) {
  const listed: string[] = [];
  const api = {
    resource: async (g: { kind: string }) => ({ prefix: '/api/v1', plural: g.kind === 'Node' ? 'nodes' : 'configmaps', namespaced: g.kind !== 'Node' }),
    path: async (g: { kind: string }, ns?: string) => `/api/v1${ns && g.kind !== 'Node' ? `/namespaces/${ns}` : ''}/${g.kind === 'Node' ? 'nodes' : 'configmaps'}`,
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
    expect(cache.list(CM).map(o => `${o.metadata?.namespace}/${o.metadata?.name}`).sort()).toEqual(['a/x', 'a/y', 'b/x']);
    expect(cache.list(CM, { namespace: 'a' })).toHaveLength(2);
    expect(cache.list(CM, { namespace: 'a', labels: { app: 'k' } }).map(o => o.metadata?.name)).toEqual(['x']);
    expect(cache.listByOwner(CM, 'u1').map(o => o.metadata?.namespace).sort()).toEqual(['a', 'b']);
    expect(cache.get(CM, 'b', 'x')?.metadata?.name).toBe('x');
    expect(cache.get({ apiVersion: 'v1', kind: 'Node' }, undefined, 'n1')?.metadata?.name).toBe('n1');
    expect(() => cache.get({ apiVersion: 'apps/v1', kind: 'StatefulSet' }, 'a', 'x')).toThrow(/StatefulSet .* is not cached: add it to the controller's owns or watches/);
    expect(() => cache.addKinds([{ apiVersion: 'v1', kind: 'Secret' }])).toThrow(/after start/);
    await cache.stop();
  });
});
