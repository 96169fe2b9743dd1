import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { k0smotronPermissions } from '@k0smotron/plugin-k0smotron-common';
import { managementClustersServiceRef } from './service/managementClusters';
import { createRouter } from './service/router';
import { readKubeconfigLifetimeMs } from './service/userKubeconfig';
import { startEmbeddedReconciler, type ChildApiResolver, type EmbeddedReconciler } from './service/embeddedReconciler';
import { k0smotronReconcilerExtensionPoint } from './extensions';

/** The k0smotron backend plugin: REST API under /api/k0smotron and the optional reconciler. */
export const k0smotronPlugin = createBackendPlugin({
  pluginId: 'k0smotron',
  register(env) {
    let childApi: ChildApiResolver | undefined;
    env.registerExtensionPoint(k0smotronReconcilerExtensionPoint, {
      setChildApiResolver(resolver) {
        childApi = resolver;
      },
    });
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        managementClusters: managementClustersServiceRef,
        rootConfig: coreServices.rootConfig,
      },
      async init({ logger, httpRouter, httpAuth, permissions, permissionsRegistry, auditor, lifecycle, managementClusters, rootConfig }) {
        permissionsRegistry.addPermissions(k0smotronPermissions);
        const { config } = managementClusters;
        let reconciler: EmbeddedReconciler | undefined;
        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            permissions,
            auditor,
            managementClusters,
            kubeconfigAccessEnabled: config.kubeconfigAccessEnabled,
            kubeconfigLifetimeMs: readKubeconfigLifetimeMs(rootConfig),
            reconcilerStatus: () => ({ enabled: config.reconciler.enabled, items: reconciler?.status() ?? [] }),
          }),
        );
        if (config.reconciler.enabled) {
          // Started once the backend is up, so a slow management cluster does not delay startup.
          lifecycle.addStartupHook(async () => {
            reconciler = await startEmbeddedReconciler(managementClusters, logger, { childApi });
          });
          lifecycle.addShutdownHook(async () => {
            await reconciler?.stop();
          });
        }
      },
    });
  },
});
