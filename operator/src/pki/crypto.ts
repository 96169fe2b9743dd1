// Key and certificate primitives on Node's own crypto: keys are KeyObjects, certificates are
// DER written by ./der and signed with crypto.sign, and checked back with OpenSSL in the tests.
//
// Algorithm: ECDSA P-256 with SHA-256. Generating a P-256 key takes well under a millisecond,
// while an RSA-2048 key takes tens of milliseconds of CPU, and a Cluster needs seven keys plus
// one per kubeconfig. kube-apiserver, etcd, k0s (cfssl) and kubectl all accept P-256 keys; the
// service-account signer then issues ES256 tokens, which every Kubernetes client verifies.
// Certificates signed by a user's CA (spec.certificateRefs) may use an RSA or P-384 key.
import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  children,
  directoryString,
  explicit,
  implicitPrimitive,
  ipAddressBytes,
  namedBits,
  nullValue,
  octetString,
  oid,
  readElement,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
} from './der';

/** A PEM certificate (or public key, for `sa`) and its PEM private key. */
export interface CertKeyPem {
  cert: string;
  key: string;
}

export type SigningAlgorithm = 'ecdsa-with-SHA256' | 'ecdsa-with-SHA384' | 'sha256WithRSAEncryption';

export interface SigningKey {
  key: KeyObject;
  algorithm: SigningAlgorithm;
}

export interface GeneratedKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyPem: string;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const SIGNATURE: Record<SigningAlgorithm, { oid: string; hash: string; rsa: boolean }> = {
  'ecdsa-with-SHA256': { oid: '1.2.840.10045.4.3.2', hash: 'sha256', rsa: false },
  'ecdsa-with-SHA384': { oid: '1.2.840.10045.4.3.3', hash: 'sha384', rsa: false },
  sha256WithRSAEncryption: { oid: '1.2.840.113549.1.1.11', hash: 'sha256', rsa: true },
};

