// Scaffolder actions for k0smotron control planes.
export { scaffolderModuleK0smotron as default } from './module';
export { createK0smotronClusterCreateAction } from './actions/createCluster';
export { createK0smotronJoinTokenCreateAction } from './actions/createJoinToken';
export { clusterFromInput, SCAFFOLDER_TASK_ANNOTATION } from './actions/clusterFromInput';
