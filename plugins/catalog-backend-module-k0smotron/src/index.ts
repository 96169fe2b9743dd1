// Catalog entity provider for k0smotron Clusters.
export { catalogModuleK0smotron as default } from './module';
export { K0smotronEntityProvider } from './provider/K0smotronEntityProvider';
export { clusterToEntity, WORKERS_READY_ANNOTATION, WORKERS_TOTAL_ANNOTATION, type ClusterEntityDefaults } from './provider/clusterEntity';
