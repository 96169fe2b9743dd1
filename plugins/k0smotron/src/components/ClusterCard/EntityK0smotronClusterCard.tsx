import { InfoCard } from '@backstage/core-components';
import { useEntityK0smotronCluster } from '../useK0smotronCluster';
import { RefreshFailedNote, renderClusterStates } from '../shared/ClusterStateViews';
import { ClusterFacts } from './ClusterFacts';

export interface EntityK0smotronClusterCardProps {
  /** Card title; "k0smotron control plane" by default. */
  title?: string;
  /** InfoCard variant, e.g. `gridItem` to fill a Grid cell. */
  variant?: 'gridItem' | 'fullHeight';
  /** How often to re-read the Cluster, in ms; 0 reads it once. 10 s by default. */
  pollIntervalMs?: number;
}

/** Status at a glance of the k0smotron Cluster named by the entity's `k0smotron.io/cluster`. */
export function EntityK0smotronClusterCard(props: EntityK0smotronClusterCardProps) {
  const state = useEntityK0smotronCluster(props.pollIntervalMs);
  const { entityRef, cluster } = state;
  const subheader = entityRef.kind === 'ok' ? `${entityRef.ref.managementCluster} · ${entityRef.ref.namespace}/${entityRef.ref.name}` : undefined;
  return (
    <InfoCard title={props.title ?? 'k0smotron control plane'} subheader={subheader} variant={props.variant}>
      {renderClusterStates(state) ??
        (cluster && (
          <>
            <RefreshFailedNote error={state.error} />
            <ClusterFacts cluster={cluster} />
          </>
        ))}
    </InfoCard>
  );
}
