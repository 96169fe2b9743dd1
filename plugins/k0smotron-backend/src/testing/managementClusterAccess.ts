import type { LoggerService, RootConfigService } from '@backstage/backend-plugin-api';
import type { ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import { createManagementClusterAccess } from '../managementClusterAccess';
import { createManagementClusters } from '../service/managementClusters';

/** The management-cluster service as the plugin provides it, and how to stop its watches. */
export interface TestManagementClusterAccess {
  service: ManagementClustersService;
  stop(): Promise<void>;
}

/**
 * Builds the management-cluster service the backend plugin installs, without a backend, for tests
 * that call the catalog or scaffolder module's code directly. Stop it after the test.
 */
export function startTestManagementClusterAccess(rootConfig: RootConfigService, logger: LoggerService): TestManagementClusterAccess {
  const clusters = createManagementClusters(rootConfig, logger);
  return { service: createManagementClusterAccess(clusters), stop: () => clusters.stop() };
}
