// The admin kubeconfig, signed from the cluster CA by the operator: it exists before any pod is
// up and needs no exec into a pod (upstream asks k0s inside the pod to sign it).
import { stringify } from 'yaml';
import { certificateValidity, createLeaf, type CertKeyPem } from './crypto';

export const ADMIN_CERT_VALIDITY_DAYS = 365;

export interface AdminKubeconfigNames {
  cluster: string;
  user: string;
  context: string;
}

/** Upstream's names: cluster `<n>-k0s`, user `<n>-admin`, context `<n>-admin@<n>-k0s`. */
export function adminKubeconfigNames(clusterName: string): AdminKubeconfigNames {
  return { cluster: `${clusterName}-k0s`, user: `${clusterName}-admin`, context: `${clusterName}-admin@${clusterName}-k0s` };
}

export interface AdminKubeconfig {
  yaml: string;
  notBefore: Date;
  notAfter: Date;
}

export async function signAdminKubeconfig(opts: {
  clusterName: string;
  server: string;
  ca: CertKeyPem;
  now: Date;
  validityDays?: number;
}): Promise<AdminKubeconfig> {
  const validityDays = opts.validityDays ?? ADMIN_CERT_VALIDITY_DAYS;
  const client = createLeaf(
    opts.ca,
    { commonName: 'admin', organizations: ['system:masters'], usages: ['client'], validityDays },
    opts.now,
  );
  const names = adminKubeconfigNames(opts.clusterName);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: names.cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.ca.cert) } }],
    users: [{ name: names.user, user: { 'client-certificate-data': b64(client.cert), 'client-key-data': b64(client.key) } }],
    contexts: [{ name: names.context, context: { cluster: names.cluster, user: names.user } }],
    'current-context': names.context,
    preferences: {},
  };
  const { notBefore, notAfter } = certificateValidity(client.cert);
  return { yaml: stringify(kubeconfig), notBefore, notAfter };
}

/** Annotations on `<n>-kubeconfig` that let renewal be decided from cached metadata alone. */
export const ANNOTATION_KUBECONFIG_SERVER = 'k0smotron.io/kubeconfig-server';
export const ANNOTATION_KUBECONFIG_NOT_BEFORE = 'k0smotron.io/kubeconfig-not-before';
export const ANNOTATION_KUBECONFIG_NOT_AFTER = 'k0smotron.io/kubeconfig-not-after';
export const ANNOTATION_KUBECONFIG_CA_VERSION = 'k0smotron.io/kubeconfig-ca-version';

export type KubeconfigRenewalReason = 'Missing' | 'EndpointChanged' | 'CaChanged' | 'Expiring' | 'Unreadable';

export interface KubeconfigRenewal {
  renew: boolean;
  reason?: KubeconfigRenewalReason;
  /** When the current certificate enters its last third (next time to look again). */
  renewAt?: Date;
}

/**
 * Whether `<n>-kubeconfig` must be (re)signed: it is missing, points at another endpoint, was
 * signed by another CA, or has less than a third of its lifetime left.
 */
export function kubeconfigRenewal(opts: {
  existingAnnotations: Record<string, string> | undefined;
  exists: boolean;
  server: string;
  caVersion: string;
  now: Date;
}): KubeconfigRenewal {
  if (!opts.exists) return { renew: true, reason: 'Missing' };
  const a = opts.existingAnnotations ?? {};
  const notBefore = Date.parse(a[ANNOTATION_KUBECONFIG_NOT_BEFORE] ?? '');
  const notAfter = Date.parse(a[ANNOTATION_KUBECONFIG_NOT_AFTER] ?? '');
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter) || notAfter <= notBefore) {
    return { renew: true, reason: 'Unreadable' };
  }
  const renewAt = new Date(notAfter - (notAfter - notBefore) / 3);
  if (a[ANNOTATION_KUBECONFIG_SERVER] !== opts.server) return { renew: true, reason: 'EndpointChanged', renewAt };
  if (a[ANNOTATION_KUBECONFIG_CA_VERSION] !== opts.caVersion) return { renew: true, reason: 'CaChanged', renewAt };
  if (opts.now.getTime() >= renewAt.getTime()) return { renew: true, reason: 'Expiring', renewAt };
  return { renew: false, renewAt };
}
