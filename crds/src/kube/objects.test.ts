// KubeObjects against a small local HTTP server that records each request and answers from a
// table: what path, method, query and content type each helper sends, and that built-in kinds
// need no discovery request. The same helpers run against the real test cluster through every
// command and backend route that uses them.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, KubeApi, KubeObjects, builtinPath, builtinResource } from '@k0smotron/api/kube';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body: string;
}

async function serve(answer: (req: Seen) => { status: number; body: unknown }) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r: Seen = { method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const api = new KubeApi(kc);
  return {
    seen,
    api,
    objects: new KubeObjects(api),
    close: async () => {
      api.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    },
  };
}

const notFound = { status: 404, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' } };

describe('built-in kinds', () => {
  it('knows the path of each built-in kind, namespaced or not, without asking the server', () => {
    expect(builtinPath('Secret', 'team a', 'kmc-x')).toBe('/api/v1/namespaces/team%20a/secrets/kmc-x');
    expect(builtinPath('StatefulSet', 'ns')).toBe('/apis/apps/v1/namespaces/ns/statefulsets');
    expect(builtinPath('Service')).toBe('/api/v1/services');
    expect(builtinPath('CustomResourceDefinition', 'ignored', 'clusters.k0smotron.io')).toBe(
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusters.k0smotron.io',
    );
    expect(builtinResource('apps/v1', 'StatefulSet')).toBe(BUILTIN_RESOURCES.StatefulSet);
    // A kind of the same name in another group is not the built-in one.
    expect(builtinResource('example.com/v1', 'Secret')).toBeUndefined();
    expect(builtinResource('v1', 'Cluster')).toBeUndefined();
  });
});

describe('KubeObjects', () => {
  it('reads an object, answers undefined for a missing one and passes other failures on', async () => {
    const s = await serve(r =>
      r.url.endsWith('/present')
        ? { status: 200, body: { kind: 'Secret', metadata: { name: 'present', creationTimestamp: '2026-01-02T03:04:05Z' } } }
        : r.url.endsWith('/forbidden')
          ? { status: 403, body: { kind: 'Status', reason: 'Forbidden', code: 403, message: 'secrets "forbidden" is forbidden' } }
          : notFound,
    );
    try {
      const secret = await s.objects.get('Secret', 'ns', 'present');
      expect(secret?.metadata?.creationTimestamp).toBe('2026-01-02T03:04:05Z');
      expect(await s.objects.get('Secret', 'ns', 'missing')).toBeUndefined();
      await expect(s.objects.get('Secret', 'ns', 'forbidden')).rejects.toMatchObject({ status: 403, reason: 'Forbidden' });
      expect(s.seen.map(r => `${r.method} ${r.url}`)).toEqual([
        'GET /api/v1/namespaces/ns/secrets/present',
        'GET /api/v1/namespaces/ns/secrets/missing',
        'GET /api/v1/namespaces/ns/secrets/forbidden',
      ]);
      expect(s.api.requestCounts()).toEqual({ 'get secrets 200': 1, 'get secrets 404': 1, 'get secrets 403': 1 });
    } finally {
      await s.close();
    }
  });

  it('lists in one namespace or across all, with label and field selectors', async () => {
    const s = await serve(() => ({ status: 200, body: { items: [{ metadata: { name: 'a' } }] } }));
    try {
      expect(await s.objects.list('Pod', { namespace: 'ns', labelSelector: 'app=k0smotron' })).toEqual([{ metadata: { name: 'a' } }]);
      await s.objects.list('StatefulSet', { fieldSelector: 'metadata.name=x' });
      expect(s.seen.map(r => r.url)).toEqual([
        '/api/v1/namespaces/ns/pods?labelSelector=app%3Dk0smotron',
        '/apis/apps/v1/statefulsets?fieldSelector=metadata.name%3Dx',
      ]);
      expect(s.api.requestCounts()).toEqual({ 'list pods 200': 1, 'list statefulsets.apps 200': 1 });
    } finally {
      await s.close();
    }
  });

  it('creates with the kind filled in, its field manager and an optional server-side dry run', async () => {
    const s = await serve(r => ({ status: 201, body: JSON.parse(r.body) as unknown }));
    try {
      const created = await s.objects.create('ConfigMap', 'ns', { metadata: { name: 'c' }, data: { a: '1' } }, { fieldManager: 'test', dryRun: true });
      expect(created).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
      expect(s.seen[0]).toMatchObject({
        method: 'POST',
        url: '/api/v1/namespaces/ns/configmaps?fieldManager=test&dryRun=All',
        contentType: 'application/json',
      });
    } finally {
      await s.close();
    }
  });

  it('applies any object server-side, finding a custom kind through discovery once', async () => {
    const s = await serve(r =>
      r.method === 'GET' && r.url === '/apis/k0smotron.io/v1beta2'
        ? {
            status: 200,
            body: {
              resources: [
                { name: 'clusters', kind: 'Cluster', namespaced: true },
                { name: 'clusters/status', kind: 'Cluster', namespaced: true },
              ],
            },
          }
        : { status: 200, body: JSON.parse(r.body || '{}') as unknown },
    );
    try {
      const cluster = { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'a', namespace: 'ns' }, spec: { replicas: 1 } };
      await s.objects.apply(cluster, { fieldManager: 'kubectl-k0smotron' });
      await s.objects.apply({ ...cluster, metadata: { name: 'b', namespace: 'ns' } }, { fieldManager: 'kubectl-k0smotron', dryRun: true });
      await s.objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }, { fieldManager: 'kubectl-k0smotron' });
      expect(s.seen.map(r => `${r.method} ${r.url} ${r.contentType ?? ''}`)).toEqual([
        'GET /apis/k0smotron.io/v1beta2 ',
        'PATCH /apis/k0smotron.io/v1beta2/namespaces/ns/clusters/a?fieldManager=kubectl-k0smotron&force=true application/apply-patch+yaml',
        'PATCH /apis/k0smotron.io/v1beta2/namespaces/ns/clusters/b?fieldManager=kubectl-k0smotron&force=true&dryRun=All application/apply-patch+yaml',
        'PATCH /api/v1/namespaces/ns?fieldManager=kubectl-k0smotron&force=true application/apply-patch+yaml',
      ]);
      expect(JSON.parse(s.seen[1].body)).toEqual(cluster);
      await expect(s.objects.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, { fieldManager: 'x' })).rejects.toThrow(/metadata\.name/);
    } finally {
      await s.close();
    }
  });
});
