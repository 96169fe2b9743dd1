// The k0smotron Backstage frontend plugin, legacy frontend system. The new frontend system's
// plugin is the default export of `@k0smotron/plugin-k0smotron/alpha`.
export { k0smotronPlugin, EntityK0smotronClusterCard, EntityK0smotronContent, K0smotronClustersPage } from './plugin';
export { rootRouteRef } from './routes';
export { k0smotronApiRef, K0smotronClient, describeApiError } from './api';
export type { K0smotronApi, ClusterListFilter } from './api';
export { isK0smotronClusterAvailable } from './components/useK0smotronCluster';
export type { EntityK0smotronClusterCardProps } from './components/ClusterCard';
export type { EntityK0smotronContentProps } from './components/ClusterContent';
export type { K0smotronClustersPageProps } from './components/ClustersPage';
export { K0SMOTRON_CLUSTER_ANNOTATION } from '@k0smotron/plugin-k0smotron-common';
