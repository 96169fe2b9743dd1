import React from 'react';
import Grid from '@material-ui/core/Grid';
import { InfoCard } from '@backstage/core-components';
import { useEntityK0smotronCluster } from '../useK0smotronCluster';
import { RefreshFailedNote, renderClusterStates } from '../shared/ClusterStateViews';
import { ClusterFacts } from '../ClusterCard/ClusterFacts';
import { ClusterActions } from './ClusterActions';
import { CertificatesTable, ConditionsTable, EventsTable, OwnedObjectsTable } from './ClusterTables';

export interface EntityK0smotronContentProps {
  /** How often to re-read the Cluster, in ms; 0 reads it once. 10 s by default. */
  pollIntervalMs?: number;
}

/** The entity tab: status, actions, conditions, owned objects, events and certificates. */
export function EntityK0smotronContent(props: EntityK0smotronContentProps) {
  const state = useEntityK0smotronCluster(props.pollIntervalMs);
  const { cluster, entityRef, reload } = state;
  const early = renderClusterStates(state);
  if (early || !cluster || entityRef.kind !== 'ok') return early ?? null;
  return (
    <Grid container spacing={3} alignItems="stretch">
      {state.error && (
        <Grid item xs={12}>
          <RefreshFailedNote error={state.error} />
        </Grid>
      )}
      <Grid item xs={12} md={6}>
        <InfoCard
          title={cluster.name}
          subheader={`${cluster.managementCluster} · ${cluster.namespace}`}
          variant="gridItem"
        >
          <ClusterFacts cluster={cluster} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <ClusterActions cluster={cluster} clusterRef={entityRef.ref} onChanged={reload} />
      </Grid>
      <Grid item xs={12}>
        <ConditionsTable conditions={cluster.conditions} phase={cluster.phase} />
      </Grid>
      <Grid item xs={12} lg={6}>
        <OwnedObjectsTable objects={cluster.ownedObjects} />
      </Grid>
      <Grid item xs={12} lg={6}>
        <CertificatesTable certificates={cluster.certificates} />
      </Grid>
      <Grid item xs={12}>
        <EventsTable events={cluster.events} />
      </Grid>
    </Grid>
  );
}
