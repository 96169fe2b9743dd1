import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { V1Secret } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { createCa, createLeaf, parseCertificate } from '../pki';
import { ChildApiAccess, ChildAccessError, OPERATOR_CHILD_USER } from './access';
import { childApiResolver, parseChildApiMode, staticChildApi } from './resolver';
import { createFunctionalProbe, PROBE_HEALTHY_PERIOD_MS } from './probe';
import { ApiError, type ApiErrorReason } from '@k0smotron/api/kube';
import { ChildApiError, childApiErrorReason, resourceOfPath, toChildApiError } from './client';

const cluster = (over: Partial<Cluster> = {}): Cluster => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'c1', namespace: 'ns1', uid: 'uid-1' },
  spec: { service: { type: 'NodePort', apiPort: 30443 } },
  status: { endpoint: 'https://192.0.2.2:30443' },
  ...over,
});

describe('childApiResolver', () => {
  it('service mode: the Service DNS name for the service type and port', () => {
    expect(childApiResolver('service').resolve(cluster())).toEqual({
      server: 'https://kmc-c1-nodeport.ns1.svc:30443',
      via: 'Service ns1/kmc-c1-nodeport',
    });
    expect(childApiResolver('service').resolve(cluster({ spec: { service: { type: 'ClusterIP', apiPort: 6443 } } }))?.server).toBe(
      'https://kmc-c1.ns1.svc:6443',
    );
  });
  it('endpoint mode: status.endpoint, or nothing yet', () => {
    expect(childApiResolver('endpoint').resolve(cluster())?.server).toBe('https://192.0.2.2:30443');
    expect(childApiResolver('endpoint').resolve(cluster({ status: {} }))).toBeUndefined();
  });
  it('auto: service inside a pod, endpoint outside', () => {
    expect(childApiResolver('auto', { KUBERNETES_SERVICE_HOST: '10.96.0.1' }).resolve(cluster())?.via).toMatch(/^Service/);
    expect(childApiResolver('auto', {}).resolve(cluster())?.via).toBe('status.endpoint');
  });
  it('static and flag parsing', () => {
    expect(staticChildApi(() => 'https://127.0.0.1:1/').resolve(cluster())?.server).toBe('https://127.0.0.1:1');
    expect(parseChildApiMode('service')).toBe('service');
    expect(() => parseChildApiMode('proxy')).toThrow(/--child-api "proxy" is not one of auto, service, endpoint/);
  });
});

