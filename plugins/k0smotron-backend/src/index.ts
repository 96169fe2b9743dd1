// The k0smotron Backstage backend plugin (id `k0smotron`). Its default export also installs the
// implementation of the management-cluster service of @k0smotron/plugin-k0smotron-node, which
// the catalog and scaffolder modules use.
export { k0smotronBackendFeatures as default, k0smotronPlugin } from './plugin';
export { managementClusterAccessServiceFactory, createManagementClusterAccess } from './managementClusterAccess';
// The service's ref and types are the node package's; re-exported for code that imports them from here.
export { managementClustersServiceRef, type ManagementCluster, type ManagementClustersService, type ChildApiResolver } from '@k0smotron/plugin-k0smotron-node';
export { createManagementClusters, BACKSTAGE_FIELD_MANAGER } from './service/managementClusters';
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
export { clusterOwner, normalizeEntityRef } from './service/managementClusters';
export { checkOwnerClaim } from './service/ownerClaim';
export { redactUrlCredentials, shortErrorMessage } from './service/redact';
export { unsafeCreateFields } from './service/requestValidation';
export { ClusterCache, type ClusterChange, type ClusterChangeListener } from './service/clusterCache';
export { ClusterInspector } from './service/clusterInspector';
export { toClusterSummary } from './service/summaries';
export { issueJoinToken, JoinTokenTimeoutError, JOIN_TOKEN_WAIT_MS } from './service/joinTokens';
export { desiredCluster } from './service/router';
export { withFreeNodePorts, needsNodePortChoice, clusterNodePorts } from './service/nodePorts';
export { checkCreateClusterRequest, checkJoinTokenRequestBody } from './service/requestValidation';
export { readK0smotronConfig, type K0smotronBackendConfig } from './config/managementClusterConfig';
export { k0smotronReconcilerExtensionPoint, type K0smotronReconcilerExtensionPoint } from './extensions';
export type { ReconcilerStatus } from './service/embeddedReconciler';
