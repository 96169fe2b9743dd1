// One in-memory shape for every Cluster spec the API server may hold: v1beta1 field names are
// mapped onto the v1beta2 shape and every default the CRD would apply is filled in, so the
// operator, the CLI and the UIs never handle "absent" or legacy fields themselves.
import type { V1TopologySpreadConstraint, V1Volume } from '@kubernetes/client-node';
import {
  DEFAULT_API_PORT,
  DEFAULT_ETCD_IMAGE,
  DEFAULT_ETCD_SIZE,
  DEFAULT_JOIN_TOKEN_EXPIRY,
  DEFAULT_K0S_IMAGE,
  DEFAULT_K0S_VERSION,
  DEFAULT_KONNECTIVITY_PORT,
} from './constants';
import type { CertificateRef, ClusterSpec, ComponentPatch, EtcdSpec, KineSpec, Mount, PersistenceType, ServiceType, StorageType } from './schema/cluster';
import type { ResourceRequirements } from './schema/common';
import type { JoinRole, JoinTokenRequest } from './schema/jointokenrequest';

export const DEFAULT_ETCD_DEFRAG = {
  enabled: false,
  schedule: '0 12 * * *',
  rule: 'dbQuotaUsage > 0.8 || dbSize - dbSizeInUse > 200*1024*1024',
  image: 'ghcr.io/ahrtr/etcd-defrag:v0.16.0',
} as const;

export interface NormalizedServiceSpec {
  type: ServiceType;
  apiPort: number;
  konnectivityPort: number;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  loadBalancerClass?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
}

export interface NormalizedEtcdSpec {
  image: string;
  args: string[];
  persistence: { storageClass?: string; size: string | number };
  autoDeletePVCs: boolean;
  defragJob: { enabled: boolean; schedule: string; rule: string; image: string };
  resources?: ResourceRequirements;
}

export interface NormalizedStorageSpec {
  type: StorageType;
  /** Always present (upstream defaults it), used only when type is etcd. */
  etcd: NormalizedEtcdSpec;
  kine: KineSpec;
}

export interface NormalizedPersistenceSpec {
  type: PersistenceType;
  hostPath?: string;
  persistentVolumeClaim?: NonNullable<ClusterSpec['persistence']>['persistentVolumeClaim'];
  autoDeletePVCs: boolean;
}

/** A Cluster spec in the v1beta2 shape with every default applied. */
export interface NormalizedClusterSpec {
  replicas: number;
  image: string;
  version: string;
  serviceAccount?: string;
  externalAddress?: string;
  service: NormalizedServiceSpec;
  persistence: NormalizedPersistenceSpec;
  storage: NormalizedStorageSpec;
  k0sConfig?: Record<string, unknown>;
  /** Undefined means "let the operator generate the certificates" (upstream semantics of nil). */
  certificateRefs?: CertificateRef[];
  manifests: V1Volume[];
  mounts: Mount[];
  controlPlaneFlags: string[];
  resources?: ResourceRequirements;
  topologySpreadConstraints: V1TopologySpreadConstraint[];
  kubeconfigSecretMetadata: { labels: Record<string, string>; annotations: Record<string, string> };
  patches: ComponentPatch[];
}

function normalizeEtcd(...layers: (EtcdSpec | undefined)[]): NormalizedEtcdSpec {
  // Later layers win field by field (v1beta2 `storage.etcd` over v1beta1 `etcd`).
  const merged: EtcdSpec = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  }
  const etcd: NormalizedEtcdSpec = {
    image: merged.image || DEFAULT_ETCD_IMAGE,
    args: [...(merged.args ?? [])],
    persistence: {
      ...(merged.persistence?.storageClass ? { storageClass: merged.persistence.storageClass } : {}),
      size: merged.persistence?.size ?? DEFAULT_ETCD_SIZE,
    },
    autoDeletePVCs: merged.autoDeletePVCs ?? false,
    defragJob: {
      enabled: merged.defragJob?.enabled ?? DEFAULT_ETCD_DEFRAG.enabled,
      schedule: merged.defragJob?.schedule || DEFAULT_ETCD_DEFRAG.schedule,
      rule: merged.defragJob?.rule || DEFAULT_ETCD_DEFRAG.rule,
      image: merged.defragJob?.image || DEFAULT_ETCD_DEFRAG.image,
    },
  };
  if (merged.resources) etcd.resources = merged.resources;
  return etcd;
}

/**
 * The spec as the operator should act on it. `null`/`undefined` (the `spec: null` of upstream's
 * docs) defaults exactly as the CRD does: a NodePort Service on 30443/30132, one replica, etcd.
 * An explicit `{}` gets the `service` field default instead: ClusterIP.
 */
