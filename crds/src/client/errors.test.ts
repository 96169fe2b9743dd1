import { ApiException, KubeConfig } from '@kubernetes/client-node';
import * as net from 'node:net';
import { K0smotronApiError, K0smotronClient, toK0smotronApiError } from '@k0smotron/api/client';
import { ApiError } from '@k0smotron/api/kube';

const ctx = { verb: 'create', resource: 'clusters.k0smotron.io', namespace: 'ns1', name: 'c1', server: 'https://127.0.0.1:6443', custom: true } as const;

function status(code: number, reason: string, message: string, details?: object): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, details });
}

describe('toK0smotronApiError', () => {
  it('maps a bare 404 on our resource path to CrdMissing with the install fix', () => {
    const e = toK0smotronApiError(new ApiException(404, 'x', '404 page not found\n', {}), ctx);
    expect(e).toBeInstanceOf(K0smotronApiError);
    expect(e.reason).toBe('CrdMissing');
    expect(e.message).toContain('the server could not find the requested resource');
    expect(e.message).toContain('kubectl apply -f crds/k0smotron.io_clusters.yaml');
    const e2 = toK0smotronApiError(new ApiException(404, 'x', status(404, 'NotFound', 'the server could not find the requested resource', {}), {}), ctx);
    expect(e2.reason).toBe('CrdMissing');
  });

  it('maps a 404 naming the object to NotFound', () => {
    const body = status(404, 'NotFound', 'clusters.k0smotron.io "c1" not found', { name: 'c1', group: 'k0smotron.io', kind: 'clusters' });
    const e = toK0smotronApiError(new ApiException(404, 'x', body, {}), ctx);
    expect(e.reason).toBe('NotFound');
    expect(e.status).toBe(404);
  });

  it('maps 403 to Forbidden naming verb and resource', () => {
    const body = status(403, 'Forbidden', 'clusters.k0smotron.io is forbidden: User "bob" cannot create resource "clusters"');
    const e = toK0smotronApiError(new ApiException(403, 'x', body, {}), ctx);
    expect(e.reason).toBe('Forbidden');
    expect(e.message).toContain('cannot create clusters.k0smotron.io "c1" in namespace ns1');
  });

  it('maps 422 to Invalid with the causes', () => {
    const body = status(422, 'Invalid', 'Cluster.k0smotron.io "c1" is invalid', {
      causes: [{ reason: 'FieldValueNotSupported', field: 'spec.service.type', message: 'Unsupported value: "Foo"' }],
    });
    const e = toK0smotronApiError(new ApiException(422, 'x', body, {}), ctx);
    expect(e.reason).toBe('Invalid');
    expect(e.causes).toEqual([{ field: 'spec.service.type', message: 'Unsupported value: "Foo"' }]);
    expect(e.message).toContain('spec.service.type: Unsupported value');
  });

  it('maps 409 and 401', () => {
    expect(toK0smotronApiError(new ApiException(409, 'x', status(409, 'AlreadyExists', 'exists', { name: 'c1' }), {}), ctx).reason).toBe('Conflict');
    expect(toK0smotronApiError(new ApiException(401, 'x', 'Unauthorized', {}), ctx).reason).toBe('Unauthorized');
  });

  it('reads an answer the request layer got as it reads one from the generated client', () => {
    const parsed = (code: number, reason: string, message: string, details?: object) => JSON.parse(status(code, reason, message, details)) as unknown;
    const answers: Array<[ApiError, string]> = [
      [new ApiError('x', 404, 'NotFound', '404 page not found\n'), 'CrdMissing'],
      [new ApiError('x', 404, 'NotFound', parsed(404, 'NotFound', 'not found', { name: 'c1' })), 'NotFound'],
      [new ApiError('x', 403, 'Forbidden', parsed(403, 'Forbidden', 'no')), 'Forbidden'],
      [new ApiError('x', 409, 'Conflict', parsed(409, 'AlreadyExists', 'exists', { name: 'c1' })), 'Conflict'],
      [new ApiError('x', 422, 'Invalid', parsed(422, 'Invalid', 'bad', { causes: [{ field: 'spec.replicas', message: 'must be odd' }] })), 'Invalid'],
      [new ApiError('x', 500, 'ServerError', parsed(500, 'InternalError', 'boom')), 'Other'],
    ];
    for (const [err, reason] of answers) expect({ status: err.status, reason: toK0smotronApiError(err, ctx).reason }).toEqual({ status: err.status, reason });
    const invalid = toK0smotronApiError(answers[4][0], ctx);
    expect(invalid.causes).toEqual([{ field: 'spec.replicas', message: 'must be odd' }]);
    expect(toK0smotronApiError(answers[5][0], ctx).message).toBe('cannot create clusters.k0smotron.io "c1" in namespace ns1: boom (HTTP 500)');
  });
});

