// The k0smotron Backstage backend plugin (id `k0smotron`). Its default export also installs the
// implementation of the management-cluster service of @k0smotron/plugin-k0smotron-node, which
// the catalog and scaffolder modules use.
export { k0smotronBackendFeatures as default, k0smotronPlugin } from './plugin';
// The management-cluster service alone, for an app that runs the catalog or scaffolder module
// without the plugin's REST API.
export { managementClusterAccessServiceFactory } from './managementClusterAccess';
// The service's ref and types are the node package's; re-exported for code that imports them from here.
export { managementClustersServiceRef, type ManagementCluster, type ManagementClustersService, type ChildApiResolver } from '@k0smotron/plugin-k0smotron-node';
// Permissions: what an adopter's permission policy needs to decide on k0smotron Clusters.
export {
  k0smotronClusterPermissionResourceRef,
  k0smotronClusterPermissionRules,
  k0smotronClusterConditions,
  createK0smotronClusterConditionalDecision,
  clusterResourceRef,
  ClusterPermissionEvaluator,
  type ClusterResource,
  type ClusterQuery,
  type ClusterDecision,
  type ClusterCriteria,
} from './permissions/clusterPermissions';
export { K0smotronTenantPermissionPolicy, type K0smotronGrant, type K0smotronTenantPolicyOptions } from './permissions/tenantPermissionPolicy';
export { k0smotronReconcilerExtensionPoint, type K0smotronReconcilerExtensionPoint } from './extensions';
export type { ReconcilerStatus } from './service/embeddedReconciler';
