// Metadata shared by every generated object: upstream's labels, the Cluster's annotations, and a
// controller ownerReference so the garbage collector removes children with their Cluster.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND, clusterChildLabels, type ClusterComponent } from '@k0smotron/api';
import type { ClusterView } from './view';

export function ownerReference(view: Pick<ClusterView, 'name' | 'uid'>): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: CLUSTER_KIND, name: view.name, uid: view.uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Cluster annotations copied to children, as upstream, minus those that describe the Cluster
 * object itself (kubectl's last-applied copy, our own control annotations).
 */
export function inheritedAnnotations(view: Pick<ClusterView, 'annotations' | 'kubeconfigSecretMetadata'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(view.annotations)) {
    if (k.startsWith('kubectl.kubernetes.io/') || k.startsWith('k0smotron.io/')) continue;
    out[k] = v;
  }
  return { ...out, ...view.kubeconfigSecretMetadata.annotations };
}

export function childLabels(view: ClusterView, component?: ClusterComponent): Record<string, string> {
  return clusterChildLabels(view.name, component, {
    clusterLabels: view.labels,
    kubeconfigSecretLabels: view.kubeconfigSecretMetadata.labels,
  });
}

export function childMeta(
  view: ClusterView,
  name: string,
  component: ClusterComponent | undefined,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): V1ObjectMeta {
  const annotations = { ...inheritedAnnotations(view), ...extra.annotations };
  return {
    name,
    namespace: view.namespace,
    labels: { ...childLabels(view, component), ...extra.labels },
    ...(Object.keys(annotations).length ? { annotations } : {}),
    ownerReferences: [ownerReference(view)],
  };
}
