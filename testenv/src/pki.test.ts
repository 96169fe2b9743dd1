import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { apiserverSans, createClusterPki, distinguishedName, type ClusterPki } from './pki';

describe('createClusterPki', () => {
  let pki: ClusterPki;
  const sans = apiserverSans('10.96.0.1');

  beforeAll(async () => {
    pki = await createClusterPki({
      apiserverDnsNames: [...sans.dnsNames, 'my-host'],
      apiserverIps: sans.ips,
      clients: {
        admin: { commonName: 'admin', organizations: ['system:masters'] },
        node: { commonName: 'system:node:hollow-node-1', organizations: ['system:nodes'] },
      },
      validityDays: 2,
    });
  });

  const cert = (pem: string) => new X509Certificate(pem);

  it('makes self-signed CAs', () => {
    for (const ca of [pki.ca, pki.frontProxyCa]) {
      const c = cert(ca.certPem);
      expect(c.ca).toBe(true);
      expect(c.verify(c.publicKey)).toBe(true);
      expect(c.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
    }
    expect(cert(pki.ca.certPem).subject).not.toBe(cert(pki.frontProxyCa.certPem).subject);
  });

  it('signs the apiserver serving certificate with the cluster CA, with every SAN', () => {
    const ca = cert(pki.ca.certPem);
    const c = cert(pki.apiserver.certPem);
    expect(c.ca).toBe(false);
    expect(c.verify(ca.publicKey)).toBe(true);
    expect(c.verify(cert(pki.frontProxyCa.certPem).publicKey)).toBe(false);
    expect(c.checkIssued(ca)).toBe(true);
    expect(c.checkPrivateKey(createPrivateKey(pki.apiserver.keyPem))).toBe(true);
    for (const host of ['localhost', 'kubernetes', 'kubernetes.default.svc.cluster.local', 'my-host']) {
      expect(c.checkHost(host)).toBe(host);
    }
    expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(c.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(c.checkIP('10.96.0.2')).toBeUndefined();
    expect(c.checkHost('example.com')).toBeUndefined();
    expect(c.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
  });

  it('issues client certificates whose CN/O are the Kubernetes user and groups', () => {
    const ca = cert(pki.ca.certPem);
    const admin = cert(pki.clients.admin.certPem);
    expect(admin.verify(ca.publicKey)).toBe(true);
    expect(admin.subject.split('\n').sort()).toEqual(['CN=admin', 'O=system:masters']);
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth only
    expect(admin.subjectAltName).toBeUndefined();
    const node = cert(pki.clients.node.certPem);
    expect(node.subject.split('\n').sort()).toEqual(['CN=system:node:hollow-node-1', 'O=system:nodes']);
    expect(node.checkPrivateKey(createPrivateKey(pki.clients.node.keyPem))).toBe(true);
    expect(node.checkPrivateKey(createPrivateKey(pki.clients.admin.keyPem))).toBe(false);
  });

  it('signs the front-proxy client with the front-proxy CA only', () => {
    const c = cert(pki.frontProxyClient.certPem);
    expect(c.subject).toBe('CN=front-proxy-client');
    expect(c.verify(cert(pki.frontProxyCa.certPem).publicKey)).toBe(true);
    expect(c.verify(cert(pki.ca.certPem).publicKey)).toBe(false);
  });

  it('makes a service-account key pair that signs and verifies', () => {
    const data = Buffer.from('token payload');
    const sig = sign('sha256', data, createPrivateKey(pki.serviceAccount.privateKeyPem));
    expect(verify('sha256', data, createPublicKey(pki.serviceAccount.publicKeyPem), sig)).toBe(true);
    expect(pki.serviceAccount.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pki.serviceAccount.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('honours the validity and back-dates the start', () => {
    const c = cert(pki.apiserver.certPem);
    const from = new Date(c.validFrom).getTime();
    const to = new Date(c.validTo).getTime();
    expect(from).toBeLessThan(Date.now() - 30 * 60 * 1000);
    expect(to - Date.now()).toBeGreaterThan(1.9 * 24 * 3600 * 1000);
    expect(to - Date.now()).toBeLessThan(2.1 * 24 * 3600 * 1000);
  });
});

describe('distinguishedName', () => {
  it('puts groups before the CN and escapes special characters', () => {
    expect(distinguishedName('admin', ['system:masters', 'a,b'])).toBe('O=system:masters, O=a\\,b, CN=admin');
    expect(distinguishedName('x=y')).toBe('CN=x\\=y');
  });
});
