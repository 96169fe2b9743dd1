// @k0smotron/plugin-k0smotron-node: what backend modules use of the k0smotron plugin — the shared
// management-cluster service (implemented by @k0smotron/plugin-k0smotron-backend) and the
// reconciler's extension point — without depending on the backend plugin itself.
export {
  managementClustersServiceRef,
  MANAGEMENT_CLUSTERS_NOT_INSTALLED,
  type ManagementCluster,
  type ManagementClustersService,
  type ClusterCacheView,
  type ClusterChange,
  type ClusterChangeListener,
  type ClusterResource,
  type ClusterDecision,
  type ClusterPermission,
  type ClusterPermissionEvaluator,
  type IssuedJoinToken,
} from './managementClusters';
export {
  k0smotronReconcilerExtensionPoint,
  type K0smotronReconcilerExtensionPoint,
  type ChildApiResolver,
  type ChildApiTarget,
  type FunctionalProbeOptions,
} from './extensions';
