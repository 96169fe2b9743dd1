import { coreServices, createBackendFeatureLoader, createBackendPlugin } from '@backstage/backend-plugin-api';
import { k0smotronReconcilerExtensionPoint, type ChildApiResolver, type FunctionalProbeOptions } from '@k0smotron/plugin-k0smotron-node';
import { k0smotronPermissions, parseClusterAnnotation } from '@k0smotron/plugin-k0smotron-common';
import { k0smotronClusterPermissionResourceRef, k0smotronClusterPermissionRules, type ClusterResource } from './permissions/clusterPermissions';
import { managementClustersServiceRef } from './service/managementClusters';
import { createRouter } from './service/router';
import { readKubeconfigLifetimeMs } from './service/userKubeconfig';
import { readJoinTokenTimeoutMs } from './service/joinTokens';
import { startEmbeddedReconciler, type EmbeddedReconciler } from './service/embeddedReconciler';
import { managementClusterAccessServiceFactory } from './managementClusterAccess';

/** The k0smotron backend plugin: REST API under /api/k0smotron and the optional reconciler. */
export const k0smotronPlugin = createBackendPlugin({
  pluginId: 'k0smotron',
  register(env) {
    let childApi: ChildApiResolver | undefined;
    let functionalProbe: FunctionalProbeOptions | undefined;
    env.registerExtensionPoint(k0smotronReconcilerExtensionPoint, {
      setChildApiResolver(resolver) {
        childApi = resolver;
      },
      setFunctionalProbeOptions(options) {
        functionalProbe = options;
      },
    });
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        userInfo: coreServices.userInfo,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        managementClusters: managementClustersServiceRef,
        rootConfig: coreServices.rootConfig,
      },
      async init({ logger, httpRouter, httpAuth, permissions, permissionsRegistry, userInfo, auditor, lifecycle, managementClusters, rootConfig }) {
        permissionsRegistry.addPermissions(k0smotronPermissions);
        permissionsRegistry.addResourceType({
          resourceRef: k0smotronClusterPermissionResourceRef,
          permissions: k0smotronPermissions,
          rules: Object.values(k0smotronClusterPermissionRules),
          // Lets the permission backend answer `authorize` with a resourceRef (the frontend asks
          // so per entity): a Cluster unknown to the cache, or not served, is denied.
          async getResources(refs) {
            return refs.map((ref): ClusterResource | undefined => {
              const parsed = parseClusterAnnotation(ref);
              const mc = parsed && managementClusters.find(parsed.managementCluster);
              if (!parsed || !mc || !mc.servesNamespace(parsed.namespace)) return undefined;
              const cluster = mc.cache.get(parsed.namespace, parsed.name);
              return cluster ? { ...parsed, owner: mc.ownerOf(cluster) } : undefined;
            });
          },
        });
        const { config } = managementClusters;
        let reconciler: EmbeddedReconciler | undefined;
        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            permissions,
            userInfo,
            auditor,
            managementClusters,
            kubeconfigAccessEnabled: config.kubeconfigAccessEnabled,
            kubeconfigLifetimeMs: readKubeconfigLifetimeMs(rootConfig),
            joinTokenTimeoutMs: readJoinTokenTimeoutMs(rootConfig),
            reconcilerStatus: () => ({ enabled: config.reconciler.enabled, items: reconciler?.status() ?? [] }),
          }),
        );
        if (config.reconciler.enabled) {
          // Started once the backend is up, so a slow management cluster does not delay startup.
          lifecycle.addStartupHook(async () => {
            reconciler = await startEmbeddedReconciler(managementClusters, logger, { childApi, functionalProbe });
          });
          lifecycle.addShutdownHook(async () => {
            await reconciler?.stop();
          });
        }
      },
    });
  },
});

/**
 * The package's default export: the plugin and the implementation of the management-cluster
 * service of `@k0smotron/plugin-k0smotron-node`, which the catalog and scaffolder modules use.
 */
export const k0smotronBackendFeatures = createBackendFeatureLoader({
  loader: () => [k0smotronPlugin, managementClusterAccessServiceFactory],
});
