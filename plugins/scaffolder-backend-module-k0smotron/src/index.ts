// Scaffolder actions for k0smotron control planes.
export { scaffolderModuleK0smotron as default } from './module';
export { createK0smotronClusterCreateAction, type ActionDeps as K0smotronActionDeps } from './actions/createCluster';
export { createK0smotronJoinTokenCreateAction } from './actions/createJoinToken';
export { clusterFromInput, SCAFFOLDER_TASK_ANNOTATION, type ClusterCreateInput } from './actions/clusterFromInput';
