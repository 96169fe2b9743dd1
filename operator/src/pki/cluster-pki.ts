// The certificates of one Cluster, as upstream k0smotron lays them out (CAPI purposes).
import { CA_PURPOSES, ETCD_LEAF_PURPOSES, requiredCertificatePurposes, type CertificateRefType } from '@k0smotron/api';
import { createCa, createLeaf, generateKeyPair, loadIssuer, type CertKeyPem } from './crypto';

// Which purposes a Cluster has is API knowledge the CLI and Backstage read too: @k0smotron/api.
export { CA_PURPOSES, ETCD_LEAF_PURPOSES };
export type EtcdLeafPurpose = (typeof ETCD_LEAF_PURPOSES)[number];

/**
 * CAs live 10 years (as CAPI's). They are never renewed here: a new CA must first be trusted by
 * every member, client and worker before anything it signed is used, which is a separate, planned
 * operation, not a routine renewal.
 */
export const CA_VALIDITY_DAYS = 3650;
/**
 * etcd leaf certificates (server, peer, the API server's client) live 90 days and are renewed
 * after 60 (two thirds, see `renewalTime`). 90 days bounds how long a key copied out of a pod, a
 * node or a backup stays useful, while renewals stay rare: each one restarts the control-plane
 * pods, which copy their certificates at start. The 30 days left at renewal leave a month to
 * notice and fix an operator that cannot renew, and equal the window in which Backstage's
 * certificates table flags a certificate as expiring, so a flag there means a renewal is overdue.
 */
export const ETCD_LEAF_VALIDITY_DAYS = 90;

/** Every purpose a Cluster needs: the four CAs always (as upstream), the etcd leaves for etcd storage. */
export function requiredPurposes(storageType: 'etcd' | 'kine'): CertificateRefType[] {
  return requiredCertificatePurposes(storageType);
}

export function isEtcdLeaf(purpose: CertificateRefType): purpose is EtcdLeafPurpose {
  return (ETCD_LEAF_PURPOSES as readonly string[]).includes(purpose);
}

/** SANs of the etcd leaf certificates: loopback, the headless Service names, and pod wildcards. */
export function etcdSans(etcdServiceName: string, namespace: string, clusterDomain = 'cluster.local') {
  const names = [etcdServiceName, `${etcdServiceName}.${namespace}.svc`, `${etcdServiceName}.${namespace}.svc.${clusterDomain}`];
  return {
    dnsNames: ['localhost', ...names, ...names.map(n => `*.${n}`)],
    ipAddresses: ['127.0.0.1'],
  };
}

export interface PkiRequest {
  /** Purposes to generate now (those not present yet). */
  missing: CertificateRefType[];
  /** The etcd CA when it exists already and leaves must be signed by it. */
  existingEtcdCa?: CertKeyPem;
  etcdServiceName: string;
  namespace: string;
  now: Date;
}

/**
 * Generates what is missing. A CA that exists is never replaced; leaf certificates are signed by
 * the etcd CA generated in the same call or passed in.
 */
export async function generatePki(req: PkiRequest): Promise<Partial<Record<CertificateRefType, CertKeyPem>>> {
  const out: Partial<Record<CertificateRefType, CertKeyPem>> = {};
  for (const purpose of req.missing) {
    if (purpose === 'sa') {
      const { keyPem, publicKey } = generateKeyPair();
      out.sa = { cert: publicKey.export({ type: 'spki', format: 'pem' }).toString(), key: keyPem };
    } else if (!isEtcdLeaf(purpose)) {
      out[purpose] = createCa('kubernetes', req.now, CA_VALIDITY_DAYS);
    }
  }
  const leaves = req.missing.filter(isEtcdLeaf);
  if (leaves.length) {
    const etcdCa = out.etcd ?? req.existingEtcdCa;
    if (!etcdCa) throw new Error('the etcd CA is needed to sign the etcd certificates but was not given');
    const issuer = loadIssuer(etcdCa);
    const sans = etcdSans(req.etcdServiceName, req.namespace);
    for (const purpose of leaves) {
      out[purpose] = createLeaf(
        issuer,
        {
          commonName: purpose,
          ...sans,
          usages: purpose === 'apiserver-etcd-client' ? ['client'] : ['server', 'client'],
          validityDays: ETCD_LEAF_VALIDITY_DAYS,
        },
        req.now,
      );
    }
  }
  return out;
}
