import {
  createServiceRef,
  type BackstageCredentials,
  type BackstageUserPrincipal,
  type PermissionsService,
  type UserInfoService,
} from '@backstage/backend-plugin-api';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, TenantPolicy } from '@k0smotron/api';
import type { K0smotronClient } from '@k0smotron/api/client';
import type { JoinTokenRequestBody, JoinTokenResponse, K0SMOTRON_CLUSTER_RESOURCE_TYPE, NodePortChoiceNotice } from '@k0smotron/plugin-k0smotron-common';

// The contract between the k0smotron backend plugin, which implements these services, and the
// backend modules of other plugins (catalog, scaffolder) that use them. Only types and refs live
// here, so a module depends on this package and never on the backend plugin or the operator.

/** A change the watch of a management cluster saw. */
export type ClusterChange = { type: 'add' | 'update' | 'delete'; cluster: Cluster };
export type ClusterChangeListener = (change: ClusterChange) => void;

/** The watch-backed cache of one management cluster's Clusters (read-only view). */
export interface ClusterCacheView {
  /** The served Clusters, of one namespace when given. */
  list(namespace?: string): readonly Cluster[];
  get(namespace: string, name: string): Cluster | undefined;
  /** Calls the listener for every change from now on; returns the unsubscribe function. */
  subscribe(listener: ClusterChangeListener): () => void;
  /** Whether every watched namespace has been listed since the last error. */
  isSynced(): boolean;
  /** Resolves true once in sync, false when `timeoutMs` passed first. */
  waitForSync(timeoutMs: number): Promise<boolean>;
  /** Why the cache is not in sync, for messages. */
  lastError(): string | undefined;
}

/**
 * What a permission rule sees of a Cluster: where it lives and its trusted owner. Small on
 * purpose, so a decision can be made on a Cluster that does not exist yet (create).
 */
export interface ClusterResource {
  managementCluster: string;
  namespace: string;
  name: string;
  /** Entity ref of the catalog owner from a trusted source (`ManagementCluster.ownerOf`). */
  owner: string;
}

/** Whether one Cluster passes a policy decision. */
export type ClusterDecision = (resource: ClusterResource) => boolean;

export type ClusterPermission = ResourcePermission<typeof K0SMOTRON_CLUSTER_RESOURCE_TYPE>;

/**
 * Turns permission decisions into yes/no for Clusters, evaluating a CONDITIONAL decision on the
 * Cluster in memory with the k0smotron permission rules, exactly as the REST API does.
 */
export interface ClusterPermissionEvaluator {
  /** The decision for `permission` as a predicate; `denied` when no Cluster could pass. */
  decide(permission: ClusterPermission, credentials: BackstageCredentials): Promise<{ denied: boolean; allows: ClusterDecision }>;
  /** Throws NotAllowedError (403) naming the permission unless the decision allows `resource`. */
  require(permission: ClusterPermission, credentials: BackstageCredentials, resource: ClusterResource, what: string): Promise<void>;
}

/** An issued join token, its commands and the JoinTokenRequest that holds it. */
export type IssuedJoinToken = JoinTokenResponse & { joinTokenRequestName: string };

/** One management cluster: its API access, a watch-backed cache of its Clusters, and the operations on them. */
export interface ManagementCluster {
  readonly name: string;
  /** undefined = all namespaces except the tenant policy's deniedNamespaces. */
  readonly namespaces?: string[];
  readonly kubeConfig: KubeConfig;
  readonly client: K0smotronClient;
  readonly cache: ClusterCacheView;
  /** Whether a namespace is served by this management cluster. */
  servesNamespace(namespace: string): boolean;
  /** The catalog owner of a Cluster from a trusted source (namespace owner, trusted annotation, default). */
  ownerOf(cluster: Pick<Cluster, 'metadata'>): string;
  /**
   * The Cluster to create, with a free NodePort pair when it is a NodePort Cluster without ports,
   * and a notice saying what was chosen. Unchanged (no notice) for any other Cluster.
   */
  withFreeNodePorts(cluster: Cluster): Promise<{ cluster: Cluster; nodePorts?: NodePortChoiceNotice }>;
  /** The CA certificate (PEM, base64 as stored) of a Cluster, undefined until it exists; never its key. */
  caCertificateBase64(cluster: Pick<Cluster, 'metadata' | 'spec'>): Promise<string | undefined>;
  /**
   * Creates a JoinTokenRequest and waits for the operator to issue its token (default 30 s). The
   * token is returned to the caller and kept nowhere else; the operator's refusal is a 400 on
   * the role, a timeout a JoinTokenTimeoutError.
   */
  issueJoinToken(opts: {
    cluster: Cluster;
    body: JoinTokenRequestBody;
    requestedBy?: string;
    timeoutMs?: number;
    signal?: AbortSignal;
    onProgress?: (message: string) => void;
  }): Promise<IssuedJoinToken>;
}

/** The configured management clusters (`k0smotron.managementClusters`), shared by one process. */
export interface ManagementClustersService {
  /** `k0smotron.policy`: the same keys and defaults as the operator's tenant policy. */
  readonly policy: TenantPolicy;
  list(): ManagementCluster[];
  /** Throws NotFoundError (404); the message does not list the configured clusters. */
  get(name: string): ManagementCluster;
  find(name: string): ManagementCluster | undefined;
  /** Cluster decisions through the calling plugin's permissions service. */
  permissionEvaluator(permissions: PermissionsService): ClusterPermissionEvaluator;
  /**
   * The owner a user may give a new Cluster: the user or one of the user's groups, as an entity
   * ref (a bare name means a group). Throws NotAllowedError for anyone else; undefined when no
   * owner is asked for.
   */
  checkOwnerClaim(userInfo: UserInfoService, credentials: BackstageCredentials<BackstageUserPrincipal>, owner: string | undefined): Promise<string | undefined>;
}

/** Why a backend has no implementation of the service: said at startup instead of a bare "missing service". */
export const MANAGEMENT_CLUSTERS_NOT_INSTALLED =
  "the k0smotron management-cluster service is provided by @k0smotron/plugin-k0smotron-backend: add it to the backend (backend.add(import('@k0smotron/plugin-k0smotron-backend')))";

/**
 * The management clusters, root-scoped so the backend plugin and every module share one watch
 * per management cluster in a process. Implemented by `@k0smotron/plugin-k0smotron-backend`,
 * whose default export installs the implementation next to the plugin.
 */
export const managementClustersServiceRef = createServiceRef<ManagementClustersService>({
  id: 'k0smotron.managementClusterAccess',
  scope: 'root',
  // The implementation lives in the backend plugin, which this package must not import. Without
  // this default Backstage would only name the ref; this says which package to add.
  defaultFactory: async () => {
    throw new Error(MANAGEMENT_CLUSTERS_NOT_INSTALLED);
  },
});
