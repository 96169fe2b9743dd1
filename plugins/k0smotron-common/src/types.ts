import type { ClusterPhase, ClusterSpec, ClusterStatus, Condition, JoinRole } from '@k0smotron/api';

// Bodies of the k0smotron backend REST API (`/api/k0smotron`). See README.md for the routes.

/** What `clusterPhase()` of `@k0smotron/api` reports for a Cluster (declared there, with CLUSTER_PHASES). */
export type { ClusterPhase };

export interface ClusterSummary {
  managementCluster: string;
  namespace: string;
  name: string;
  uid: string;
  creationTimestamp: string;
  phase: ClusterPhase;
  /** Desired controllers (`spec.replicas`). */
  replicas: number;
  readyReplicas: number;
  /** The running version when known, else the desired one. */
  version: string;
  /** The API URL (`status.endpoint`) once the control plane is exposed. */
  endpoint?: string;
  serviceType: string;
  storageType: string;
  /**
   * Reconciliation is paused (annotation `k0smotron.io/paused`). False on a Cluster the upstream
   * k0smotron operator manages: it ignores the annotation.
   */
  paused: boolean;
  /**
   * Which operator writes the Cluster's status (`statusWriter` of `@k0smotron/api`): this
   * project's (`k0smotron`), upstream k0smotron's (`upstream`, which ignores the pause
   * annotation), or none yet. Absent from backends that predate it.
   */
  managedBy?: 'k0smotron' | 'upstream' | 'none';
  /** `spec.replicas` is 0: the control plane is asleep. */
  sleeping: boolean;
  conditions: Condition[];
  labels: Record<string, string>;
  /**
   * Worker nodes of the child cluster as the operator last counted them (`status.workers`).
   * Absent while the control plane does not answer or before the first count: unknown, not zero.
   */
  workers?: { total: number; ready: number };
}

/** One Node of the child cluster (every Node is a worker: controllers run as pods). */
export interface WorkerNode {
  name: string;
  /** The Ready condition's status: `True`, `False` or `Unknown`. */
  ready: string;
  kubeletVersion?: string;
  /** RFC 3339 creation time of the Node. */
  createdAt?: string;
  /** InternalIP, else the first address the kubelet reports. */
  address?: string;
}

/** `GET /clusters/:mc/:namespace/:name/workers`: the Nodes, listed from the child API now. */
export interface ClusterWorkersResponse {
  total: number;
  ready: number;
  nodes: WorkerNode[];
}

export interface OwnedObjectSummary {
  kind: string;
  name: string;
  ready?: boolean;
  message?: string;
}

export interface ClusterEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastTimestamp: string;
}

export interface CertificateSummary {
  /** Secret name, e.g. `<name>-ca`. */
  name: string;
  /** `ca`, `sa`, `proxy`, `etcd`, … */
  purpose: string;
  /** RFC 3339 expiry of the certificate. */
  notAfter: string;
}

export interface ClusterDetails extends ClusterSummary {
  spec: ClusterSpec;
  status: ClusterStatus;
  ownedObjects: OwnedObjectSummary[];
  events: ClusterEvent[];
  certificates: CertificateSummary[];
}

export interface ClusterListResponse {
  items: ClusterSummary[];
  /** Management clusters that could not be read, with why (the rest are still listed). */
  errors?: { managementCluster: string; message: string }[];
}

export interface CreateClusterRequest {
  namespace: string;
  name: string;
  /**
   * Without `k0smotron.cluster.create.advanced` only the self-service fields: `replicas`,
   * `version`, `service.{type,apiPort,konnectivityPort}`, `externalAddress`,
   * `storage.type` with `storage.etcd.persistence.{size,storageClass}` or
   * `storage.kine.dataSourceSecretName`.
   */
  spec: ClusterSpec;
  labels?: Record<string, string>;
  /** Needs `k0smotron.cluster.create.advanced`. */
  annotations?: Record<string, string>;
  /**
   * Catalog owner (e.g. `group:default/team-a`): the user or one of the groups the user belongs
   * to. Ignored where the management cluster configures an owner for the namespace.
   */
  owner?: string;
}

/**
 * The NodePorts a NodePort Cluster created without ports was given. NodePorts are cluster-wide:
 * Backstage picks a free pair, the defaults (30443/30132) when those are free.
 */
export interface NodePortChoiceNotice {
  apiPort: number;
  konnectivityPort: number;
  /** False when no free pair could be found (or no Service read) and the defaults were asked for. */
  chosen: boolean;
  /** One sentence: what was chosen, and from which namespaces' Services when not all could be read. */
  message: string;
}

/** `POST /clusters/:mc`: the new Cluster, and the NodePorts chosen for it when it needed them. */
export interface CreateClusterResponse extends ClusterSummary {
  nodePorts?: NodePortChoiceNotice;
}

/** `GET /settings`: what the caller may do in general, and the tenant policy's limits. */
export interface SettingsResponse {
  /** False when the caller may create no Cluster anywhere. */
  createAllowed: boolean;
  joinTokens: {
    /** Go duration, e.g. `24h`. */
    maxExpiry: string;
    maxExpirySeconds: number;
    /** Whether `expiry: 0s` (never) is accepted. */
    allowNeverExpiring: boolean;
  };
}

export interface UpdateClusterRequest {
  replicas?: number;
  version?: string;
  paused?: boolean;
}

export interface JoinTokenRequestBody {
  role: JoinRole;
  /** Go duration, e.g. `1h` or `24h`; `0s` never expires. */
  expiry: string;
}

export interface JoinTokenResponse {
  /** Shown once: the backend does not keep it. */
  token: string;
  role: JoinRole;
  /** RFC 3339; absent when the token does not expire. */
  expiresAt?: string;
  /** Shell commands that join a machine with this token. */
  commands: string[];
}

export interface ManagementClusterInfo {
  name: string;
  /** Namespaces served; absent means all. */
  namespaces?: string[];
}

export interface ManagementClusterListResponse {
  items: ManagementClusterInfo[];
}

export interface FieldError {
  /** JSON path of the field, e.g. `spec.replicas`. */
  path: string;
  message: string;
}

/** 400 body: what is wrong, per field. */
export interface ValidationErrorResponse {
  error: { name: 'InputError'; message: string };
  fieldErrors: FieldError[];
}

/** `GET /reconciler`: the embedded reconciler of the replica that answered. */
export interface ReconcilerStatusResponse {
  enabled: boolean;
  items: {
    managementCluster: string;
    /** This replica holds the Lease and reconciles. */
    leader: boolean;
    ready: boolean;
    reasons: string[];
    /** Writes this replica's reconciler made (0 on a follower). */
    writeRequests: number;
  }[];
}
