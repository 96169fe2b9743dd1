// KubeApi over TLS with client certificates, as the operator reaches each child API server:
// a local HTTPS server with certificates from the operator's own PKI stands in for a child, so
// each TLS failure (unknown CA, wrong name, rejected client certificate) can be made on demand.
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, KubeApi } from '@k0smotron/api/kube';
import { createCa, createLeaf, type CertKeyPem } from '../pki';

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** A KubeConfig as a child API server's client uses it: CA, client certificate, optional TLS server name. */
function certKubeConfig(server: string, ca: string, client: CertKeyPem, tlsServerName?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: b64(ca), skipTLSVerify: false, ...(tlsServerName ? { tlsServerName } : {}) }],
    users: [{ name: 'u', certData: b64(client.cert), keyData: b64(client.key) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function close(server: https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise(r => server.close(r));
}

describe('over TLS with a client certificate', () => {
  const now = new Date();
  const ca = createCa('test-ca', now, 1);
  // Valid only for a DNS name, not for 127.0.0.1: reaching it by address needs tlsServerName.
  const serving = createLeaf(ca, { commonName: 'child', dnsNames: ['child.example'], usages: ['server'], validityDays: 1 }, now);
  const client = createLeaf(ca, { commonName: 'operator', organizations: ['system:masters'], usages: ['client'], validityDays: 1 }, now);
  let server: https.Server;
  let url = '';
  const peers: string[] = [];
  let connections = 0;
  let open = 0;
  let hang = false;

  beforeAll(async () => {
    server = https.createServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      peers.push(String((req.socket as TLSSocket).getPeerCertificate().subject.CN));
      if (hang) return;
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' }).end('{"kind":"Secret"}');
    });
    server.keepAliveTimeout = 60_000;
    server.on('secureConnection', s => {
      connections++;
      open++;
      s.on('close', () => open--);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => close(server));

  it('presents the client certificate, verifies the server against the CA under tlsServerName, answers the status', async () => {
    const api = new KubeApi(certKubeConfig(url, ca.cert, client, 'child.example'));
    try {
      const created = await api.requestWithStatus<{ kind: string }>('create', 'secrets', 'POST', '/api/v1/namespaces/a/secrets', { body: {} });
      expect(created).toEqual({ status: 201, body: { kind: 'Secret' } });
      expect(await api.requestWithStatus('get', 'secrets', 'GET', '/api/v1/namespaces/a/secrets/s')).toMatchObject({ status: 200 });
      expect(peers.slice(-2)).toEqual(['operator', 'operator']);
    } finally {
      api.close();
    }
  });

  it('classifies failures without an answer: TLS, timeout, refused connection', async () => {
    // The address is not in the server's certificate and no tlsServerName says otherwise.
    const noName = new KubeApi(certKubeConfig(url, ca.cert, client));
    // A CA that did not sign the server's certificate.
    const otherCa = createCa('other', now, 1);
    const wrongCa = new KubeApi(certKubeConfig(url, otherCa.cert, client, 'child.example'));
    const slow = new KubeApi(certKubeConfig(url, ca.cert, client, 'child.example'));
    const refused = new KubeApi(certKubeConfig('https://127.0.0.1:1', ca.cert, client));
    try {
      const altName = await noName.request('get', 'secrets', 'GET', '/api/v1/secrets').catch(e => e);
      expect(altName).toMatchObject({ status: 0, reason: 'TLSError', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      const untrusted = await wrongCa.request('get', 'secrets', 'GET', '/api/v1/secrets').catch((e: ApiError) => e);
      expect(untrusted).toMatchObject({ status: 0, reason: 'TLSError' });
      expect((untrusted as ApiError).cause).toMatchObject({ message: expect.stringMatching(/certificate/) });

      hang = true;
      const started = Date.now();
      const timedOut = await slow.request('get', 'secrets', 'GET', '/api/v1/secrets', { timeoutMs: 300 }).catch(e => e);
      expect(timedOut).toMatchObject({ status: 0, reason: 'Timeout', message: 'GET /api/v1/secrets: no answer within 0.3 s' });
      expect(Date.now() - started).toBeLessThan(5000);
      hang = false;

      const down = await refused.request('get', 'secrets', 'GET', '/api/v1/secrets').catch(e => e);
      expect(down).toBeInstanceOf(ApiError);
      expect(down).toMatchObject({ status: 0, reason: 'Unreachable', code: 'ECONNREFUSED' });
      expect(refused.requestCounts()).toEqual({ 'get secrets 0': 1 });
    } finally {
      hang = false;
      for (const api of [noName, wrongCa, slow, refused]) api.close();
    }
  });

  it('idleSocketMs: requests share one kept-alive connection, which closes once idle that long', async () => {
    const quick = new KubeApi(certKubeConfig(url, ca.cert, client, 'child.example'), undefined, { idleSocketMs: 300 });
    const lasting = new KubeApi(certKubeConfig(url, ca.cert, client, 'child.example'));
    try {
      for (let i = 0; i < 200 && open > 0; i++) await new Promise(r => setTimeout(r, 10));
      const before = connections;
      await quick.request('get', 'secrets', 'GET', '/api/v1/secrets');
      await quick.request('get', 'secrets', 'GET', '/api/v1/secrets');
      await lasting.request('get', 'secrets', 'GET', '/api/v1/secrets');
      expect(connections - before).toBe(2);
      expect(open).toBe(2);
      for (let i = 0; i < 300 && open > 1; i++) await new Promise(r => setTimeout(r, 10));
      // The quick one's connection is gone; the default (30 s) one is still there.
      expect(open).toBe(1);
    } finally {
      quick.close();
      lasting.close();
    }
  });
});
