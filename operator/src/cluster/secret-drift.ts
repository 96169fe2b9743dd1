// Hand edits of the Secrets that hold key material. Other children are simply applied again when
// they drift (engine `applyIfChanged`), but a certificate Secret cannot be: the operator does not
// keep keys (the cache drops Secret data), and writing new ones would rotate them. So:
//
// - a generated certificate Secret gets back the labels that identify it (`app`, `cluster`,
//   `component`, `cluster.x-k8s.io/cluster-name`: Cluster API finds the Secrets by the last one)
//   with a metadata-only patch; its data is never rewritten;
// - the admin kubeconfig holds a client certificate signed for this purpose only, so a changed
//   one is signed again, exactly as at renewal (the CA stays, nothing that trusts it changes).
//   The hash of what was written is recorded in an annotation, and the cache keeps a hash of the
//   live value, so no Secret is read to find out.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { clusterBaseLabels, KUBECONFIG_SECRET_KEY, LABEL_CAPI_CLUSTER_NAME } from '@k0smotron/api';
import { dataFingerprint, driftOf, hashDataValue } from '../engine/drift';

/** Hash of the kubeconfig the operator wrote (`hashDataValue` of its bytes), to tell a hand edit. */
export const ANNOTATION_KUBECONFIG_DATA_HASH = 'k0smotron.io/kubeconfig-data-hash';

export function kubeconfigDataHash(yaml: string): string {
  return hashDataValue(Buffer.from(yaml, 'utf8'));
}

/** The labels a generated certificate Secret must keep; user labels of the Cluster are not among them (changing those must not roll pods). */
export function certificateIdentityLabels(clusterName: string): Record<string, string> {
  return { ...clusterBaseLabels(clusterName), [LABEL_CAPI_CLUSTER_NAME]: clusterName };
}

/** A metadata-only merge patch restoring the identity labels, or undefined when they are intact. */
export function certificateLabelRepair(clusterName: string, secret: KubernetesObject): { metadata: { labels: Record<string, string> } } | undefined {
  const labels = certificateIdentityLabels(clusterName);
  return driftOf({ metadata: { labels } }, secret) ? { metadata: { labels } } : undefined;
}

/**
 * What was changed by hand in the admin kubeconfig Secret (its value, or a label that identifies
 * it), or undefined. A Secret written before the hash annotation existed is judged by its labels only.
 */
export function kubeconfigDrift(secret: V1Secret, expectedLabels: Record<string, string>): string | undefined {
  const labels = driftOf({ metadata: { labels: expectedLabels } }, secret);
  if (labels) return labels;
  const recorded = secret.metadata?.annotations?.[ANNOTATION_KUBECONFIG_DATA_HASH];
  if (!recorded) return undefined;
  const live = secret.data?.[KUBECONFIG_SECRET_KEY];
  const liveHash = live !== undefined ? hashDataValue(Buffer.from(live, 'base64')) : dataFingerprint(secret)?.[`data/${KUBECONFIG_SECRET_KEY}`];
  return liveHash === recorded ? undefined : `data.${KUBECONFIG_SECRET_KEY}`;
}