export function normalizeClusterSpec(spec: ClusterSpec | null | undefined): NormalizedClusterSpec {
  const s: ClusterSpec = spec ?? { service: { type: 'NodePort' } };
  const svc = s.service ?? { type: 'ClusterIP' };

  const legacyKine = !!(s.kineDataSourceURL || s.kineDataSourceSecretName);
  const kine: KineSpec = {};
  const kineURL = s.storage?.kine?.dataSourceURL || s.kineDataSourceURL;
  const kineSecret = s.storage?.kine?.dataSourceSecretName || s.kineDataSourceSecretName;
  if (kineURL) kine.dataSourceURL = kineURL;
  if (kineSecret) kine.dataSourceSecretName = kineSecret;
  // v1beta1 had no storage.type: a kine data source meant kine.
  const storageType: StorageType = s.storage?.type ?? (legacyKine ? 'kine' : 'etcd');

  const normalized: NormalizedClusterSpec = {
    replicas: s.replicas ?? 1,
    image: s.image || DEFAULT_K0S_IMAGE,
    version: s.version || DEFAULT_K0S_VERSION,
    service: {
      type: svc.type ?? 'ClusterIP',
      apiPort: svc.apiPort ?? DEFAULT_API_PORT,
      konnectivityPort: svc.konnectivityPort ?? DEFAULT_KONNECTIVITY_PORT,
      annotations: { ...svc.annotations },
      labels: { ...svc.labels },
    },
    persistence: {
      type: s.persistence?.type ?? 'emptyDir',
      autoDeletePVCs: s.persistence?.autoDeletePVCs ?? false,
    },
    storage: { type: storageType, etcd: normalizeEtcd(s.etcd, s.storage?.etcd), kine },
    manifests: [...((s.manifests ?? []) as V1Volume[])],
    mounts: [...(s.mounts ?? [])],
    controlPlaneFlags: [...(s.controlPlaneFlags ?? s.controllerPlaneFlags ?? [])],
    topologySpreadConstraints: [...((s.topologySpreadConstraints ?? []) as V1TopologySpreadConstraint[])],
    kubeconfigSecretMetadata: {
      labels: { ...s.kubeconfigSecretMetadata?.labels },
      annotations: { ...s.kubeconfigSecretMetadata?.annotations },
    },
    patches: [...(s.patches ?? [])],
  };
  if (svc.loadBalancerClass) normalized.service.loadBalancerClass = svc.loadBalancerClass;
  if (svc.externalTrafficPolicy) normalized.service.externalTrafficPolicy = svc.externalTrafficPolicy;
  if (s.persistence?.hostPath) normalized.persistence.hostPath = s.persistence.hostPath;
  if (s.persistence?.persistentVolumeClaim) normalized.persistence.persistentVolumeClaim = s.persistence.persistentVolumeClaim;
  if (s.serviceAccount) normalized.serviceAccount = s.serviceAccount;
  if (s.externalAddress) normalized.externalAddress = s.externalAddress;
  if (s.k0sConfig) normalized.k0sConfig = s.k0sConfig as Record<string, unknown>;
  if (s.certificateRefs) normalized.certificateRefs = [...s.certificateRefs];
  if (s.resources) normalized.resources = s.resources;
  return normalized;
}

/** The k0s image tag of a version: `+k0s.N` becomes `-k0s.N`, and a bare version gets `-k0s.0`. */
export function k0sImageTag(version: string | undefined): string {
  let tag = (version || DEFAULT_K0S_VERSION).replace('+k0s.', '-k0s.');
  if (!tag.includes('-k0s.')) tag = `${tag}-k0s.0`;
  return tag;
}

/** The full k0s image reference of a Cluster spec (upstream GetImage). */
export function k0sImage(spec: Pick<ClusterSpec, 'image' | 'version'> | null | undefined): string {
  return `${spec?.image || DEFAULT_K0S_IMAGE}:${k0sImageTag(spec?.version)}`;
}

/** A JoinTokenRequest spec resolved to one shape: the Cluster's namespace/name, expiry and role. */
export interface NormalizedJoinTokenRequest {
  cluster: { namespace: string; name: string };
  /** Go duration; `0s` means the token never expires. */
  expiry: string;
  role: JoinRole;
}

/**
 * `clusterName` (v1beta2, same namespace) or `clusterRef` (v1beta1, optionally another
 * namespace) → one reference; expiry defaults to 24h, role to worker. Returns undefined when the
 * request names no Cluster (validateJoinTokenRequest explains why).
 */
export function normalizeJoinTokenRequest(jtr: Pick<JoinTokenRequest, 'metadata' | 'spec'>): NormalizedJoinTokenRequest | undefined {
  const ns = jtr.metadata?.namespace ?? 'default';
  const spec = jtr.spec ?? {};
  const name = spec.clusterName || spec.clusterRef?.name;
  if (!name) return undefined;
  const namespace = spec.clusterName ? ns : spec.clusterRef?.namespace || ns;
  return {
    cluster: { namespace, name },
    expiry: spec.expiry || DEFAULT_JOIN_TOKEN_EXPIRY,
    role: spec.role ?? 'worker',
  };
}
