import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  type LoggerService,
  type RootConfigService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { KubeConfig } from '@kubernetes/client-node';
import { K0smotronClient } from '@k0smotron/api/client';
import { readK0smotronConfig, type K0smotronBackendConfig } from '../config/managementClusterConfig';
import { kubeConfigFor } from '../config/kubeConfig';
import { ClusterCache } from './clusterCache';

/** Field manager of what Backstage writes, so `managedFields` show who created a Cluster. */
export const BACKSTAGE_FIELD_MANAGER = 'backstage-k0smotron';

/** One management cluster: its API access and a watch-backed cache of its Clusters. */
export interface ManagementCluster {
  name: string;
  /** undefined = all namespaces. */
  namespaces?: string[];
  kubeConfig: KubeConfig;
  client: K0smotronClient;
  cache: ClusterCache;
  /** Whether a namespace is served by this management cluster. */
  servesNamespace(namespace: string): boolean;
}

export interface ManagementClustersService {
  config: K0smotronBackendConfig;
  list(): ManagementCluster[];
  /** Throws NotFoundError (404) naming the known clusters. */
  get(name: string): ManagementCluster;
  find(name: string): ManagementCluster | undefined;
  stop(): Promise<void>;
}

/** Builds the service and starts its caches (watches run in the background). */
export function createManagementClusters(rootConfig: RootConfigService, logger: LoggerService): ManagementClustersService {
  const config = readK0smotronConfig(rootConfig);
  const clusters = config.managementClusters.map((mc): ManagementCluster => {
    const kubeConfig = kubeConfigFor(mc.name, mc.access);
    const cache = new ClusterCache(kubeConfig, mc.namespaces, logger.child({ managementCluster: mc.name }));
    return {
      name: mc.name,
      namespaces: mc.namespaces,
      kubeConfig,
      client: new K0smotronClient(kubeConfig, { fieldManager: BACKSTAGE_FIELD_MANAGER }),
      cache,
      servesNamespace: ns => !mc.namespaces || mc.namespaces.includes(ns),
    };
  });
  for (const mc of clusters) void mc.cache.start();
  const byName = new Map(clusters.map(c => [c.name, c]));
  return {
    config,
    list: () => clusters,
    find: name => byName.get(name),
    get(name) {
      const mc = byName.get(name);
      if (!mc) {
        throw new NotFoundError(
          `unknown management cluster '${name}'; configured: ${clusters.map(c => c.name).join(', ')}`,
        );
      }
      return mc;
    },
    async stop() {
      await Promise.all(clusters.map(c => c.cache.stop()));
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
