import { API_VERSION, CLUSTER_KIND, clusterObjectNames, type Cluster, type ClusterSpec } from '@k0smotron/api';
import { CLUSTER_OWNER_KEY, CLUSTER_SYSTEM_KEY } from '@k0smotron/plugin-k0smotron-common';

/** Annotation naming the scaffolder task that created a Cluster: a retried task adopts it. */
export const SCAFFOLDER_TASK_ANNOTATION = 'k0smotron.io/scaffolder-task';

export interface ClusterCreateInput {
  managementCluster?: string;
  namespace: string;
  name: string;
  replicas: number;
  version?: string;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  apiPort?: number;
  konnectivityPort?: number;
  externalAddress?: string;
  storageType: 'etcd' | 'kine';
  kineDataSourceSecretName?: string;
  etcdStorageSize?: string;
  etcdStorageClass?: string;
  owner?: string;
  system?: string;
  labels?: Record<string, string>;
  wait: boolean;
  timeoutSeconds: number;
}

/** The Cluster the action creates (pure). */
export function clusterFromInput(input: ClusterCreateInput, taskId: string): Cluster {
  const spec: ClusterSpec = {
    replicas: input.replicas,
    service: {
      type: input.serviceType,
      ...(input.apiPort !== undefined ? { apiPort: input.apiPort } : {}),
      ...(input.konnectivityPort !== undefined ? { konnectivityPort: input.konnectivityPort } : {}),
    },
  };
  if (input.version) spec.version = input.version;
  if (input.externalAddress) spec.externalAddress = input.externalAddress;
  if (input.storageType === 'kine') {
    spec.storage = { type: 'kine', kine: { dataSourceSecretName: input.kineDataSourceSecretName } };
  } else if (input.etcdStorageSize || input.etcdStorageClass) {
    spec.storage = {
      type: 'etcd',
      etcd: {
        persistence: {
          ...(input.etcdStorageSize ? { size: input.etcdStorageSize } : {}),
          ...(input.etcdStorageClass ? { storageClass: input.etcdStorageClass } : {}),
        },
      },
    };
  }
  const annotations: Record<string, string> = { [SCAFFOLDER_TASK_ANNOTATION]: taskId };
  if (input.owner) annotations[CLUSTER_OWNER_KEY] = input.owner;
  if (input.system) annotations[CLUSTER_SYSTEM_KEY] = input.system;
  return {
    apiVersion: API_VERSION,
    kind: CLUSTER_KIND,
    metadata: {
      name: input.name,
      namespace: input.namespace,
      annotations,
      ...(input.labels && Object.keys(input.labels).length ? { labels: input.labels } : {}),
    },
    spec,
  };
}

export function kubeconfigSecretName(name: string): string {
  return clusterObjectNames(name).kubeconfigSecret;
}
