// The test cluster's own PKI: a cluster CA, the apiserver's serving certificate, client
// certificates for the admin and each component, a front-proxy CA and the service-account
// key pair. ECDSA P-256 throughout: generating it takes milliseconds, and Kubernetes 1.20
// accepts it everywhere (TLS, client certs, ES256 service-account tokens).
import 'reflect-metadata'; // @peculiar/x509 (via tsyringe) needs a Reflect polyfill
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const keyAlgorithm: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const signingAlgorithm: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface ClientIdentity {
  /** Certificate CN: the Kubernetes user name. */
  commonName: string;
  /** Certificate O entries: the Kubernetes groups. */
  organizations?: string[];
}

export interface ClusterPkiRequest {
  /** DNS names the apiserver serving certificate must cover. */
  apiserverDnsNames: string[];
  /** IP addresses the apiserver serving certificate must cover. */
  apiserverIps: string[];
  /** Client certificates to issue from the cluster CA, keyed by a name of the caller's choice. */
  clients: Record<string, ClientIdentity>;
  /** Validity in days (default 7: test clusters are short-lived). */
  validityDays?: number;
}

export interface ClusterPki {
  ca: PemPair;
  apiserver: PemPair;
  frontProxyCa: PemPair;
  frontProxyClient: PemPair;
  serviceAccount: { publicKeyPem: string; privateKeyPem: string };
  clients: Record<string, PemPair>;
}

/** The default SANs of an apiserver serving certificate for a cluster on this machine. */
export function apiserverSans(serviceClusterIp = '10.96.0.1'): { dnsNames: string[]; ips: string[] } {
  return {
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    ips: ['127.0.0.1', serviceClusterIp],
  };
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

async function publicKeyPem(key: CryptoKey): Promise<string> {
  return pem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', key));
}

/** Escapes a value for an RFC 4514 distinguished name string. */
function dnValue(value: string): string {
  return value
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

export function distinguishedName(commonName: string, organizations: string[] = []): string {
  return [...organizations.map(o => `O=${dnValue(o)}`), `CN=${dnValue(commonName)}`].join(', ');
}

interface Authority {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

async function createCa(commonName: string, notBefore: Date, notAfter: Date): Promise<Authority> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: distinguishedName(commonName),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

interface LeafRequest {
  subject: string;
  usages: x509.ExtendedKeyUsage[];
  dnsNames?: string[];
  ips?: string[];
}

async function issue(ca: Authority, req: LeafRequest, notBefore: Date, notAfter: Date): Promise<PemPair> {
  const keys = await newKeyPair();
  const names: x509.JsonGeneralName[] = [
    ...(req.dnsNames ?? []).map(value => ({ type: 'dns' as const, value })),
    ...(req.ips ?? []).map(value => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(req.usages),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    subject: req.subject,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}

async function authorityPem(a: Authority): Promise<PemPair> {
  return { certPem: a.cert.toString('pem') + '\n', keyPem: await privateKeyPem(a.keys.privateKey) };
}

export async function createClusterPki(req: ClusterPkiRequest): Promise<ClusterPki> {
  // Back-date a little so a freshly issued cert is valid even with small clock skew.
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + (req.validityDays ?? 7) * DAY_MS);
  const ca = await createCa('k0smotron-testenv-ca', notBefore, notAfter);
  const frontProxyCa = await createCa('k0smotron-testenv-front-proxy-ca', notBefore, notAfter);
  const apiserver = await issue(
    ca,
    {
      subject: distinguishedName('kube-apiserver'),
      usages: [x509.ExtendedKeyUsage.serverAuth],
      dnsNames: req.apiserverDnsNames,
      ips: req.apiserverIps,
    },
    notBefore,
    notAfter,
  );
  const frontProxyClient = await issue(
    frontProxyCa,
    { subject: distinguishedName('front-proxy-client'), usages: [x509.ExtendedKeyUsage.clientAuth] },
    notBefore,
    notAfter,
  );
  const clients: Record<string, PemPair> = {};
  for (const [key, id] of Object.entries(req.clients)) {
    clients[key] = await issue(
      ca,
      { subject: distinguishedName(id.commonName, id.organizations), usages: [x509.ExtendedKeyUsage.clientAuth] },
      notBefore,
      notAfter,
    );
  }
  const saKeys = await newKeyPair();
  return {
    ca: await authorityPem(ca),
    apiserver,
    frontProxyCa: await authorityPem(frontProxyCa),
    frontProxyClient,
    serviceAccount: {
      publicKeyPem: await publicKeyPem(saKeys.publicKey),
      privateKeyPem: await privateKeyPem(saKeys.privateKey),
    },
    clients,
  };
}
