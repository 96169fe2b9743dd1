import { useApi } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { K0SMOTRON_CLUSTER_ANNOTATION, parseClusterAnnotation, type ClusterDetails, type ClusterRef } from '@k0smotron/plugin-k0smotron-common';
import { k0smotronApiRef } from '../api';
import { usePolledAsync } from './usePolledAsync';

/** How often the card and the tab re-read their Cluster, so phase changes show up by themselves. */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;

/** True when the entity names a k0smotron Cluster (use it in `EntitySwitch.Case if={…}`). */
export function isK0smotronClusterAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[K0SMOTRON_CLUSTER_ANNOTATION]);
}

export type EntityClusterRef = { kind: 'missing' } | { kind: 'invalid'; value: string } | { kind: 'ok'; ref: ClusterRef };

export function entityClusterRef(entity: Entity): EntityClusterRef {
  const value = entity.metadata.annotations?.[K0SMOTRON_CLUSTER_ANNOTATION];
  if (!value) return { kind: 'missing' };
  const ref = parseClusterAnnotation(value);
  return ref ? { kind: 'ok', ref } : { kind: 'invalid', value };
}

/** True for a 404 from the backend (a `ResponseError`) or a NotFoundError thrown locally. */
export function isNotFoundError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error as { statusCode?: unknown }).statusCode === 404 || error.name === 'NotFoundError';
}

export interface ClusterState {
  /** The last Cluster read; kept while a later refresh fails, dropped once it is gone (404). */
  cluster?: ClusterDetails;
  loading: boolean;
  error?: Error;
  reload: () => void;
}

/** Fetches the Cluster named by a ref, then re-reads it every `pollIntervalMs` (0: once). */
export function useK0smotronCluster(ref: ClusterRef | undefined, pollIntervalMs: number = DEFAULT_POLL_INTERVAL_MS): ClusterState {
  const api = useApi(k0smotronApiRef);
  const key = ref ? `${ref.managementCluster}/${ref.namespace}/${ref.name}` : '';
  const state = usePolledAsync(async () => (ref ? api.getCluster(ref) : undefined), [api, key], ref ? pollIntervalMs : 0);
  const gone = state.error !== undefined && isNotFoundError(state.error);
  return { cluster: gone ? undefined : state.value, loading: state.loading, error: state.error, reload: state.reload };
}

/** The entity's annotation parsed, and its Cluster fetched and kept fresh. */
export function useEntityK0smotronCluster(pollIntervalMs?: number): ClusterState & { entityRef: EntityClusterRef } {
  const { entity } = useEntity();
  const entityRef = entityClusterRef(entity);
  const state = useK0smotronCluster(entityRef.kind === 'ok' ? entityRef.ref : undefined, pollIntervalMs);
  return { ...state, entityRef };
}
