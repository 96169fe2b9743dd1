import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** Publishes every k0smotron Cluster (of `k0smotron.managementClusters`) as a Resource. */
      k0smotron?: {
        /** Owner where k0smotron.ownership names none (k0smotron.ownership.defaultOwner wins). Default `unknown`. */
        defaultOwner?: string;
        /** System when the Cluster has no `backstage.io/system` annotation or label. */
        defaultSystem?: string;
        /** Value of `kubernetes.io/auth-provider` for Backstage's Kubernetes plugin. Default `serviceAccount`. */
        authProvider?: string;
        /** Full refresh; changes arrive immediately from the watch. Default every 30 minutes. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