/** KeyUsage bits (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export function generateKeyPair(): GeneratedKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    // SEC1 ("EC PRIVATE KEY") is the form kubeadm writes and every Go TLS stack reads.
    keyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
  };
}

/** Imports a PEM private key (EC P-256/P-384 or RSA, any PEM form) for signing. */
export function importSigningKey(pem: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`the private key is not a readable PEM key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { key, algorithm: 'ecdsa-with-SHA256' };
    if (curve === 'secp384r1') return { key, algorithm: 'ecdsa-with-SHA384' };
    throw new Error(`EC curve ${curve ?? 'unknown'} is not supported; use P-256 or P-384`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'sha256WithRSAEncryption' };
  throw new Error(`key type ${key.asymmetricKeyType ?? 'unknown'} is not supported; use EC or RSA`);
}

/** 16 random bytes, positive and without a leading zero byte, so the INTEGER is always 16 bytes. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdated so a management cluster with a slightly slow clock still accepts new certificates. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A distinguished name: organizations first, then the common name (as Go and OpenSSL print them). */
function distinguishedName(commonName: string, organizations: string[] = []): Buffer {
  const attribute = (type: string, value: string) => set(sequence(oid(type), directoryString(value)));
  return sequence(...organizations.map(o => attribute(OID.organization, o)), attribute(OID.commonName, commonName));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bytes. */
function keyIdentifier(spkiDer: Buffer): Buffer {
  const [, subjectPublicKey] = children(readElement(spkiDer).contents);
  return createHash('sha1').update(subjectPublicKey.contents.subarray(1)).digest();
}

function algorithmIdentifier(algorithm: SigningAlgorithm): Buffer {
  const s = SIGNATURE[algorithm];
  return s.rsa ? sequence(oid(s.oid), nullValue()) : sequence(oid(s.oid));
}

interface CertificateFields {
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key as DER SubjectPublicKeyInfo. */
  spki: Buffer;
  extensions: Buffer[];
  signer: SigningKey;
}

function certificatePem(f: CertificateFields): string {
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serialNumber()),
    algorithmIdentifier(f.signer.algorithm),
    f.issuer,
    sequence(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, sequence(...f.extensions)),
  );
  // ECDSA signatures come out DER-encoded (what X.509 wants); RSA keys sign PKCS#1 v1.5.
  const signature = sign(SIGNATURE[f.signer.algorithm].hash, tbs, f.signer.key);
  const der = sequence(tbs, algorithmIdentifier(f.signer.algorithm), bitString(signature));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export function createCa(commonName: string, now: Date, validityDays: number): CertKeyPem {
  const { privateKey, publicKey, keyPem } = generateKeyPair();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = distinguishedName(commonName);
  const cert = certificatePem({
    issuer: name,
    subject: name,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    spki,
    signer: { key: privateKey, algorithm: 'ecdsa-with-SHA256' },
    extensions: [
      extension(OID.basicConstraints, true, sequence(boolean(true))),
      extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    ],
  });
  return { cert, key: keyPem };
}

export interface LeafRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Array<'server' | 'client'>;
  validityDays: number;
}

/** What a leaf needs from its CA: the subject bytes (verbatim), its key identifier and signing key. */
export interface Issuer {
  subject: Buffer;
  keyIdentifier?: Buffer;
  signer: SigningKey;
}

/**
 * Reads a CA certificate and key once, for signing any number of leaves. The issuer name is
 * copied byte for byte from the CA's subject, and the authority key identifier from the CA's
 * subject key identifier, so chains build with CAs made by any tool.
 */
export function loadIssuer(ca: CertKeyPem): Issuer {
  const signer = importSigningKey(ca.key);
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(ca.cert);
  } catch (err) {
    throw new Error(`the CA certificate is not a readable PEM certificate (${(err as Error).message})`);
  }
  if (!parsed.checkPrivateKey(signer.key)) throw new Error('the CA private key does not belong to the CA certificate');
  const [tbs] = children(readElement(parsed.raw).contents);
  const fields = children(tbs.contents);
  const at = fields[0].tag === 0xa0 ? 1 : 0; // [0] version is absent in v1 certificates
  const subject = fields[at + 4].raw;
  let keyIdentifierValue: Buffer | undefined;
  const extensionsField = fields.find(f => f.tag === 0xa3);
  if (extensionsField) {
    for (const ext of children(readElement(extensionsField.contents).contents)) {
      const [id, ...rest] = children(ext.contents);
      if (id.raw.equals(oid(OID.subjectKeyIdentifier))) {
        keyIdentifierValue = readElement(rest[rest.length - 1].contents).contents;
      }
    }
  }
  return { subject: Buffer.from(subject), keyIdentifier: keyIdentifierValue && Buffer.from(keyIdentifierValue), signer };
}

export function createLeaf(ca: CertKeyPem | Issuer, req: LeafRequest, now: Date): CertKeyPem {
  const issuer = 'signer' in ca ? ca : loadIssuer(ca);
  const { publicKey, keyPem } = generateKeyPair();
  const sans = [
    ...(req.dnsNames ?? []).map(name => implicitPrimitive(2, Buffer.from(name, 'ascii'))),
    ...(req.ipAddresses ?? []).map(ip => implicitPrimitive(7, ipAddressBytes(ip))),
  ];
  const eku = req.usages.map(u => oid(u === 'server' ? OID.serverAuth : OID.clientAuth));
  const cert = certificatePem({
    issuer: issuer.subject,
    subject: distinguishedName(req.commonName, req.organizations),
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + req.validityDays * DAY_MS),
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    signer: issuer.signer,
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment])),
      extension(OID.extendedKeyUsage, false, sequence(...eku)),
      ...(sans.length ? [extension(OID.subjectAltName, false, sequence(...sans))] : []),
      ...(issuer.keyIdentifier ? [extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, issuer.keyIdentifier)))] : []),
    ],
  });
  return { cert, key: keyPem };
}

/** Reads the validity window of a PEM certificate. */
export function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } {
  const cert = new X509Certificate(pem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

export function parseCertificate(pem: string): X509Certificate {
  return new X509Certificate(pem);
}
