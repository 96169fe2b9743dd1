import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { V1Secret } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { createCa, createLeaf, parseCertificate } from '../pki';
import { ChildApiAccess, ChildAccessError, OPERATOR_CHILD_USER } from './access';
import { childApiResolver, parseChildApiMode, staticChildApi } from './resolver';
import { createFunctionalProbe, PROBE_HEALTHY_PERIOD_MS } from './probe';

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
});
