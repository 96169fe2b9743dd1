// The API address of a Cluster, with the one read the pure derivation cannot do itself: the
// LoadBalancer Service of an upstream-managed Cluster whose address upstream has not copied into
// spec.externalAddress yet. Node-only (it reads through the Kubernetes API).
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '../kube/kubeApi';
import { KubeObjects } from '../kube/objects';
import { clusterEndpoint, endpointNeedsService, type ClusterEndpoint } from '../status';
import { clusterServiceName } from '../names';
import type { Cluster } from '../schema/cluster';

/**
 * clusterEndpoint, reading the Service when that is the only source; a failed read means "not
 * known yet". Pass the caller's KubeObjects to read through its request layer (its timeout and
 * logging); with a KubeConfig the read goes through a request layer of its own.
 */
export async function resolveClusterEndpoint(from: KubeConfig | KubeObjects, cluster: Cluster): Promise<ClusterEndpoint | undefined> {
  if (!endpointNeedsService(cluster)) return clusterEndpoint(cluster);
  const objects = from instanceof KubeObjects ? from : new KubeObjects(new KubeApi(from));
  try {
    const service = await objects
      .get('Service', cluster.metadata.namespace ?? 'default', clusterServiceName(cluster.metadata.name ?? '', 'LoadBalancer'))
      .catch(() => undefined);
    return clusterEndpoint(cluster, service);
  } finally {
    if (objects !== from) objects.api.close();
  }
}
