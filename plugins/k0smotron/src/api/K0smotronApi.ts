import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ClusterDetails,
  ClusterListResponse,
  ClusterPhase,
  ClusterRef,
  ClusterSummary,
  ClusterWorkersResponse,
  CreateClusterRequest,
  CreateClusterResponse,
  JoinTokenRequestBody,
  JoinTokenResponse,
  ManagementClusterInfo,
  SettingsResponse,
  UpdateClusterRequest,
} from '@k0smotron/plugin-k0smotron-common';

/** Narrows `GET /clusters`; every field is optional. */
export interface ClusterListFilter {
  managementCluster?: string;
  namespace?: string;
  phase?: ClusterPhase;
}

/** What the UI needs from the k0smotron backend plugin (`/api/k0smotron`). */
export interface K0smotronApi {
  listManagementClusters(): Promise<ManagementClusterInfo[]>;
  listClusters(filter?: ClusterListFilter): Promise<ClusterListResponse>;
  getCluster(ref: ClusterRef): Promise<ClusterDetails>;
  createCluster(managementCluster: string, request: CreateClusterRequest): Promise<CreateClusterResponse>;
  updateCluster(ref: ClusterRef, patch: UpdateClusterRequest): Promise<ClusterSummary>;
  deleteCluster(ref: ClusterRef): Promise<void>;
  /** The token is returned once; the backend keeps no copy. */
  createJoinToken(ref: ClusterRef, request: JoinTokenRequestBody): Promise<JoinTokenResponse>;
  /** Whether the user may create Clusters at all, and the tenant policy's join-token limits. */
  getSettings(): Promise<SettingsResponse>;
  /** The child cluster's Nodes, listed from its API server now (the backend waits 5 s at most). */
  getWorkers(ref: ClusterRef): Promise<ClusterWorkersResponse>;
  /** The admin kubeconfig of the child cluster, as YAML. */
  getKubeconfig(ref: ClusterRef): Promise<string>;
}

export const k0smotronApiRef = createApiRef<K0smotronApi>({ id: 'plugin.k0smotron.service' });
