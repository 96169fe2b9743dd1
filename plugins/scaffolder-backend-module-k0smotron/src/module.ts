import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { managementClustersServiceRef } from '@k0smotron/plugin-k0smotron-node';
import { createK0smotronClusterCreateAction } from './actions/createCluster';
import { createK0smotronJoinTokenCreateAction } from './actions/createJoinToken';

/** Adds `k0smotron:cluster:create` and `k0smotron:jointoken:create` to the scaffolder. */
export const scaffolderModuleK0smotron = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'k0smotron',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        permissions: coreServices.permissions,
        userInfo: coreServices.userInfo,
        managementClusters: managementClustersServiceRef,
      },
      async init({ scaffolderActions, permissions, userInfo, managementClusters }) {
        scaffolderActions.addActions(
          createK0smotronClusterCreateAction({ managementClusters, permissions, userInfo }),
          createK0smotronJoinTokenCreateAction({ managementClusters, permissions, userInfo }),
        );
      },
    });
  },
});
