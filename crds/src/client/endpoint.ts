// The API address of a Cluster, with the one read the pure derivation cannot do itself: the
// LoadBalancer Service of an upstream-managed Cluster whose address upstream has not copied into
// spec.externalAddress yet. Node-only (it reads through the Kubernetes API).
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { clusterEndpoint, endpointNeedsService, type ClusterEndpoint } from '../status';
import { clusterServiceName } from '../names';
import type { Cluster } from '../schema/cluster';

/** clusterEndpoint, reading the Service when that is the only source; a failed read means "not known yet". */
export async function resolveClusterEndpoint(kubeConfig: KubeConfig, cluster: Cluster): Promise<ClusterEndpoint | undefined> {
  if (!endpointNeedsService(cluster)) return clusterEndpoint(cluster);
  const service = await kubeConfig
    .makeApiClient(CoreV1Api)
    .readNamespacedService({ namespace: cluster.metadata.namespace ?? 'default', name: clusterServiceName(cluster.metadata.name ?? '', 'LoadBalancer') })
    .catch(() => undefined);
  return clusterEndpoint(cluster, service);
}
