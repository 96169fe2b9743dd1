import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_KUBERNETES_API_SERVER,
  ANNOTATION_KUBERNETES_API_SERVER_CA,
  ANNOTATION_KUBERNETES_AUTH_PROVIDER,
} from '@backstage/plugin-kubernetes-common';
import { clusterEndpoint, type Cluster } from '@k0smotron/api';
import {
  CLUSTER_OWNER_KEY,
  CLUSTER_SYSTEM_KEY,
  K0SMOTRON_CLUSTER_ANNOTATION,
  clusterEntityName,
  formatClusterAnnotation,
} from '@k0smotron/plugin-k0smotron-common';

export interface ClusterEntityDefaults {
  system?: string;
  authProvider: string;
}

export const PROVIDER_NAME = 'k0smotron';
export const LOCATION_TYPE = 'k0smotron-cluster';

/** Catalog label values: at most 63 characters of [a-zA-Z0-9-_.], alphanumeric at the ends. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The operator's last worker count (`status.workers`), for catalog filters: Ready nodes, and all. */
export const WORKERS_READY_ANNOTATION = 'k0smotron.io/workers-ready';
export const WORKERS_TOTAL_ANNOTATION = 'k0smotron.io/workers-total';

export function locationKeyOf(managementCluster: string): string {
  return `${PROVIDER_NAME}:${managementCluster}`;
}

/**
 * The Resource entity of a Cluster (pure). `caBase64` is the CA certificate as stored in
 * `<name>-ca` `tls.crt` — a public certificate; keys never come here. `owner` comes from the
 * management cluster's trusted owner (`ManagementCluster.ownerOf`), the same value the
 * `IS_CLUSTER_OWNER` permission rule checks, so the catalog's `IS_ENTITY_OWNER` and k0smotron's
 * rule agree; it is never read here from the Cluster's own annotations.
 */
export function clusterToEntity(
  managementCluster: string,
  cluster: Cluster,
  defaults: ClusterEntityDefaults,
  caBase64: string | undefined,
  owner: string,
): Entity {
  const namespace = cluster.metadata.namespace ?? 'default';
  const name = cluster.metadata.name ?? '';
  const ref = { managementCluster, namespace, name };
  const meta = cluster.metadata;
  const system = meta.annotations?.[CLUSTER_SYSTEM_KEY] ?? meta.labels?.[CLUSTER_SYSTEM_KEY] ?? defaults.system;
  const location = `${LOCATION_TYPE}:${formatClusterAnnotation(ref)}`;

  const annotations: Record<string, string> = {
    'backstage.io/managed-by-location': location,
    'backstage.io/managed-by-origin-location': location,
    [K0SMOTRON_CLUSTER_ANNOTATION]: formatClusterAnnotation(ref),
    [ANNOTATION_KUBERNETES_AUTH_PROVIDER]: defaults.authProvider,
  };
  // Our operator reports status.endpoint; on a Cluster upstream k0smotron manages it is derived
  // from the spec (an upstream LoadBalancer Cluster without externalAddress stays without one here:
  // its address is only in the Service, which the catalog does not read).
  const endpoint = clusterEndpoint(cluster)?.url;
  if (endpoint) annotations[ANNOTATION_KUBERNETES_API_SERVER] = endpoint;
  if (caBase64) annotations[ANNOTATION_KUBERNETES_API_SERVER_CA] = caBase64;
  // Left out while unknown (the control plane did not answer): absent is not zero.
  const workers = cluster.status?.workers;
  const workersNote = workers ? `; workers: ${workers.ready}/${workers.total} Ready` : '';
  if (workers) {
    annotations[WORKERS_READY_ANNOTATION] = String(workers.ready);
    annotations[WORKERS_TOTAL_ANNOTATION] = String(workers.total);
  }

  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    if (k !== CLUSTER_OWNER_KEY && k !== CLUSTER_SYSTEM_KEY && LABEL_KEY.test(k) && LABEL_VALUE.test(v)) labels[k] = v;
  }

  const entity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: clusterEntityName(ref),
      title: name,
      // The catalog's search indexes the description, not annotations: the count goes here too.
      description: `k0smotron control plane ${namespace}/${name} on management cluster ${managementCluster}${workersNote}`,
      annotations,
      ...(Object.keys(labels).length ? { labels } : {}),
      tags: ['k0smotron', 'kubernetes'],
      ...(endpoint ? { links: [{ url: endpoint, title: 'Kubernetes API', type: 'api' }] } : {}),
    },
    spec: {
      type: 'kubernetes-cluster',
      owner,
      ...(system ? { system } : {}),
    },
  };
  return entity;
}
