// The cluster CA is the one certificate whose loss cannot be repaired by making a new one: every
// worker's kubelet, every kubeconfig and every client trusts the old CA, so a silently generated
// replacement would lock them all out. A missing CA Secret is generated only for a Cluster that
// never had one; otherwise the Cluster says so and waits for the Secret to be restored, or for an
// explicit request to start over with a new CA.

/**
 * Set to "true" on a Cluster whose CA Secret is gone to have a new CA generated. The operator
 * removes it once it has acted on it, or at once when the CA Secret exists (it would otherwise
 * lie in wait and replace the CA the next time the Secret went missing).
 */
export const ANNOTATION_REGENERATE_CA = 'k0smotron.io/regenerate-ca';

export const CA_SECRET_MISSING = 'CASecretMissing';

/**
 * Why we believe this Cluster had a CA before, or undefined for a Cluster that never had one:
 * certificates or a kubeconfig of its own that a CA was made with (the kubeconfig is signed by
 * it), or a status that reported its certificates available.
 */
export function caEvidence(opts: {
  /** Names of this Cluster's generated certificate Secrets (other than the CA) that exist. */
  otherCertificates: string[];
  kubeconfigSecret?: string;
  certificatesWereAvailable: boolean;
}): string | undefined {
  const found = [...opts.otherCertificates, ...(opts.kubeconfigSecret ? [opts.kubeconfigSecret] : [])];
  if (found.length) return `Secrets ${found.join(', ')} of this Cluster exist`;
  if (opts.certificatesWereAvailable) return 'the Cluster reported its certificates available before';
  return undefined;
}

export function caMissingMessage(caSecret: string, namespace: string, clusterName: string, evidence: string): string {
  return (
    `Secret ${caSecret} (the cluster CA) is missing, but ${evidence}: a new CA would lock out every worker and client, so none is generated. ` +
    `Restore the Secret from a backup into namespace ${namespace} as it was saved (keys tls.crt and tls.key, and its owner reference to this Cluster: without it the Secret counts as someone else's); the Cluster resumes by itself. ` +
    `To start over with a new CA instead (every worker must join again, every kubeconfig be replaced): ` +
    `kubectl annotate clusters.k0smotron.io ${clusterName} -n ${namespace} ${ANNOTATION_REGENERATE_CA}=true`
  );
}
