// Key and certificate primitives. Keys come from Node's own crypto (WebCrypto + KeyObject);
// certificates are encoded by @peculiar/x509, so there is no hand-written ASN.1 here.
//
// Algorithm: ECDSA P-256 with SHA-256. Generating a P-256 key takes well under a millisecond,
// while an RSA-2048 key takes tens of milliseconds of CPU, and a Cluster needs seven keys plus
// one per kubeconfig. kube-apiserver, etcd, k0s (cfssl) and kubectl all accept P-256 keys; the
// service-account signer then issues ES256 tokens, which every Kubernetes client verifies.
// @peculiar/x509 2.x resolves its encoders through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const subtle = webcrypto.subtle;
// @peculiar/x509 needs a WebCrypto implementation; Node's is the native one.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** A PEM certificate (or public key, for `sa`) and its PEM private key. */
export interface CertKeyPem {
  cert: string;
  key: string;
}

export interface SigningKey {
  key: CryptoKey;
  algorithm: Algorithm | EcdsaParams;
}

interface GeneratedKeys {
  keys: CryptoKeyPair;
  keyPem: string;
  publicKeyPem: string;
}

export async function generateKeyPair(): Promise<GeneratedKeys> {
  const keys = (await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  const keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  // SEC1 ("EC PRIVATE KEY") is the form kubeadm writes and every Go TLS stack reads.
  const keyPem = keyObject.export({ type: 'sec1', format: 'pem' }).toString();
  const publicKeyPem = createPublicKey(keyObject).export({ type: 'spki', format: 'pem' }).toString();
  return { keys, keyPem, publicKeyPem };
}

/** Imports a PEM private key (EC P-256/P-384 or RSA, any PEM form) for signing. */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`the private key is not a readable PEM key (${(err as Error).message})`);
  }
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
    if (!namedCurve) throw new Error(`EC curve ${curve ?? 'unknown'} is not supported; use P-256 or P-384`);
    const key = await subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
    return { key, algorithm: { name: 'ECDSA', hash: namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' } as EcdsaParams };
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    const key = await subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return { key, algorithm: RSA_SIGNING };
  }
  throw new Error(`key type ${keyObject.asymmetricKeyType ?? 'unknown'} is not supported; use EC or RSA`);
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // a positive INTEGER
  return bytes.toString('hex');
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdated so a management cluster with a slightly slow clock still accepts new certificates. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export async function createCa(commonName: string, now: Date, validityDays: number): Promise<CertKeyPem> {
  const { keys, keyPem } = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    signingAlgorithm: EC_SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: keyPem };
}

export interface LeafRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Array<'server' | 'client'>;
  validityDays: number;
}

export async function createLeaf(ca: CertKeyPem, req: LeafRequest, now: Date): Promise<CertKeyPem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signing = await importSigningKey(ca.key);
  const { keys, keyPem } = await generateKeyPair();
  const subject = [
    ...(req.organizations ?? []).map((o) => `O=${escapeDnValue(o)}`),
    `CN=${escapeDnValue(req.commonName)}`,
  ].join(', ');
  const sans = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const eku = req.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + req.validityDays * DAY_MS),
    signingAlgorithm: signing.algorithm,
    publicKey: keys.publicKey,
    signingKey: signing.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(eku),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: keyPem };
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** Reads the validity window of a PEM certificate. */
export function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } {
  const cert = new x509.X509Certificate(pem);
  return { notBefore: cert.notBefore, notAfter: cert.notAfter };
}

export function parseCertificate(pem: string): x509.X509Certificate {
  return new x509.X509Certificate(pem);
}
