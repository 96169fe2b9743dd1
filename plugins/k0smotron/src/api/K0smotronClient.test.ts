import { mockApis } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { clusterDetailsFixture } from '../__fixtures__/clusters';
import { K0smotronClient } from './K0smotronClient';
import { describeApiError } from './errors';

const ref = { managementCluster: 'local', namespace: 'team a', name: 'kmc1' };

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function setup(respond: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchApi = {
    fetch: jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push({ url, init: init ?? {} });
      return respond(url, init ?? {});
    }),
  };
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://backstage:7007' });
  return { client: new K0smotronClient({ discoveryApi, fetchApi }), calls };
}

describe('K0smotronClient', () => {
  it('lists clusters with only the filters that are set', async () => {
    const { client, calls } = setup(() => jsonResponse(200, { items: [] }));
    await client.listClusters({ namespace: 'default', phase: 'Available' });
    await client.listClusters();
    expect(calls.map(c => c.url)).toEqual([
      'http://backstage:7007/api/k0smotron/clusters?namespace=default&phase=Available',
      'http://backstage:7007/api/k0smotron/clusters',
    ]);
    expect(calls[0].init.method).toBe('GET');
  });

  it('lists management clusters', async () => {
    const { client } = setup(() => jsonResponse(200, { items: [{ name: 'local' }] }));
    expect(await client.listManagementClusters()).toEqual([{ name: 'local' }]);
  });

  it('encodes the path of one cluster', async () => {
    const details = clusterDetailsFixture();
    const { client, calls } = setup(() => jsonResponse(200, details));
    expect(await client.getCluster(ref)).toEqual(details);
    expect(calls[0].url).toBe('http://backstage:7007/api/k0smotron/clusters/local/team%20a/kmc1');
  });

  it('sends JSON bodies for create, update and join tokens', async () => {
    const { client, calls } = setup(url =>
      url.endsWith('/join-tokens')
        ? jsonResponse(201, { token: 't0k3n', role: 'worker', commands: ['k0s install worker --token-file t'] })
        : jsonResponse(url.endsWith('/local') ? 201 : 200, clusterDetailsFixture()),
    );
    await client.createCluster('local', { namespace: 'default', name: 'kmc1', spec: { replicas: 1 } });
    await client.updateCluster(ref, { replicas: 3 });
    const token = await client.createJoinToken(ref, { role: 'worker', expiry: '1h' });

    expect(calls.map(c => [c.init.method, c.url.replace('http://backstage:7007/api/k0smotron', '')])).toEqual([
      ['POST', '/clusters/local'],
      ['PATCH', '/clusters/local/team%20a/kmc1'],
      ['POST', '/clusters/local/team%20a/kmc1/join-tokens'],
    ]);
    expect(calls.map(c => JSON.parse(String(c.init.body)))).toEqual([
      { namespace: 'default', name: 'kmc1', spec: { replicas: 1 } },
      { replicas: 3 },
      { role: 'worker', expiry: '1h' },
    ]);
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(token.token).toBe('t0k3n');
  });

  it('deletes and accepts 202 without a body', async () => {
    const { client, calls } = setup(() => new Response(null, { status: 202 }));
    await expect(client.deleteCluster(ref)).resolves.toBeUndefined();
    expect(calls[0].init.method).toBe('DELETE');
  });

  it('reads a kubeconfig as YAML text or as a JSON wrapper', async () => {
    const yaml = 'apiVersion: v1\nkind: Config\n';
    const text = setup(() => new Response(yaml, { status: 200, headers: { 'Content-Type': 'application/yaml' } }));
    expect(await text.client.getKubeconfig(ref)).toBe(yaml);
    const json = setup(() => jsonResponse(200, { kubeconfig: yaml }));
    expect(await json.client.getKubeconfig(ref)).toBe(yaml);
    expect(text.calls[0].url).toMatch(/\/clusters\/local\/team%20a\/kmc1\/kubeconfig$/);
  });

  it('throws a ResponseError carrying the status and the backend message', async () => {
    const { client } = setup(() =>
      jsonResponse(404, { error: { name: 'NotFoundError', message: 'Cluster default/kmc1 not found' }, response: { statusCode: 404 } }),
    );
    const error = await client.getCluster(ref).catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(404);
    expect(error.cause.message).toBe('Cluster default/kmc1 not found');
    expect(error.body.error.name).toBe('NotFoundError');
  });
});

describe('K0smotronClient errors', () => {
  it("keeps the field errors of the router's 400 bodies", async () => {
    const { client } = setup(() =>
      jsonResponse(400, {
        error: { name: 'InputError', message: 'Invalid cluster' },
        fieldErrors: [{ path: 'spec.replicas', message: 'must be at most 99' }],
      }),
    );
    const error = await client.updateCluster(ref, { replicas: 100 }).catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(400);
    expect(describeApiError(error)).toBe('Invalid cluster (spec.replicas: must be at most 99)');
  });

  it('keeps a plain-text error body readable', async () => {
    const { client } = setup(() => new Response('upstream timed out', { status: 504 }));
    const error = await client.listClusters().catch(e => e);
    expect(error.statusCode).toBe(504);
    expect(describeApiError(error)).toContain('upstream timed out');
  });
});

describe('describeApiError', () => {
  it('prefers the backend message and lists field errors', async () => {
    const response = jsonResponse(400, {
      error: { name: 'InputError', message: 'Invalid cluster' },
      response: { statusCode: 400 },
      fieldErrors: [{ path: 'spec.replicas', message: 'must be at most 99' }],
    });
    const error = await ResponseError.fromResponse(response);
    expect(describeApiError(error)).toBe('Invalid cluster (spec.replicas: must be at most 99)');
    expect(describeApiError(new Error('offline'))).toBe('offline');
  });
});
