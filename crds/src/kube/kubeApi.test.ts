// KubeApi against a tiny local HTTP server standing in for misbehaving API servers (a stalled
// watch, a kept-alive socket closed by the server) — faults a real kube-apiserver will not
// produce on demand.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, isAborted, KubeApi, networkErrorReason, writeRequests } from './kubeApi';

async function serve(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('KubeApi', () => {
  it('sends the bearer token, parses Status errors, counts requests by verb, resource and code', async () => {
    const seen: string[] = [];
    const { url, server } = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      if (req.url?.startsWith('/api/v1/namespaces/a/configmaps/missing')) {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ kind: 'Status', code: 404, message: 'configmaps "missing" not found' }));
      } else {
        res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"kind":"ConfigMap"}');
      }
    });
    const api = new KubeApi(kubeConfig(url));
    try {
      await api.request('create', 'configmaps', 'POST', '/api/v1/namespaces/a/configmaps', { body: { x: 1 } });
      const err = await api.request('get', 'configmaps', 'GET', '/api/v1/namespaces/a/configmaps/missing').catch(e => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 404, reason: 'NotFound', message: expect.stringContaining('configmaps "missing" not found') });
      expect(seen[0]).toBe('POST /api/v1/namespaces/a/configmaps Bearer test-token');
      expect(api.requestCounts()).toEqual({ 'create configmaps 201': 1, 'get configmaps 404': 1 });
      expect(writeRequests(api.requestCounts())).toBe(1);
      expect(writeRequests({ ...api.requestCounts(), 'update leases 200': 5 }, { exclude: ['leases'] })).toBe(1);
    } finally {
      api.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });

  it('applies the client-wide timeout unless a request sets its own; with none a slow answer arrives and an abort still cuts the request; reports each request before it is sent', async () => {
    let answer = true;
    const { url, server } = await serve((_req, res) => {
      if (!answer) return; // silent: neither headers nor a body
      setTimeout(() => res.end('{}'), 300);
    });
    const sent: string[] = [];
    const quick = new KubeApi(kubeConfig(url), undefined, { requestTimeoutMs: 100, onSend: (method, u) => sent.push(`${method} ${u}`) });
    const patient = new KubeApi(kubeConfig(url), undefined, { requestTimeoutMs: 0 });
    try {
      const err = await quick.request('list', 'pods', 'GET', '/api/v1/pods', { query: { labelSelector: 'a=b' } }).catch(e => e);
      expect(err).toMatchObject({ status: 0, reason: 'Timeout' });
      expect(sent).toEqual([`GET ${url}/api/v1/pods?labelSelector=a%3Db`]);
      // A per-request timeout still overrides the client's.
      await expect(quick.request('list', 'pods', 'GET', '/api/v1/pods', { timeoutMs: 2000 })).resolves.toEqual({});
      // With no timeout (0) an answer that takes its time arrives; only the signal ends a silent one.
      await expect(patient.request('list', 'pods', 'GET', '/api/v1/pods')).resolves.toEqual({});
      answer = false;
      const cut = new AbortController();
      setTimeout(() => cut.abort(), 500);
      await expect(patient.request('list', 'pods', 'GET', '/api/v1/pods', { signal: cut.signal })).rejects.toMatchObject({ reason: 'Aborted' });
    } finally {
      quick.close();
      patient.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });

  it('declares a silent watch dead shortly after its server-side timeout', async () => {
    const { url, server } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders(); // then nothing, ever: a half-open connection
    });
    const api = new KubeApi(kubeConfig(url), undefined, { watchGraceMs: 200 });
    try {
      const started = Date.now();
      const ac = new AbortController();
      const err = await api.watch('configmaps', '/api/v1/configmaps', { timeoutSeconds: 1 }, () => undefined, ac.signal).catch(e => e);
      expect(err).toBeInstanceOf(Error);
      expect(String(err.message)).toMatch(/stalled|closed/);
      // Ended by the stall check (the server never closes the stream), not before the watch's
      // own timeout: without the check this case would hang until jest's timeout.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      api.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });

  it('retries once when the server drops a kept-alive socket as a request arrives on it', async () => {
    const served = new WeakMap<object, number>();
    let dropped = 0;
    let answered = 0;
    const { url, server } = await serve((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) {
        dropped++; // the race Node documents for `reusedSocket`: server closes the idle socket
        req.socket.destroy();
        return;
      }
      answered++;
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'keep-alive' }).end('{}');
    });
    const api = new KubeApi(kubeConfig(url));
    try {
      await api.request('get', 'configmaps', 'GET', '/api/v1/configmaps');
      await api.request('get', 'configmaps', 'GET', '/api/v1/configmaps');
      expect({ dropped, answered }).toEqual({ dropped: 1, answered: 2 });
      expect(api.requestCounts()).toEqual({ 'get configmaps 200': 2 });
    } finally {
      api.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });

  it('refuses a request whose signal has aborted, or whose beforeSend throws, without sending it; cuts one in flight', async () => {
    const seen: string[] = [];
    let closedByClient = 0;
    const { url, server } = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.includes('/hang')) {
        res.on('close', () => closedByClient++); // never answered: only the client can end it
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    const api = new KubeApi(kubeConfig(url));
    try {
      const ac = new AbortController();
      ac.abort(new Error('leader election lost'));
      const refused = await api.request('patch', 'secrets', 'PATCH', '/api/v1/namespaces/a/secrets/s', { body: {}, signal: ac.signal }).catch(e => e);
      expect(refused).toMatchObject({ reason: 'Aborted', message: expect.stringMatching(/not sent: leader election lost/) });
      expect(isAborted(refused)).toBe(true);
      const guarded = await api
        .request('delete', 'secrets', 'DELETE', '/api/v1/namespaces/a/secrets/s', {
          beforeSend: () => {
            throw new Error('past the renew deadline');
          },
        })
        .catch(e => e);
      expect(guarded).toMatchObject({ reason: 'Aborted', message: expect.stringMatching(/not sent: past the renew deadline/) });
      expect(seen).toEqual([]);
      expect(api.requestCounts()).toEqual({});

      const inFlight = new AbortController();
      const pending = api.request('create', 'secrets', 'POST', '/api/v1/namespaces/a/secrets/hang', { body: {}, signal: inFlight.signal }).catch(e => e);
      for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise(r => setTimeout(r, 10));
      expect(seen).toEqual(['POST /api/v1/namespaces/a/secrets/hang']);
      inFlight.abort(new Error('leader election lost'));
      const cut = await pending;
      expect(cut).toMatchObject({ reason: 'Aborted', message: expect.stringMatching(/cut in flight: leader election lost/) });
      for (let i = 0; i < 200 && closedByClient === 0; i++) await new Promise(r => setTimeout(r, 10));
      expect(closedByClient).toBe(1);
    } finally {
      api.close();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });

  it('networkErrorReason: codes and OpenSSL texts', () => {
    const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
    expect(networkErrorReason(err('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBe('Unreachable');
    expect(networkErrorReason(err('getaddrinfo ENOTFOUND x', 'ENOTFOUND'))).toBe('Unreachable');
    expect(networkErrorReason(err('socket hang up', 'ECONNRESET'))).toBe('Unreachable');
    expect(networkErrorReason(err('certificate has expired', 'CERT_HAS_EXPIRED'))).toBe('TLSError');
    expect(networkErrorReason(err('ssl3_read_bytes:tlsv13 alert certificate required', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toBe('TLSError');
    expect(networkErrorReason(err('wrong version number'))).toBe('Unreachable');
    expect(networkErrorReason(err('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT'))).toBe('Timeout');
  });
});