describe('ChildApiAccess and the functional probe against a real TLS server', () => {
  let caSecret: V1Secret | undefined;
  let reads = 0;
  const readSecret = async (ns: string, name: string) => {
    reads++;
    return ns === 'ns1' && name === 'c1-ca' ? caSecret : undefined;
  };
  let server: https.Server;
  let url = '';
  let answer: 'ok' | 'missing' | 'hang' = 'ok';
  const seenClients: string[] = [];
  let handshakes = 0;
  let openSockets = 0;
  const node = (ready: string | undefined) => ({ status: { conditions: ready ? [{ type: 'Ready', status: ready }] : [] } });
  // The child's Nodes; undefined = /api/v1/nodes fails (404).
  let nodes: unknown[] | undefined = [node('True'), node('False'), node(undefined)];

  beforeAll(async () => {
    const now = new Date();
    const ca = await createCa('kubernetes', now, 1);
    const serving = await createLeaf(ca, { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], usages: ['server'], validityDays: 1 }, now);
    caSecret = {
      metadata: { name: 'c1-ca' },
      data: { 'tls.crt': Buffer.from(ca.cert).toString('base64'), 'tls.key': Buffer.from(ca.key).toString('base64') },
    };
    server = https.createServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seenClients.push(`${peer.subject.CN}/${String(peer.subject.O)}`);
      if (answer === 'hang') return; // never answers
      if (answer === 'ok' && req.url === '/api/v1/nodes' && nodes) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'NodeList', items: nodes }));
      }
      if (answer === 'missing' || req.url !== '/api/v1/namespaces/kube-system') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'Status', message: 'namespaces "kube-system" not found' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: 'kube-system' } }));
    });
    server.keepAliveTimeout = 60_000;
    server.on('secureConnection', (s: TLSSocket) => {
      handshakes++;
      openSockets++;
      s.on('close', () => openSockets--);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  it('signs one client certificate per cluster from its CA and reuses it', async () => {
    const access = new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret });
    const c = cluster();
    const a = await access.client(c);
    const b = await access.client(c);
    expect(reads).toBe(1);
    // Same credentials object reused: no second signature.
    expect((a as unknown as { creds: unknown }).creds).toBe((b as unknown as { creds: unknown }).creds);
    const cert = parseCertificate((a as unknown as { creds: { certPem: string } }).creds.certPem);
    expect(cert.subject).toBe(`O=system:masters\nCN=${OPERATOR_CHILD_USER}`);
  });

  it("signs from the user's own CA when spec.certificateRefs names one", async () => {
    const names: string[] = [];
    const ownCa = async (ns: string, name: string) => {
      names.push(name);
      return name === 'corp-ca' ? caSecret : undefined;
    };
    const access = new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret: ownCa });
    const byo = cluster({ spec: { service: { type: 'NodePort', apiPort: 30443 }, certificateRefs: [{ type: 'ca', name: 'corp-ca' }] } });
    await access.client(byo);
    expect(names).toEqual(['corp-ca']);
  });

  it('says why when the CA or the address is missing', async () => {
    const access = new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret });
    await expect(access.client(cluster({ metadata: { name: 'other', namespace: 'ns1', uid: 'u2' } }))).rejects.toMatchObject({
      reason: 'CertificatesNotReady',
    });
    const noAddr = new ChildApiAccess({ resolver: childApiResolver('endpoint'), readSecret });
    await expect(noAddr.client(cluster({ status: {} }))).rejects.toBeInstanceOf(ChildAccessError);
  });

  it('probe: True when kube-system answers, False with a reason and growing backoff otherwise', async () => {
    const access = new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret });
    const probe = createFunctionalProbe(access, { timeoutMs: 500 });
    answer = 'ok';
    const up = await probe(cluster());
    expect(up).toMatchObject({ status: 'True', reason: 'KubeSystemNamespaceFound', recheckAfterMs: PROBE_HEALTHY_PERIOD_MS });
    expect(seenClients.at(-1)).toBe('k0smotron-operator/system:masters');
    // The same visit counts the workers: every Node, and the Ready ones.
    expect(up.workers).toEqual({ total: 3, ready: 1 });
    nodes = [];
    expect((await probe(cluster())).workers).toEqual({ total: 0, ready: 0 });
    // A failed node list does not make the control plane less functional: True, no count.
    nodes = undefined;
    const uncounted = await probe(cluster());
    expect(uncounted).toMatchObject({ status: 'True', reason: 'KubeSystemNamespaceFound' });
    expect(uncounted.workers).toBeUndefined();

    answer = 'missing';
    const r1 = await probe(cluster());
    expect(r1).toMatchObject({ status: 'False', reason: 'NotFound', recheckAfterMs: 5000 });
    expect(r1.message).toMatch(/404 namespaces "kube-system" not found/);
    answer = 'hang';
    const r2 = await probe(cluster());
    expect(r2).toMatchObject({ status: 'False', reason: 'Timeout', recheckAfterMs: 10000 });

    const closed = createFunctionalProbe(new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1'), readSecret }));
    expect(await closed(cluster())).toMatchObject({ status: 'False', reason: 'Unreachable' });

    answer = 'ok';
    expect(await probe(cluster())).toMatchObject({ status: 'True', recheckAfterMs: PROBE_HEALTHY_PERIOD_MS });
    // Backoff restarts after a success.
    answer = 'missing';
    expect((await probe(cluster())).recheckAfterMs).toBe(5000);
  });

  it('probe: a server whose certificate the CA did not sign is a TLS error', async () => {
    const now = new Date();
    const otherCa = await createCa('other', now, 1);
    const secret: V1Secret = {
      data: { 'tls.crt': Buffer.from(otherCa.cert).toString('base64'), 'tls.key': Buffer.from(otherCa.key).toString('base64') },
    };
    const probe = createFunctionalProbe(new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret: async () => secret }));
    expect(await probe(cluster())).toMatchObject({ status: 'False', reason: 'TLSError' });
  });

  it('probe: one TLS connection per visit, closed when the visit ends', async () => {
    answer = 'ok';
    nodes = [node('True')];
    const probe = createFunctionalProbe(new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret }), { timeoutMs: 2000 });
    for (let i = 0; i < 200 && openSockets > 0; i++) await new Promise(r => setTimeout(r, 10));
    const before = handshakes;
    expect(await probe(cluster())).toMatchObject({ status: 'True', workers: { total: 1, ready: 1 } });
    // Both reads (kube-system, then the Nodes) went over one handshake.
    expect(handshakes - before).toBe(1);
    for (let i = 0; i < 200 && openSockets > 0; i++) await new Promise(r => setTimeout(r, 10));
    expect(openSockets).toBe(0);
  });

  it('client: counts its requests, refuses an aborted signal unsent, says where it could not reach', async () => {
    answer = 'ok';
    const client = await new ChildApiAccess({ resolver: staticChildApi(() => url), readSecret }).client(cluster());
    try {
      const sent = seenClients.length;
      const ac = new AbortController();
      ac.abort(new Error('leader election lost'));
      const refused = await client
        .request('DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef', undefined, { signal: ac.signal })
        .catch(e => e);
      expect(refused).toBeInstanceOf(ChildApiError);
      expect(refused).toMatchObject({ reason: 'Unreachable', message: expect.stringMatching(/not sent: leader election lost/) });
      expect(seenClients.length).toBe(sent);
      await client.request('GET', '/api/v1/namespaces/kube-system');
      expect(client.requestCounts()).toEqual({ 'get namespaces 200': 1 });
    } finally {
      client.close();
    }
    const down = await new ChildApiAccess({ resolver: staticChildApi(() => 'https://127.0.0.1:1'), readSecret }).client(cluster());
    const err = await down.request('GET', '/api/v1/nodes').catch(e => e);
    expect(err).toMatchObject({
      reason: 'Unreachable',
      message: expect.stringMatching(/^cannot reach https:\/\/127\.0\.0\.1:1 \(configured address\): ECONNREFUSED \(connect ECONNREFUSED/),
    });
  });
});

