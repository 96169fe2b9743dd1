import 'reflect-metadata';
import { generateKeyPairSync, webcrypto, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as x509 from '@peculiar/x509';
import { createClusterPki } from './pki';
import { isAlive } from './processes';
import { signLeafCert, startChildApiServer, type ChildApiServer } from './childApiServer';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

// An RSA CA, as CAPI's certificate Secrets (and upstream k0smotron) carry.
async function rsaCa(): Promise<{ certPem: string; keyPem: string }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const priv = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
  const jwk = await webcrypto.subtle.exportKey('jwk', priv);
  const pub = await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, n: jwk.n, e: jwk.e }, alg, true, ['verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=kubernetes',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: { privateKey: priv, publicKey: pub },
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { certPem: cert.toString('pem'), keyPem };
}

function get(url: string, tls: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ...tls, timeout: 5000, agent: false }, res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('startChildApiServer', () => {
  let server: ChildApiServer | undefined;
  afterAll(async () => server?.stop());

  it('serves with the given CA, authenticates its client certs, and leaves nothing behind', async () => {
    const base = await createClusterPki({ apiserverDnsNames: [], apiserverIps: [], clients: {} });
    const ca = await rsaCa();
    server = await startChildApiServer({
      pki: {
        caCertPem: ca.certPem,
        caKeyPem: ca.keyPem,
        saPublicKeyPem: base.serviceAccount.publicKeyPem,
        saPrivateKeyPem: base.serviceAccount.privateKeyPem,
        frontProxyCaCertPem: base.frontProxyCa.certPem,
      },
      log: () => {},
    });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const admin = await signLeafCert(ca.certPem, ca.keyPem, { commonName: 'tester', organizations: ['system:masters'], usage: 'client' });
    const ok = await get(`${server.url}/api/v1/namespaces/kube-system`, { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).metadata.name).toBe('kube-system');

    // A client certificate from another CA is not trusted: anonymous → 403.
    const other = await signLeafCert(base.ca.certPem, base.ca.keyPem, { commonName: 'x', organizations: ['system:masters'], usage: 'client' });
    const denied = await get(`${server.url}/api/v1/namespaces/kube-system`, { ca: ca.certPem, cert: other.certPem, key: other.keyPem });
    expect(denied.status).toBe(401);

    // The serving certificate does not verify against an unrelated CA.
    await expect(get(`${server.url}/readyz`, { ca: base.ca.certPem })).rejects.toThrow(/certificate/);

    const pids = server.pids();
    expect(pids).toHaveLength(3); // etcd, kube-apiserver, kube-controller-manager
    expect(fs.existsSync(server.dir)).toBe(true);
    await server.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(server.dir)).toBe(false);
    server = undefined;
  }, 120_000);
});
