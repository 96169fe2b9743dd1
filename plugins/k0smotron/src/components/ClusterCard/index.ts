export { EntityK0smotronClusterCard } from './EntityK0smotronClusterCard';
export type { EntityK0smotronClusterCardProps } from './EntityK0smotronClusterCard';
export { ClusterFacts } from './ClusterFacts';
