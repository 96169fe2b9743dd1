// Which certificate Secrets a Cluster needs and where each one lives. The operator generates or
// checks them, the CLI's `status` and Backstage's certificates table read them: all through
// these functions, so a Secret the user brought (spec.certificateRefs) is never reported missing
// under its generated name. Pure and browser-safe.
import { clusterObjectNames } from './names';
import { normalizeClusterSpec } from './normalize';
import type { Cluster, CertificateRef, CertificateRefType } from './schema/cluster';

/** The four CAs every Cluster has (as upstream, whatever its storage). */
export const CA_PURPOSES = ['ca', 'sa', 'proxy', 'etcd'] as const satisfies readonly CertificateRefType[];

/** The leaf certificates of k0smotron's own etcd: only Clusters with storage type `etcd` have them. */
export const ETCD_LEAF_PURPOSES = ['apiserver-etcd-client', 'etcd-server', 'etcd-peer'] as const satisfies readonly CertificateRefType[];

/** Every purpose a Cluster needs, in the order the faces list them: the CAs, then the etcd leaves for etcd storage. */
export function requiredCertificatePurposes(storageType: string): CertificateRefType[] {
  return storageType === 'etcd' ? [...CA_PURPOSES, ...ETCD_LEAF_PURPOSES] : [...CA_PURPOSES];
}

/** The Secret the operator generates for a purpose (`<name>-ca`, `<name>-etcd-server`…; Cluster API format). */
export function generatedCertificateSecretName(clusterName: string, purpose: CertificateRefType): string {
  const n = clusterObjectNames(clusterName);
  const byPurpose: Record<CertificateRefType, string> = {
    ca: n.caSecret,
    sa: n.saSecret,
    proxy: n.proxySecret,
    etcd: n.etcdCaSecret,
    'apiserver-etcd-client': n.apiserverEtcdClientSecret,
    'etcd-server': n.etcdServerSecret,
    'etcd-peer': n.etcdPeerSecret,
  };
  return byPurpose[purpose];
}

export interface ExpectedCertificate {
  purpose: CertificateRefType;
  /** The Secret holding it, in the Cluster's namespace. */
  secretName: string;
  /** True when the user provides it (spec.certificateRefs); the operator then only reads it. */
  provided: boolean;
}

/**
 * Where each purpose comes from: the `certificateRefs` entry of that type, else the generated
 * Secret. Purposes default to every one the storage type needs.
 */
export function certificateSources(
  facts: { name: string; storageType: string; certificateRefs?: readonly CertificateRef[] },
  purposes: readonly CertificateRefType[] = requiredCertificatePurposes(facts.storageType),
): ExpectedCertificate[] {
  return purposes.map(purpose => {
    const ref = facts.certificateRefs?.find(r => r.type === purpose);
    return ref
      ? { purpose, secretName: ref.name, provided: true }
      : { purpose, secretName: generatedCertificateSecretName(facts.name, purpose), provided: false };
  });
}

/**
 * The certificate set of a Cluster: every purpose its storage needs (the etcd CA, server, peer
 * and API-server client only with etcd storage), each at its user-provided Secret when
 * spec.certificateRefs names one, else at the generated name.
 */
export function expectedCertificates(cluster: Pick<Cluster, 'metadata' | 'spec'>): ExpectedCertificate[] {
  return certificateSources({
    name: cluster.metadata.name ?? '',
    storageType: normalizeClusterSpec(cluster.spec).storage.type,
    certificateRefs: cluster.spec?.certificateRefs,
  });
}
