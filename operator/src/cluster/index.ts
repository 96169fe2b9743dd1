export { clusterController, CLUSTER_GVK } from './controller';
export type { ClusterControllerOptions, ClusterFunctionalProbe } from './controller';
export * as desired from './desired';
