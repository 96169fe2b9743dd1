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

/**
 * Owner and system of a Cluster's catalog entity, read from these annotations (an entity ref
 * such as `group:default/team-a`) or labels (a plain name such as `team-a`) on the Cluster.
 */
export const CLUSTER_OWNER_KEY = 'backstage.io/owner';
export const CLUSTER_SYSTEM_KEY = 'backstage.io/system';

const ENTITY_NAME_LIMIT = 63;

/** 32-bit FNV-1a, hex: a short stable suffix for names that must be shortened. */
function fnv1aHex(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The catalog entity name of a Cluster: `<managementCluster>-<namespace>-<name>`, shortened
 * to 63 characters with a hash suffix when longer. The catalog provider, the scaffolder action
 * and the frontend all use this, so links between them agree.
 */
export function clusterEntityName(ref: ClusterRef): string {
  const full = `${ref.managementCluster}-${ref.namespace}-${ref.name}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (full.length <= ENTITY_NAME_LIMIT) return full;
  return `${full.slice(0, ENTITY_NAME_LIMIT - 9).replace(/[-_.]+$/, '')}-${fnv1aHex(full)}`;
}

/** The full entity ref of a Cluster's catalog entity (kind Resource, namespace default). */
export function clusterEntityRef(ref: ClusterRef): string {
  return `resource:default/${clusterEntityName(ref)}`;
}