describe("the child's error reasons from KubeApi's", () => {
  it('keeps the condition reasons: only 401/403/404/409 answers have their own, failures without an answer say which', () => {
    const table: Array<[ApiErrorReason, number, string]> = [
      ['Unauthorized', 401, 'Unauthorized'],
      ['Forbidden', 403, 'Forbidden'],
      ['NotFound', 404, 'NotFound'],
      ['Conflict', 409, 'Conflict'],
      ['Gone', 410, 'Other'],
      ['Invalid', 422, 'Other'],
      ['TooManyRequests', 429, 'Other'],
      ['ServerError', 500, 'Other'],
      ['Timeout', 504, 'Other'],
      ['Other', 400, 'Other'],
      ['Unreachable', 0, 'Unreachable'],
      ['TLSError', 0, 'TLSError'],
      ['Timeout', 0, 'Timeout'],
      ['Aborted', 0, 'Unreachable'],
    ];
    for (const [reason, status, child] of table) expect([reason, status, childApiErrorReason(reason, status)]).toEqual([reason, status, child]);
  });

  it('messages name the server, and for answers the status and the API message', () => {
    const req = { method: 'GET', path: '/api/v1/nodes', where: 'https://x:6443 (status.endpoint)', timeoutMs: 10_000 };
    const answered = toChildApiError(
      new ApiError('GET /api/v1/nodes: nodes is forbidden', 403, 'Forbidden', { kind: 'Status', message: 'nodes is forbidden' }),
      req,
    );
    expect(answered).toMatchObject({
      reason: 'Forbidden',
      status: 403,
      message: 'GET /api/v1/nodes on https://x:6443 (status.endpoint): 403 nodes is forbidden',
    });
    const html = toChildApiError(new ApiError('GET /api/v1/nodes: HTTP 502', 502, 'ServerError', '<html>bad gateway</html>'), req);
    expect(html.message).toBe('GET /api/v1/nodes on https://x:6443 (status.endpoint): 502 <html>bad gateway</html>');
    const late = toChildApiError(new ApiError('GET /api/v1/nodes: no answer within 10 s', 0, 'Timeout'), req);
    expect(late).toMatchObject({ reason: 'Timeout', message: 'https://x:6443 (status.endpoint) did not answer within 10 s' });
  });

  it('resourceOfPath: the resource a path names', () => {
    expect(resourceOfPath('/api/v1/namespaces/kube-system')).toBe('namespaces');
    expect(resourceOfPath('/api/v1/nodes')).toBe('nodes');
    expect(resourceOfPath('/api/v1/namespaces/kube-system/secrets/bootstrap-token-a')).toBe('secrets');
    expect(resourceOfPath('/apis/apps/v1/namespaces/a/deployments?limit=1')).toBe('deployments');
    expect(resourceOfPath('/version')).toBe('version');
  });
});
