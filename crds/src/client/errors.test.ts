import { ApiException, KubeConfig } from '@kubernetes/client-node';
import * as net from 'node:net';
import { K0smotronApiError, K0smotronClient, toK0smotronApiError } from '@k0smotron/api/client';

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

  it('rejects objects without namespace or with a foreign apiVersion before calling the server', async () => {
    const client = new K0smotronClient(kubeConfigFor('https://127.0.0.1:1'));
    const noNs = await client.createCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'a' } }).catch(e => e);
    expect(noNs.reason).toBe('Invalid');
    expect(noNs.message).toContain('metadata.namespace');
    const foreign = await client.createCluster({ apiVersion: 'apps/v1', kind: 'Cluster', metadata: { name: 'a', namespace: 'default' } }).catch(e => e);
    expect(foreign.message).toContain('k0smotron.io/v1beta2');
  });
});
