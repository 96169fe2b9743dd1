import { coreServices, createBackendModule, readSchedulerServiceTaskScheduleDefinitionFromConfig } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { managementClustersServiceRef } from '@k0smotron/plugin-k0smotron-node';
import { K0smotronEntityProvider } from './provider/K0smotronEntityProvider';

/** Catalog module: k0smotron Clusters as `Resource` entities of type `kubernetes-cluster`. */
export const catalogModuleK0smotron = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'k0smotron',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        managementClusters: managementClustersServiceRef,
      },
      async init({ catalog, config, logger, scheduler, lifecycle, managementClusters }) {
        const cfg = config.getOptionalConfig('catalog.providers.k0smotron');
        const schedule = cfg?.has('schedule')
          ? readSchedulerServiceTaskScheduleDefinitionFromConfig(cfg.getConfig('schedule'))
          : { frequency: { minutes: 30 }, timeout: { minutes: 3 }, initialDelay: { seconds: 5 } };
        const provider = new K0smotronEntityProvider({
          managementClusters,
          logger,
          taskRunner: scheduler.createScheduledTaskRunner(schedule),
          // The owner is the management clusters' trusted owner (k0smotron.ownership; the
          // default owner falls back to catalog.providers.k0smotron.defaultOwner).
          defaults: {
            system: cfg?.getOptionalString('defaultSystem'),
            authProvider: cfg?.getOptionalString('authProvider') ?? 'serviceAccount',
          },
        });
        catalog.addEntityProvider(provider);
        lifecycle.addShutdownHook(() => provider.disconnect());
      },
    });
  },
});
