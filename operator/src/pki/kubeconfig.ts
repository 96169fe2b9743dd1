// The admin kubeconfig, signed from the cluster CA by the operator: it exists before any pod is
// up and needs no exec into a pod (upstream asks k0s inside the pod to sign it).
import { stringify } from 'yaml';
import { certificateValidity, createLeaf, type CertKeyPem } from './crypto';
import { renewalTime, validityFromAnnotations } from './renewal';

/**
 * The stored admin kubeconfig (`<n>-kubeconfig`) is a `system:masters` credential for machines
 * (Cluster API's controllers, `kubectl k0smotron kubeconfig -- <command>`, automation) and for
 * break-glass access; people get kubeconfigs of their own. Its certificate cannot be revoked, so
 * its lifetime is what bounds a leaked copy: 7 days, renewed after about 4.7 (two thirds). A
 * reader that keeps a client built from the previous Secret still has over 2 days to read it
 * again. A copy merged into someone's kubeconfig file stops working within a week.
 */
export const ADMIN_CERT_VALIDITY_DAYS = 7;

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
  const client = createLeaf(opts.ca, { commonName: 'admin', organizations: ['system:masters'], usages: ['client'], validityDays }, opts.now);
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
 * signed by another CA, or has less than a third of its lifetime left (see `renewalTime`).
 */
export function kubeconfigRenewal(opts: {
  existingAnnotations: Record<string, string> | undefined;
  exists: boolean;
  server: string;
  caVersion: string;
  now: Date;
  /** Today's lifetime (default ADMIN_CERT_VALIDITY_DAYS): a longer-lived one is renewed on its schedule. */
  lifetimeDays?: number;
}): KubeconfigRenewal {
  if (!opts.exists) return { renew: true, reason: 'Missing' };
  const a = opts.existingAnnotations ?? {};
  const validity = validityFromAnnotations(a, { notBefore: ANNOTATION_KUBECONFIG_NOT_BEFORE, notAfter: ANNOTATION_KUBECONFIG_NOT_AFTER });
  if (!validity) return { renew: true, reason: 'Unreadable' };
  const renewAt = renewalTime(validity, opts.lifetimeDays ?? ADMIN_CERT_VALIDITY_DAYS);
  if (a[ANNOTATION_KUBECONFIG_SERVER] !== opts.server) return { renew: true, reason: 'EndpointChanged', renewAt };
  if (a[ANNOTATION_KUBECONFIG_CA_VERSION] !== opts.caVersion) return { renew: true, reason: 'CaChanged', renewAt };
  if (opts.now.getTime() >= renewAt.getTime()) return { renew: true, reason: 'Expiring', renewAt };
  return { renew: false, renewAt };
}
