import React from 'react';
import { InfoCard } from '@backstage/core-components';
import { useEntityK0smotronCluster } from '../useK0smotronCluster';
import { renderClusterStates } from '../shared/ClusterStateViews';
import { ClusterFacts } from './ClusterFacts';

export interface EntityK0smotronClusterCardProps {
  /** Card title; "k0smotron control plane" by default. */
  title?: string;
  /** InfoCard variant, e.g. `gridItem` to fill a Grid cell. */
  variant?: 'gridItem' | 'fullHeight';
}

/** Status at a glance of the k0smotron Cluster named by the entity's `k0smotron.io/cluster`. */
export function EntityK0smotronClusterCard(props: EntityK0smotronClusterCardProps) {
  const state = useEntityK0smotronCluster();
  const { entityRef, cluster } = state;
  const subheader =
    entityRef.kind === 'ok'
      ? `${entityRef.ref.managementCluster} · ${entityRef.ref.namespace}/${entityRef.ref.name}`
      : undefined;
  return (
    <InfoCard title={props.title ?? 'k0smotron control plane'} subheader={subheader} variant={props.variant}>
      {renderClusterStates(state) ?? (cluster && <ClusterFacts cluster={cluster} />)}
    </InfoCard>
  );
}
