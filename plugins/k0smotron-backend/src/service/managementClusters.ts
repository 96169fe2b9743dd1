import { coreServices, createServiceFactory, createServiceRef, type LoggerService, type RootConfigService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { KubeConfig } from '@kubernetes/client-node';
import { K0smotronClient } from '@k0smotron/api/client';
import { KubeApi, KubeObjects } from '@k0smotron/api/kube';
import type { Cluster } from '@k0smotron/api';
import { CLUSTER_OWNER_KEY } from '@k0smotron/plugin-k0smotron-common';
import { readK0smotronConfig, type K0smotronBackendConfig } from '../config/managementClusterConfig';
import { kubeConfigFor } from '../config/kubeConfig';
import { ClusterCache } from './clusterCache';

/** Field manager of what Backstage writes, so `managedFields` show who created a Cluster. */
export const BACKSTAGE_FIELD_MANAGER = 'backstage-k0smotron';

/** One management cluster: its API access and a watch-backed cache of its Clusters. */
export interface ManagementCluster {
  name: string;
  /** undefined = all namespaces except the policy's deniedNamespaces. */
  namespaces?: string[];
  kubeConfig: KubeConfig;
  /**
   * Typed reads of built-in objects (Secrets, Services, StatefulSets...) on the one request layer
   * of this management cluster (`objects.api`): the Cluster cache, the client and every live read
   * (details page, CA, NodePorts) send through it, so they share its connections and timeout.
   * Closed by the service's stop().
   */
  objects: KubeObjects;
  client: K0smotronClient;
  cache: ClusterCache;
  /** Whether a namespace is served by this management cluster. */
  servesNamespace(namespace: string): boolean;
  /**
   * The catalog owner of a Cluster from a trusted source (see `clusterOwner`); the permission
   * rule `IS_CLUSTER_OWNER` and the catalog entity's `spec.owner` both use it.
   */
  ownerOf(cluster: Pick<Cluster, 'metadata'>): string;
}

/** Entity refs are case-insensitive in the catalog; compare them in lower case. */
export function normalizeEntityRef(ref: string): string {
  return ref.toLocaleLowerCase('en-US');
}

/**
 * The owner of a Cluster, trusted sources only: the platform's owner of the namespace, else the
 * Cluster's `backstage.io/owner` annotation (or label) when `trustOwnerAnnotation` is set, else
 * the configured default. A bare name such as `team-a` means `group:default/team-a`, as in the
 * catalog.
 */
export function clusterOwner(
  cluster: Pick<Cluster, 'metadata'>,
  namespaceOwners: Record<string, string>,
  ownership: K0smotronBackendConfig['ownership'],
): string {
  const ns = cluster.metadata.namespace ?? 'default';
  const fromNamespace = namespaceOwners[ns];
  const fromCluster = ownership.trustOwnerAnnotation
    ? (cluster.metadata.annotations?.[CLUSTER_OWNER_KEY] ?? cluster.metadata.labels?.[CLUSTER_OWNER_KEY])
    : undefined;
  const owner = fromNamespace ?? fromCluster ?? ownership.defaultOwner;
  return owner.includes(':') ? owner : `group:default/${owner}`;
}

export interface ManagementClustersService {
  config: K0smotronBackendConfig;
  list(): ManagementCluster[];
  /** Throws NotFoundError (404); the message does not list the configured clusters. */
  get(name: string): ManagementCluster;
  find(name: string): ManagementCluster | undefined;
  stop(): Promise<void>;
}

/** Builds the service and starts its caches (watches run in the background). */
export function createManagementClusters(rootConfig: RootConfigService, logger: LoggerService): ManagementClustersService {
  const config = readK0smotronConfig(rootConfig);
  const clusters = config.managementClusters.map((mc): ManagementCluster => {
    const kubeConfig = kubeConfigFor(mc.name, mc.access);
    const kubeApi = new KubeApi(kubeConfig);
    const denied = config.policy.deniedNamespaces;
    const cache = new ClusterCache(kubeApi, mc.namespaces, logger.child({ managementCluster: mc.name }), denied);
    return {
      name: mc.name,
      namespaces: mc.namespaces,
      kubeConfig,
      objects: new KubeObjects(kubeApi),
      client: new K0smotronClient(kubeConfig, { fieldManager: BACKSTAGE_FIELD_MANAGER, kubeApi }),
      cache,
      servesNamespace: ns => (!mc.namespaces || mc.namespaces.includes(ns)) && !denied.includes(ns),
      ownerOf: cluster => clusterOwner(cluster, mc.namespaceOwners, config.ownership),
    };
  });
  for (const mc of clusters) {
    // start() retries failed watches itself; a rejection here is a bug, logged, never unhandled.
    mc.cache.start().catch(err => logger.error(`k0smotron: the Cluster cache of '${mc.name}' failed to start: ${(err as Error).message}`));
  }
  const byName = new Map(clusters.map(c => [c.name, c]));
  return {
    config,
    list: () => clusters,
    find: name => byName.get(name),
    get(name) {
      const mc = byName.get(name);
      if (!mc) {
        // Not listing the configured clusters: the caller may not be allowed to see them all.
        throw new NotFoundError(`unknown management cluster '${name}'`);
      }
      return mc;
    },
    async stop() {
      await Promise.all(clusters.map(c => c.cache.stop()));
      // Last, so no watch or retry of a cache outlives its connections.
      for (const c of clusters) c.objects.api.close();
    },
  };
}

/**
 * Root-scoped, so the backend plugin, the catalog module and the scaffolder module share one
 * watch per management cluster in a process.
 */
export const managementClustersServiceRef = createServiceRef<ManagementClustersService>({
  id: 'k0smotron.managementClusters',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      initialization: 'lazy',
      deps: {
        rootConfig: coreServices.rootConfig,
        rootLogger: coreServices.rootLogger,
        rootLifecycle: coreServices.rootLifecycle,
      },
      factory({ rootConfig, rootLogger, rootLifecycle }) {
        const svc = createManagementClusters(rootConfig, rootLogger.child({ service: 'k0smotron-management-clusters' }));
        rootLifecycle.addShutdownHook(() => svc.stop());
        return svc;
      },
    }),
});
