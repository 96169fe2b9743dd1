import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from './client';
import { APPLIED_HASH_ANNOTATION, desiredHash } from './hash';
import { type RequestOptions, ApiError, KubeApi } from '@k0smotron/api/kube';

/** Records requests instead of sending them (the real layer is covered by the integration tests). */
function recordingApi(fail?: ApiError) {
  const requests: Array<{ verb: string; resource: string; method: string; path: string; opts?: RequestOptions }> = [];
  const api = {
    resource: async () => ({ prefix: '/api/v1', plural: 'configmaps', namespaced: true }),
    path: async (_g: unknown, ns?: string, name?: string, sub?: string) =>
      `/api/v1/namespaces/${ns}/configmaps${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`,
    request: async (verb: string, resource: string, method: string, path: string, opts?: RequestOptions) => {
      requests.push({ verb, resource, method, path, opts });
      if (fail) throw fail;
      return (opts?.body ?? {}) as never;
    },
  } as unknown as KubeApi;
  return { api, requests };
}

const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { k: 'v' } };

describe('KubeClient', () => {
  it('applies with server-side apply, field manager k0smotron, force', async () => {
    const { api, requests } = recordingApi();
    await new KubeClient(api).apply({ ...desired, metadata: { ...desired.metadata, managedFields: [{ manager: 'x' }] } });
    expect(requests).toEqual([
      expect.objectContaining({
        verb: 'patch',
        resource: 'configmaps',
        method: 'PATCH',
        path: '/api/v1/namespaces/n/configmaps/c',
        opts: expect.objectContaining({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'k0smotron', force: true, dryRun: undefined } }),
      }),
    ]);
    expect((requests[0].opts!.body as { metadata: object }).metadata).toEqual({ name: 'c', namespace: 'n' });
  });

  it('applyIfChanged makes no request when the cached object carries the same hash', async () => {
    const { api, requests } = recordingApi();
    const client = new KubeClient(api);
    const hash = desiredHash(desired);
    const cached = { ...desired, metadata: { ...desired.metadata, resourceVersion: '9', annotations: { [APPLIED_HASH_ANNOTATION]: hash } } };
    expect(await client.applyIfChanged(desired, cached)).toBeUndefined();
    expect(requests).toHaveLength(0);
    // When it writes, it returns what the server answered (the recording API echoes the body).
    expect(await client.applyIfChanged({ ...desired, data: { k: 'changed' } }, cached)).toMatchObject({ data: { k: 'changed' } });
    expect(await client.applyIfChanged(desired, undefined)).toMatchObject({ metadata: { name: 'c' } });
    expect(requests).toHaveLength(2);
    expect((requests[1].opts!.body as typeof cached).metadata.annotations[APPLIED_HASH_ANNOTATION]).toBe(hash);
  });

  it('status subresource and merge patch go to the right path and content type', async () => {
    const { api, requests } = recordingApi();
    const client = new KubeClient(api);
    await client.apply(desired, { subresource: 'status' });
    await client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c' }, { data: null });
    expect(requests.map(r => `${r.verb} ${r.resource} ${r.path} ${r.opts?.contentType}`)).toEqual([
      'patch configmaps/status /api/v1/namespaces/n/configmaps/c/status application/apply-patch+yaml',
      'patch configmaps /api/v1/namespaces/n/configmaps/c application/merge-patch+json',
    ]);
  });

  it('get and delete treat NotFound as absent; other errors propagate', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c' };
    const notFound = new KubeClient(recordingApi(new ApiError('nope', 404, 'NotFound')).api);
    expect(await notFound.get(ref)).toBeUndefined();
    await expect(notFound.delete(ref)).resolves.toBeUndefined();
    const conflict = new KubeClient(recordingApi(new ApiError('conflict', 409, 'Conflict')).api);
    await expect(conflict.get(ref)).rejects.toMatchObject({ status: 409 });
  });

  it('rejects objects without apiVersion/kind/name with a clear message', async () => {
    const { api } = recordingApi();
    await expect(new KubeClient(api).apply({ metadata: { name: 'x' } })).rejects.toThrow(/needs apiVersion, kind and metadata.name/);
  });

  it('a fenced client passes its signal and check to every request, reads and writes alike', async () => {
    const { api, requests } = recordingApi();
    const signal = new AbortController().signal;
    const beforeSend = () => undefined;
    const client = new KubeClient(api).fenced({ signal, beforeSend });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c' };
    await client.get(ref);
    await client.apply(desired);
    await client.apply(desired, { subresource: 'status' });
    await client.applyIfChanged(desired, undefined);
    await client.mergePatch(ref, { data: null });
    await client.mergePatch(ref, { status: {} }, { subresource: 'status' });
    await client.delete(ref);
    expect(requests).toHaveLength(7);
    for (const r of requests) expect(r.opts).toMatchObject({ signal, beforeSend });
  });

  it('a fenced client whose signal aborted sends nothing: each write fails (none is mistaken for success)', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Discovery is shared by every client of the KubeApi and is a read, so it is not fenced.
      res.end(req.url === '/apis/example.com/v1' ? JSON.stringify({ resources: [{ name: 'widgets', kind: 'Widget', namespaced: true }] }) : '{}');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const realApi = new KubeApi(kc);
    try {
      const ac = new AbortController();
      ac.abort(new Error('leader election lost'));
      const client = new KubeClient(realApi).fenced({ signal: ac.signal });
      // A kind the request layer finds by discovery (a built-in one would need no request at all).
      const ref = { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'n', name: 'c' };
      const widget = { ...desired, apiVersion: ref.apiVersion, kind: ref.kind };
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['get', () => client.get(ref)],
        ['apply', () => client.apply(widget)],
        ['apply status', () => client.apply(widget, { subresource: 'status' })],
        ['applyIfChanged', () => client.applyIfChanged(widget, undefined)],
        ['mergePatch', () => client.mergePatch(ref, { data: null })],
        ['delete', () => client.delete(ref)],
      ];
      for (const [what, attempt] of attempts) {
        await expect(attempt().then(() => `${what} succeeded`)).rejects.toMatchObject({ reason: 'Aborted' });
      }
      expect(seen).toEqual(['GET /apis/example.com/v1']);
    } finally {
      realApi.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });
});
