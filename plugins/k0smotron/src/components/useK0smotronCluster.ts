import { useApi } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  K0SMOTRON_CLUSTER_ANNOTATION,
  parseClusterAnnotation,
  type ClusterDetails,
  type ClusterRef,
} from '@k0smotron/plugin-k0smotron-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { k0smotronApiRef } from '../api';

/** True when the entity names a k0smotron Cluster (use it in `EntitySwitch.Case if={…}`). */
export function isK0smotronClusterAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[K0SMOTRON_CLUSTER_ANNOTATION]);
}

export type EntityClusterRef =
  | { kind: 'missing' }
  | { kind: 'invalid'; value: string }
  | { kind: 'ok'; ref: ClusterRef };

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
  cluster?: ClusterDetails;
  loading: boolean;
  error?: Error;
  reload: () => void;
}

/** Fetches the Cluster named by a ref; nothing is fetched without one. */
export function useK0smotronCluster(ref: ClusterRef | undefined): ClusterState {
  const api = useApi(k0smotronApiRef);
  const key = ref ? `${ref.managementCluster}/${ref.namespace}/${ref.name}` : '';
  const state = useAsyncRetry(async () => (ref ? api.getCluster(ref) : undefined), [api, key]);
  return { cluster: state.value, loading: state.loading, error: state.error, reload: state.retry };
}

/** The entity's annotation parsed, and its Cluster fetched. */
export function useEntityK0smotronCluster(): ClusterState & { entityRef: EntityClusterRef } {
  const { entity } = useEntity();
  const entityRef = entityClusterRef(entity);
  const state = useK0smotronCluster(entityRef.kind === 'ok' ? entityRef.ref : undefined);
  return { ...state, entityRef };
}
