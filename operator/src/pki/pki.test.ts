import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import * as tls from 'node:tls';
import { parse } from 'yaml';
import {
  Semaphore,
  adminKubeconfigNames,
  createCa,
  etcdSans,
  generatePki,
  importSigningKey,
  kubeconfigRenewal,
  requiredPurposes,
  signAdminKubeconfig,
  ADMIN_CERT_VALIDITY_DAYS,
  ANNOTATION_KUBECONFIG_CA_VERSION,
  ANNOTATION_KUBECONFIG_NOT_AFTER,
  ANNOTATION_KUBECONFIG_NOT_BEFORE,
  ANNOTATION_KUBECONFIG_SERVER,
} from './index';

const now = new Date('2026-01-01T00:00:00Z');

describe('generatePki', () => {
  it('generates every purpose of an etcd cluster, verified by OpenSSL', async () => {
    const pki = await generatePki({ missing: requiredPurposes('etcd'), etcdServiceName: 'kmc-a-etcd', namespace: 'ns1', now });
    expect(Object.keys(pki).sort()).toEqual(['apiserver-etcd-client', 'ca', 'etcd', 'etcd-peer', 'etcd-server', 'proxy', 'sa'].sort());
    for (const purpose of ['ca', 'proxy', 'etcd'] as const) {
      const ca = new X509Certificate(pki[purpose]!.cert);
      expect(ca.ca).toBe(true);
      expect(ca.subject).toBe('CN=kubernetes');
      expect(ca.verify(ca.publicKey)).toBe(true);
      expect(ca.checkPrivateKey(createPrivateKey(pki[purpose]!.key))).toBe(true);
      expect(new Date(ca.validTo).getTime()).toBeGreaterThan(now.getTime() + 3649 * 86400_000);
      expect(pki[purpose]!.key).toContain('BEGIN EC PRIVATE KEY');
    }
    const etcdCa = new X509Certificate(pki.etcd!.cert);
    const server = new X509Certificate(pki['etcd-server']!.cert);
    expect(server.ca).toBe(false);
    expect(server.subject).toBe('CN=etcd-server');
    expect(server.verify(etcdCa.publicKey)).toBe(true);
    expect(server.checkIssued(etcdCa)).toBe(true);
    expect(server.verify(new X509Certificate(pki.ca!.cert).publicKey)).toBe(false);
    expect(server.checkHost('kmc-a-etcd')).toBe('kmc-a-etcd');
    // OpenSSL refuses single-label wildcards such as *.kmc-a-etcd; Go (etcd) accepts them.
    expect(server.subjectAltName).toContain('DNS:*.kmc-a-etcd,');
    expect(server.checkHost('kmc-a-etcd.ns1.svc.cluster.local')).toBeDefined();
    expect(server.checkHost('kmc-a-etcd-0.kmc-a-etcd.ns1.svc')).toBeDefined();
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('kmc-b-etcd')).toBeUndefined();
    expect(server.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    const client = new X509Certificate(pki['apiserver-etcd-client']!.cert);
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(new X509Certificate(pki['etcd-peer']!.cert).subject).toBe('CN=etcd-peer');

    // sa: tls.crt holds the public key of tls.key.
    const saPub = createPublicKey(pki.sa!.cert);
    expect(pki.sa!.cert).toContain('BEGIN PUBLIC KEY');
    const signature = createSign('SHA256').update('token').sign(createPrivateKey(pki.sa!.key));
    expect(createVerify('SHA256').update('token').verify(saPub, signature)).toBe(true);
  });

  it('generates only the CAs for kine', async () => {
    const pki = await generatePki({ missing: requiredPurposes('kine'), etcdServiceName: 'x', namespace: 'n', now });
    expect(Object.keys(pki).sort()).toEqual(['ca', 'etcd', 'proxy', 'sa']);
  });

  it('signs missing leaves with an existing etcd CA and refuses without one', async () => {
    const etcdCa = await createCa('kubernetes', now, 10);
    const pki = await generatePki({ missing: ['etcd-peer'], existingEtcdCa: etcdCa, etcdServiceName: 's', namespace: 'n', now });
    expect(Object.keys(pki)).toEqual(['etcd-peer']);
    expect(new X509Certificate(pki['etcd-peer']!.cert).verify(new X509Certificate(etcdCa.cert).publicKey)).toBe(true);
    await expect(generatePki({ missing: ['etcd-server'], etcdServiceName: 's', namespace: 'n', now })).rejects.toThrow(/etcd CA is needed/);
  });

  it('serves real TLS with mutual authentication using the etcd certificates', async () => {
    const pki = await generatePki({ missing: requiredPurposes('etcd'), etcdServiceName: 'kmc-t-etcd', namespace: 'd', now: new Date() });
    const server = tls.createServer(
      {
        cert: pki['etcd-server']!.cert,
        key: pki['etcd-server']!.key,
        ca: pki.etcd!.cert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      socket => socket.end('ok'),
    );
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port,
          servername: 'kmc-t-etcd',
          ca: pki.etcd!.cert,
          cert: pki['apiserver-etcd-client']!.cert,
          key: pki['apiserver-etcd-client']!.key,
        });
        let data = '';
        socket.on('data', d => (data += d));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(reply).toBe('ok');
    } finally {
      server.close();
    }
  });

  it('imports RSA and EC signing keys and rejects garbage with a clear message', async () => {
    const ca = createCa('kubernetes', now, 1);
    expect(importSigningKey(ca.key).algorithm).toBe('ecdsa-with-SHA256');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(importSigningKey(p384).algorithm).toBe('ecdsa-with-SHA384');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(importSigningKey(rsa).algorithm).toBe('sha256WithRSAEncryption');
    expect(() => importSigningKey('not a key')).toThrow(/not a readable PEM key/);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => importSigningKey(ed)).toThrow(/ed25519 is not supported/);
  });
});

