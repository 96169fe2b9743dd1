/**
 * Catalog annotation that ties an entity to one k0smotron Cluster:
 * `<managementCluster>/<namespace>/<name>`.
 */
export const K0SMOTRON_CLUSTER_ANNOTATION = 'k0smotron.io/cluster';

export interface ClusterRef {
  managementCluster: string;
  namespace: string;
  name: string;
}

/** The annotation value of a Cluster. */
export function formatClusterAnnotation(ref: ClusterRef): string {
  return `${ref.managementCluster}/${ref.namespace}/${ref.name}`;
}

/**
 * Parses a `k0smotron.io/cluster` annotation value. Returns undefined for anything that is not
 * exactly three non-empty parts (a management cluster name may not contain `/`).
 */
export function parseClusterAnnotation(value: string | undefined | null): ClusterRef | undefined {
  if (!value) return undefined;
  const parts = value.trim().split('/');
  if (parts.length !== 3 || parts.some(p => p.length === 0)) return undefined;
  const [managementCluster, namespace, name] = parts;
  return { managementCluster, namespace, name };
}
