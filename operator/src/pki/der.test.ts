// The DER writer against known encodings, and the certificates it builds read back by an
// independent ASN.1 parser (@peculiar/x509) as well as by OpenSSL (node:crypto).
import 'reflect-metadata'; // @peculiar/x509 (via tsyringe) needs a Reflect polyfill
import { X509Certificate as NodeX509, createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { children, directoryString, ipAddressBytes, namedBits, oid, readElement, sequence, smallInteger, time, tlv, unsignedInteger } from './der';
import { createCa, createLeaf, loadIssuer } from './crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const hex = (b: Buffer) => b.toString('hex');
const now = new Date('2026-03-04T05:06:07.890Z');

describe('DER writer', () => {
  it('encodes OIDs, integers, bit strings and lengths as DER requires', () => {
    expect(hex(oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hex(oid('2.5.29.14'))).toBe('0603551d0e');
    expect(() => oid('1')).toThrow(/bad OID/);
    expect(hex(unsignedInteger(Buffer.from([0x80])))).toBe('02020080'); // a zero byte keeps it positive
    expect(hex(unsignedInteger(Buffer.from([0, 0, 1])))).toBe('020101'); // and padding goes
    expect(hex(unsignedInteger(Buffer.from([0])))).toBe('020100');
    expect(hex(smallInteger(2))).toBe('020102');
    expect(hex(smallInteger(256))).toBe('02020100');
    expect(hex(namedBits([0, 5, 6]))).toBe('03020186'); // CA key usage, 1 unused bit
    expect(hex(namedBits([0, 2]))).toBe('030205a0'); // leaf key usage, 5 unused bits
    expect(hex(namedBits([8]))).toBe('0303070080');
    expect(hex(tlv(0x04, Buffer.alloc(127))).slice(0, 4)).toBe('047f');
    expect(hex(tlv(0x04, Buffer.alloc(128))).slice(0, 6)).toBe('048180');
    expect(hex(tlv(0x04, Buffer.alloc(300))).slice(0, 8)).toBe('0482012c');
  });

  it('writes names as PrintableString when it can, UTF8String otherwise (as Go does)', () => {
    expect(hex(directoryString('system:masters'))).toBe(`130e${Buffer.from('system:masters').toString('hex')}`);
    expect(directoryString('a_b')[0]).toBe(0x0c);
    expect(directoryString('Zürich')[0]).toBe(0x0c);
    expect(directoryString('*.example')[0]).toBe(0x0c);
  });

  it('writes UTCTime through 2049 and GeneralizedTime after, in whole seconds', () => {
    expect(time(now).toString('latin1', 2)).toBe('260304050607Z');
    expect(time(now)[0]).toBe(0x17);
    const late = time(new Date('2050-01-01T00:00:00Z'));
    expect(late[0]).toBe(0x18);
    expect(late.toString('latin1', 2)).toBe('20500101000000Z');
  });

  it('reads IPv4 and IPv6 addresses and refuses anything else', () => {
    expect(hex(ipAddressBytes('127.0.0.1'))).toBe('7f000001');
    expect(hex(ipAddressBytes('::1'))).toBe('00000000000000000000000000000001');
    expect(hex(ipAddressBytes('2001:db8::8:1'))).toBe('20010db8000000000000000000080001');
    expect(hex(ipAddressBytes('fe80:0:0:0:0:0:0:1'))).toBe('fe800000000000000000000000000001');
    for (const bad of ['256.0.0.1', '1.2.3', 'localhost', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::1']) {
      expect(() => ipAddressBytes(bad)).toThrow(/not an IPv4 or IPv6 address/);
    }
  });

  it('reads back what it wrote and refuses truncated input', () => {
    const der = sequence(oid('2.5.4.3'), smallInteger(7));
    const [first, second] = children(readElement(der).contents);
    expect(hex(first.raw)).toBe('0603550403');
    expect(hex(second.contents)).toBe('07');
    expect(() => readElement(der.subarray(0, der.length - 1))).toThrow(/past the end/);
    expect(() => readElement(Buffer.from([0x30]))).toThrow(/truncated/);
  });
});

describe('certificates', () => {
  it('a CA carries basic constraints, CA key usages and a subject key identifier', () => {
    const ca = createCa('kubernetes', now, 3650);
    const cert = new x509.X509Certificate(ca.cert);
    expect(cert.subject).toBe('CN=kubernetes');
    expect(cert.issuer).toBe('CN=kubernetes');
    expect(cert.notBefore.toISOString()).toBe('2026-03-04T05:01:07.000Z'); // 5 minutes of clock skew
    expect(cert.notAfter.toISOString()).toBe(new Date(Math.floor(now.getTime() / 1000) * 1000 + 3650 * 86400_000).toISOString());
    expect(cert.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    const bc = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([true, true]);
    const ku = cert.getExtension(x509.KeyUsagesExtension)!;
    expect(ku.critical).toBe(true);
    expect(ku.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(new NodeX509(ca.cert).checkPrivateKey(createPrivateKey(ca.key))).toBe(true);
  });

  it('a leaf names its CA byte for byte and carries usages, SANs and the CA key identifier', async () => {
    const ca = createCa('etcd-ca', now, 10);
    const leaf = createLeaf(
      ca,
      {
        commonName: 'etcd, server',
        organizations: ['a+b', 'system:masters'],
        dnsNames: ['etcd', '*.etcd.ns.svc'],
        ipAddresses: ['127.0.0.1', '::1'],
        usages: ['server', 'client'],
        validityDays: 30,
      },
      now,
    );
    const cert = new x509.X509Certificate(leaf.cert);
    const caCert = new x509.X509Certificate(ca.cert);
    expect(cert.issuer).toBe(caCert.subject);
    expect(cert.subjectName.getField('CN')).toEqual(['etcd, server']);
    expect(cert.subjectName.getField('O')).toEqual(['a+b', 'system:masters']);
    expect(cert.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);
    expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON();
    expect(sans).toEqual([
      { type: 'dns', value: 'etcd' },
      { type: 'dns', value: '*.etcd.ns.svc' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(caCert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    await expect(cert.verify({ publicKey: caCert.publicKey, signatureOnly: true })).resolves.toBe(true);
    expect(new NodeX509(leaf.cert).checkIssued(new NodeX509(ca.cert))).toBe(true);
  });

  it('signs with a user CA made elsewhere: RSA, no subject key identifier, a multi-attribute subject', async () => {
    const keys = (await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const userCa = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'C=DE, O=Example Corp, CN=Example Root',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
    const ca = { cert: userCa.toString('pem'), key: keyPem };
    const issuer = loadIssuer(ca);
    expect(issuer.signer.algorithm).toBe('sha256WithRSAEncryption');
    expect(issuer.keyIdentifier).toBeUndefined();
    const leaf = createLeaf(issuer, { commonName: 'admin', usages: ['client'], validityDays: 1 }, now);
    const cert = new x509.X509Certificate(leaf.cert);
    expect(cert.issuer).toBe('C=DE, O=Example Corp, CN=Example Root');
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)).toBeNull();
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5' });
    expect(new NodeX509(leaf.cert).checkIssued(new NodeX509(ca.cert))).toBe(true);
    expect(new NodeX509(leaf.cert).verify(new NodeX509(ca.cert).publicKey)).toBe(true);
  });

  it("a CA's name comes out the same when another tool re-encodes it to sign a leaf (verifiers compare the bytes)", async () => {
    const ca = createCa('kubernetes', now, 10);
    const caCert = new x509.X509Certificate(ca.cert);
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      createPrivateKey(ca.key).export({ type: 'pkcs8', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const foreign = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'CN=kube-apiserver',
      issuer: caCert.subject,
      notBefore: now,
      notAfter: new Date(now.getTime() + 86400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: keys.publicKey,
      signingKey: caKey,
    });
    expect(hex(Buffer.from(foreign.issuerName.toArrayBuffer()))).toBe(hex(Buffer.from(caCert.subjectName.toArrayBuffer())));
  });

  it('refuses a CA whose key is not its own, or that is not a certificate', () => {
    const ca = createCa('a', now, 1);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(() => loadIssuer({ cert: ca.cert, key: other })).toThrow(/does not belong to the CA certificate/);
    expect(() => loadIssuer({ cert: 'garbage', key: ca.key })).toThrow(/not a readable PEM certificate/);
  });
});
