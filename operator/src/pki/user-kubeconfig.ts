// Per-user kubeconfigs: a short-lived client certificate signed from a Cluster's CA, whose
// subject names the person it was issued to. Used by Backstage's kubeconfig route and by
// `kubectl k0smotron kubeconfig`, so the child API server's audit log shows who acted, and a
// leaked file stops working on its own within hours. (The stored `<n>-kubeconfig` is one shared
// `system:masters` identity for everyone who holds it; the operator renews it, but a copy taken
// stays valid until its own expiry, since nothing can revoke a certificate short of a new CA.)
//
// Pure apart from key generation and signing: the caller reads the CA Secret and the endpoint.
import { stringify } from 'yaml';
import { certificateValidity, createLeaf, type CertKeyPem } from './crypto';

/** Eight hours: one working day, so nobody needs a long-lived copy. */
export const DEFAULT_USER_KUBECONFIG_LIFETIME_MS = 8 * 3_600_000;
/**
 * A week at most. The certificate cannot be revoked (Kubernetes checks no revocation list), so
 * its lifetime is the only bound on what a leaked copy is worth.
 */
export const MAX_USER_KUBECONFIG_LIFETIME_MS = 7 * 24 * 3_600_000;
/**
 * The child cluster ships no RBAC for named users, so they get the admin group: the gain over
 * the shared admin kubeconfig is attribution and expiry, not narrower rights.
 */
export const USER_KUBECONFIG_GROUPS = ['system:masters'] as const;

const DAY_MS = 24 * 3_600_000;

/** Why a subject or lifetime is refused, in words fit for an end user. */
export class UserKubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserKubeconfigError';
  }
}

export interface UserKubeconfigRequest {
  clusterName: string;
  /** The API address written into the kubeconfig (the Cluster's `status.endpoint`). */
  server: string;
  /** The Cluster's CA certificate and key (PEM). */
  ca: CertKeyPem;
  /** The certificate's common name, which Kubernetes takes as the user name. */
  user: string;
  lifetimeMs: number;
  now: Date;
}

export interface UserKubeconfig {
  yaml: string;
  user: string;
  groups: string[];
  contextName: string;
  notBefore: Date;
  notAfter: Date;
}

/** Names in the kubeconfig: cluster `<n>-k0s` (as the admin one), user and context after the subject. */
export function userKubeconfigNames(clusterName: string, user: string): { cluster: string; user: string; context: string } {
  return { cluster: `${clusterName}-k0s`, user, context: `${user}@${clusterName}-k0s` };
}

export function checkUserKubeconfigLifetime(lifetimeMs: number): void {
  if (!Number.isFinite(lifetimeMs) || lifetimeMs < 1000) {
    throw new UserKubeconfigError('the kubeconfig lifetime must be at least 1s');
  }
  if (lifetimeMs > MAX_USER_KUBECONFIG_LIFETIME_MS) {
    throw new UserKubeconfigError('the kubeconfig lifetime may be at most 168h (7 days): a certificate cannot be revoked, only expire');
  }
}

/** Signs a client certificate for `user` and wraps it in a kubeconfig for `server`. */
export function signUserKubeconfig(req: UserKubeconfigRequest): UserKubeconfig {
  checkUserKubeconfigLifetime(req.lifetimeMs);
  const user = req.user.trim();
  // Control characters would make the audit log lie about who acted.
  // eslint-disable-next-line no-control-regex
  if (user === '' || /[\u0000-\u001f\u007f]/.test(user)) {
    throw new UserKubeconfigError('the user name for the certificate is empty or has control characters');
  }
  const groups = [...USER_KUBECONFIG_GROUPS];
  // createLeaf counts in days; a fraction of a day is fine (the DER time has second precision).
  const leaf = createLeaf(req.ca, { commonName: user, organizations: groups, usages: ['client'], validityDays: req.lifetimeMs / DAY_MS }, req.now);
  const names = userKubeconfigNames(req.clusterName, user);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: names.cluster, cluster: { server: req.server, 'certificate-authority-data': b64(req.ca.cert) } }],
    users: [{ name: names.user, user: { 'client-certificate-data': b64(leaf.cert), 'client-key-data': b64(leaf.key) } }],
    contexts: [{ name: names.context, context: { cluster: names.cluster, user: names.user } }],
    'current-context': names.context,
    preferences: {},
  };
  const { notBefore, notAfter } = certificateValidity(leaf.cert);
  return { yaml: stringify(doc), user, groups, contextName: names.context, notBefore, notAfter };
}
