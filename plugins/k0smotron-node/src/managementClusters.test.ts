import { createBackendModule } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import { MANAGEMENT_CLUSTERS_NOT_INSTALLED, managementClustersServiceRef } from './managementClusters';

// A module of another plugin that needs the management clusters, as the catalog and scaffolder
// modules do; the backend plugin that implements the service is deliberately left out.
const needsManagementClusters = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'needs-k0smotron',
  register(reg) {
    reg.registerInit({
      deps: { managementClusters: managementClustersServiceRef },
      async init({ managementClusters }) {
        managementClusters.list();
      },
    });
  },
});

it('a backend without @k0smotron/plugin-k0smotron-backend fails to start, naming the package to add', async () => {
  await expect(startTestBackend({ features: [needsManagementClusters] })).rejects.toThrow(MANAGEMENT_CLUSTERS_NOT_INSTALLED);
});