describe('K0smotronClient against an unreachable server', () => {
  function kubeConfigFor(server: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  }

  it('reports ECONNREFUSED as Unreachable with the server URL', async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>(resolve => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const server = `https://127.0.0.1:${port}`;
    const client = new K0smotronClient(kubeConfigFor(server));
    const err = await client.listClusters('default').catch(e => e);
    expect(err).toBeInstanceOf(K0smotronApiError);
    expect(err.reason).toBe('Unreachable');
    expect(err.server).toBe(server);
    expect(err.message).toContain(server);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('reports ENOTFOUND as Unreachable', async () => {
    const server = 'https://no-such-host.invalid:6443';
    const err = await new K0smotronClient(kubeConfigFor(server)).getCluster('default', 'x').catch(e => e);
    expect(err.reason).toBe('Unreachable');
    expect(err.message).toContain('no-such-host.invalid');
  });

  it('reports a failed TLS handshake as Unreachable, naming the certificate authority to check', async () => {
    // A plain TCP server answers the TLS hello with bytes that are not TLS.
    const srv = net.createServer(socket => {
      socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      socket.on('error', () => undefined);
    });
    await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
    const server = `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
    try {
      const err = await new K0smotronClient(kubeConfigFor(server)).listClusters().catch(e => e);
      expect(err).toMatchObject({ reason: 'Unreachable', status: 0, server });
      expect(err.message).toContain(`the TLS handshake with ${server} failed`);
    } finally {
      await new Promise(r => srv.close(r));
    }
  });

  it('gives up after the request timeout, as Unreachable with ETIMEDOUT', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer(socket => sockets.push(socket)); // accepts, never answers
    await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
    const server = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
    const sent: string[] = [];
    const client = new K0smotronClient(kubeConfigFor(server), { requestTimeoutMs: 200, onSend: (method, url) => sent.push(`${method} ${url}`) });
    try {
      const err = await client.listClusters('team-a', 'env=dev').catch(e => e);
      expect(err).toMatchObject({ reason: 'Unreachable', status: 0 });
      expect(err.message).toContain('ETIMEDOUT');
      expect(sent).toEqual([`GET ${server}/apis/k0smotron.io/v1beta2/namespaces/team-a/clusters?labelSelector=env%3Ddev`]);
    } finally {
      client.close();
      for (const s of sockets) s.destroy();
      await new Promise(r => srv.close(r));
    }
  });

  it('rejects objects without namespace or with a foreign apiVersion before calling the server', async () => {
    const client = new K0smotronClient(kubeConfigFor('https://127.0.0.1:1'));
    const noNs = await client.createCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'a' } }).catch(e => e);
    expect(noNs.reason).toBe('Invalid');
    expect(noNs.message).toContain('metadata.namespace');
    const foreign = await client.createCluster({ apiVersion: 'apps/v1', kind: 'Cluster', metadata: { name: 'a', namespace: 'default' } }).catch(e => e);
    expect(foreign.message).toContain('k0smotron.io/v1beta2');
  });
});
