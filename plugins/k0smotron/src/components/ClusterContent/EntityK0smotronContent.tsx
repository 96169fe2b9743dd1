import { useEffect, useRef } from 'react';
import Grid from '@material-ui/core/Grid';
import { InfoCard } from '@backstage/core-components';
import { DEFAULT_POLL_INTERVAL_MS, useEntityK0smotronCluster } from '../useK0smotronCluster';
import { RefreshFailedNote, renderClusterStates } from '../shared/ClusterStateViews';
import { ClusterFacts } from '../ClusterCard/ClusterFacts';
import { ClusterActions } from './ClusterActions';
import { useApi } from '@backstage/core-plugin-api';
import type { ClusterRef } from '@k0smotron/plugin-k0smotron-common';
import { describeApiError, k0smotronApiRef } from '../../api';
import { usePolledAsync } from '../usePolledAsync';
import { CertificatesTable, ConditionsTable, EventsTable, OwnedObjectsTable, WorkersTable } from './ClusterTables';

export interface EntityK0smotronContentProps {
  /** How often to re-read the Cluster, in ms; 0 reads it once. 10 s by default. */
  pollIntervalMs?: number;
}

/** The nodes, read live from the child through the backend, on the tab's own polling period. */
function ClusterWorkers(props: { clusterRef: ClusterRef; pollIntervalMs: number; count?: string }) {
  const api = useApi(k0smotronApiRef);
  const { managementCluster, namespace, name } = props.clusterRef;
  const state = usePolledAsync(() => api.getWorkers(props.clusterRef), [api, managementCluster, namespace, name], props.pollIntervalMs);
  // When the operator's count changes, the list is re-read at once, so the table and the card
  // above it do not disagree until the next poll.
  const { reload } = state;
  const lastCount = useRef(props.count);
  useEffect(() => {
    if (lastCount.current === props.count) return;
    lastCount.current = props.count;
    reload();
  }, [props.count, reload]);
  return <WorkersTable nodes={state.value?.nodes} loading={state.loading} error={state.error ? describeApiError(state.error) : undefined} />;
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
        <InfoCard title={cluster.name} subheader={`${cluster.managementCluster} · ${cluster.namespace}`} variant="gridItem">
          <ClusterFacts cluster={cluster} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <ClusterActions cluster={cluster} clusterRef={entityRef.ref} onChanged={reload} />
      </Grid>
      <Grid item xs={12}>
        <ClusterWorkers
          clusterRef={entityRef.ref}
          pollIntervalMs={props.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS}
          count={cluster.workers ? `${cluster.workers.ready}/${cluster.workers.total}` : undefined}
        />
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