describe('etcdSans', () => {
  it('lists loopback, service names and wildcards', () => {
    expect(etcdSans('kmc-x-etcd', 'ns')).toEqual({
      dnsNames: [
        'localhost',
        'kmc-x-etcd',
        'kmc-x-etcd.ns.svc',
        'kmc-x-etcd.ns.svc.cluster.local',
        '*.kmc-x-etcd',
        '*.kmc-x-etcd.ns.svc',
        '*.kmc-x-etcd.ns.svc.cluster.local',
      ],
      ipAddresses: ['127.0.0.1'],
    });
  });
});

describe('signAdminKubeconfig', () => {
  it('writes upstream names, the endpoint and an admin/system:masters client certificate', async () => {
    const ca = await createCa('kubernetes', now, 3650);
    const kc = await signAdminKubeconfig({ clusterName: 'my', server: 'https://192.0.2.2:30443', ca, now });
    const doc = parse(kc.yaml);
    const names = adminKubeconfigNames('my');
    expect(names).toEqual({ cluster: 'my-k0s', user: 'my-admin', context: 'my-admin@my-k0s' });
    expect(doc['current-context']).toBe('my-admin@my-k0s');
    expect(doc.clusters[0]).toMatchObject({ name: 'my-k0s', cluster: { server: 'https://192.0.2.2:30443' } });
    expect(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(ca.cert);
    expect(doc.contexts[0]).toEqual({ name: 'my-admin@my-k0s', context: { cluster: 'my-k0s', user: 'my-admin' } });
    const cert = new X509Certificate(Buffer.from(doc.users[0].user['client-certificate-data'], 'base64'));
    expect(cert.subject.split('\n').sort()).toEqual(['CN=admin', 'O=system:masters']);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(Buffer.from(doc.users[0].user['client-key-data'], 'base64')))).toBe(true);
    expect(kc.notAfter.getTime() - now.getTime()).toBe(ADMIN_CERT_VALIDITY_DAYS * 86400_000);
  });
});

describe('kubeconfigRenewal', () => {
  const annotations = {
    [ANNOTATION_KUBECONFIG_SERVER]: 'https://a:1',
    [ANNOTATION_KUBECONFIG_NOT_BEFORE]: '2026-01-01T00:00:00.000Z',
    [ANNOTATION_KUBECONFIG_NOT_AFTER]: '2027-01-01T00:00:00.000Z',
    [ANNOTATION_KUBECONFIG_CA_VERSION]: '7',
  };
  // A year-long certificate judged under a year-long lifetime: the 2/3 rule on its own.
  const base = { existingAnnotations: annotations, exists: true, server: 'https://a:1', caVersion: '7', lifetimeDays: 365 };
  it('keeps a fresh kubeconfig and says when to look again', () => {
    const r = kubeconfigRenewal({ ...base, now: new Date('2026-06-01T00:00:00Z') });
    expect(r.renew).toBe(false);
    // 2/3 of 365 days after notBefore
    expect(r.renewAt!.toISOString()).toBe(new Date(Date.parse('2027-01-01T00:00:00Z') - (365 * 86400_000) / 3).toISOString());
  });
  it('renews in the last third of the lifetime', () => {
    expect(kubeconfigRenewal({ ...base, now: new Date('2026-09-10T00:00:00Z') })).toMatchObject({ renew: true, reason: 'Expiring' });
  });
  it('renews when missing, when the endpoint or CA changes, or when unreadable', () => {
    const n = new Date('2026-02-01T00:00:00Z');
    expect(kubeconfigRenewal({ ...base, exists: false, now: n }).reason).toBe('Missing');
    expect(kubeconfigRenewal({ ...base, server: 'https://b:1', now: n }).reason).toBe('EndpointChanged');
    expect(kubeconfigRenewal({ ...base, caVersion: '8', now: n }).reason).toBe('CaChanged');
    expect(kubeconfigRenewal({ ...base, existingAnnotations: {}, now: n }).reason).toBe('Unreadable');
  });
});

describe('Semaphore', () => {
  it('never runs more than its limit at once and keeps order', async () => {
    const sem = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map(i =>
        sem.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise(r => setTimeout(r, 5));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(() => new Semaphore(0)).toThrow(/positive integer/);
  });
  it('releases its slot when the task fails', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(sem.run(async () => 3)).resolves.toBe(3);
  });
});
