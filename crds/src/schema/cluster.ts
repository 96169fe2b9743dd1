import { Type, type Static } from '@sinclair/typebox';
import type { V1Volume, V1TopologySpreadConstraint, V1PersistentVolumeClaimSpec } from '@kubernetes/client-node';
import { DEFAULT_API_PORT, DEFAULT_ETCD_IMAGE, DEFAULT_K0S_IMAGE, DEFAULT_K0S_VERSION, DEFAULT_KONNECTIVITY_PORT } from '../constants';
import { Conditions, DNS1123_SUBDOMAIN_PATTERN, Embedded, NotSupported, ObjectMeta, Quantity, ResourceRequirements, StringEnum, StringMap } from './common';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const STORAGE_TYPES = ['etcd', 'kine'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];
export const PERSISTENCE_TYPES = ['emptyDir', 'hostPath', 'pvc'] as const;
export type PersistenceType = (typeof PERSISTENCE_TYPES)[number];
export const CERTIFICATE_REF_TYPES = ['ca', 'sa', 'proxy', 'etcd', 'apiserver-etcd-client', 'etcd-peer', 'etcd-server'] as const;
export type CertificateRefType = (typeof CERTIFICATE_REF_TYPES)[number];
export const PATCH_TYPES = ['json', 'merge', 'strategic'] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

/** `v1.30.2-k0s.0`, `v1.30.2+k0s.0` or `v1.30.2` (the `-k0s.0` suffix is then implied). */
export const K0S_VERSION_PATTERN = '^v[0-9]+\\.[0-9]+\\.[0-9]+([-+]k0s\\.[0-9]+)?$';
/** A host name or an IP address, without scheme or port. */
export const HOST_PATTERN =
  '^(([0-9]{1,3}\\.){3}[0-9]{1,3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|' + '[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*)$';
export const KINE_URL_PATTERN = '^[a-z][a-z0-9+.-]*://.*$';

const Port = (description: string, dflt: number) => Type.Integer({ minimum: 1, maximum: 65535, default: dflt, description });

export const ServiceSpec = Type.Object(
  {
    type: Type.Optional(
      StringEnum(SERVICE_TYPES, {
        default: 'ClusterIP',
        description: 'How the control plane is exposed: ClusterIP, NodePort or LoadBalancer.',
      }),
    ),
    apiPort: Type.Optional(Port('Kubernetes API port (also the NodePort number).', DEFAULT_API_PORT)),
    konnectivityPort: Type.Optional(Port('Konnectivity agent port (also the NodePort number).', DEFAULT_KONNECTIVITY_PORT)),
    annotations: Type.Optional(StringMap({ description: 'Annotations of the Service (v1beta1 field, still honoured).' })),
    labels: Type.Optional(StringMap({ description: 'Labels of the Service (v1beta1 field, still honoured).' })),
    loadBalancerClass: Type.Optional(Type.String({ description: 'LoadBalancer class (v1beta1 field, still honoured).' })),
    externalTrafficPolicy: Type.Optional(
      StringEnum(['Cluster', 'Local'] as const, { description: 'External traffic policy (v1beta1 field, still honoured).' }),
    ),
  },
  {
    default: { type: 'ClusterIP', apiPort: DEFAULT_API_PORT, konnectivityPort: DEFAULT_KONNECTIVITY_PORT },
    description: 'The Service in front of the control plane.',
  },
);
export type ServiceSpec = Static<typeof ServiceSpec>;

export const PersistentVolumeClaim = Type.Object({
  metadata: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String()),
      namespace: Type.Optional(Type.String()),
      labels: Type.Optional(StringMap()),
      annotations: Type.Optional(StringMap()),
      finalizers: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  spec: Type.Optional(Embedded<V1PersistentVolumeClaimSpec>('PersistentVolumeClaim spec of the data volume.')),
  status: Type.Optional(Embedded<Record<string, unknown>>('Ignored; kept for compatibility.')),
});

export const PersistenceSpec = Type.Object(
  {
    type: Type.Optional(StringEnum(PERSISTENCE_TYPES, { default: 'emptyDir', description: 'emptyDir, hostPath or pvc.' })),
    hostPath: Type.Optional(Type.String({ pattern: '^/', description: 'Host directory for type hostPath.' })),
    persistentVolumeClaim: Type.Optional(PersistentVolumeClaim),
    autoDeletePVCs: Type.Optional(Type.Boolean({ default: false, description: 'Delete the PVCs when the Cluster is deleted.' })),
  },
  { description: 'Where the k0s controllers keep /var/lib/k0s.' },
);
export type PersistenceSpec = Static<typeof PersistenceSpec>;

export const EtcdSpec = Type.Object(
  {
    image: Type.Optional(Type.String({ default: DEFAULT_ETCD_IMAGE, minLength: 1 })),
    args: Type.Optional(Type.Array(Type.String({ pattern: '^--' }), { description: 'Extra etcd flags.' })),
    persistence: Type.Optional(
      Type.Object({
        storageClass: Type.Optional(Type.String()),
        size: Type.Optional(Quantity('Size of each etcd volume.')),
      }),
    ),
    autoDeletePVCs: Type.Optional(Type.Boolean({ default: false })),
    defragJob: Type.Optional(
      Type.Object({
        enabled: Type.Optional(Type.Boolean({ default: false })),
        schedule: Type.Optional(Type.String({ default: '0 12 * * *' })),
        rule: Type.Optional(Type.String({ default: 'dbQuotaUsage > 0.8 || dbSize - dbSizeInUse > 200*1024*1024' })),
        image: Type.Optional(Type.String({ default: 'ghcr.io/ahrtr/etcd-defrag:v0.16.0' })),
      }),
    ),
    resources: Type.Optional(ResourceRequirements),
  },
  { description: 'The etcd StatefulSet of storage type etcd.' },
);
export type EtcdSpec = Static<typeof EtcdSpec>;

export const KineSpec = Type.Object(
  {
    dataSourceURL: Type.Optional(Type.String({ pattern: KINE_URL_PATTERN, description: 'kine data source, e.g. postgres://user:pass@host/db.' })),
    dataSourceSecretName: Type.Optional(
      Type.String({
        pattern: DNS1123_SUBDOMAIN_PATTERN,
        description: 'Secret in the same namespace with key K0SMOTRON_KINE_DATASOURCE_URL.',
      }),
    ),
  },
  { description: 'kine: a SQL database as the datastore.' },
);
export type KineSpec = Static<typeof KineSpec>;

export const StorageSpec = Type.Object(
  {
    type: Type.Optional(StringEnum(STORAGE_TYPES, { default: 'etcd', description: 'etcd or kine.' })),
    etcd: Type.Optional(EtcdSpec),
    kine: Type.Optional(KineSpec),
    nats: Type.Optional(NotSupported('spec.storage.nats')),
  },
  { description: 'The datastore of the control plane.' },
);
export type StorageSpec = Static<typeof StorageSpec>;

export const CertificateRef = Type.Object({
  type: StringEnum(CERTIFICATE_REF_TYPES),
  name: Type.String({ pattern: DNS1123_SUBDOMAIN_PATTERN }),
});
export type CertificateRef = Static<typeof CertificateRef>;

export const Mount = Type.Unsafe<{ path: string; readOnly?: boolean } & Record<string, unknown>>({
  type: 'object',
  required: ['path'],
  properties: {
    path: { type: 'string', pattern: '^/', description: 'Absolute path inside the controller container.' },
    readOnly: { type: 'boolean' },
  },
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'A volume source (configMap, secret, hostPath, …) mounted at path.',
});
export type Mount = Static<typeof Mount>;

export const ComponentPatch = Type.Object({
  target: Type.Object({
    kind: Type.String({ minLength: 1, description: 'Kind of the generated object, e.g. StatefulSet.' }),
    component: Type.Optional(Type.String({ description: 'Value of its app.kubernetes.io/component label.' })),
  }),
  patch: Type.Object({
    type: StringEnum(PATCH_TYPES, { description: 'json (RFC 6902) or merge (RFC 7386).' }),
    content: Type.String({ minLength: 1, description: 'The patch, as JSON or YAML.' }),
  }),
});
export type ComponentPatch = Static<typeof ComponentPatch>;

export const K0sConfig = Type.Unsafe<{ apiVersion?: string; kind?: string } & Record<string, unknown>>({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    apiVersion: { type: 'string', enum: ['k0s.k0sproject.io/v1beta1'] },
    kind: { type: 'string', enum: ['ClusterConfig', 'Cluster'] },
  },
  description: 'A k0s ClusterConfig (k0s.k0sproject.io/v1beta1); some fields are set by k0smotron.',
});

const specProperties = {
  replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 99, default: 1, description: 'Controllers; 0 puts the control plane to sleep.' })),
  image: Type.Optional(Type.String({ minLength: 1, default: DEFAULT_K0S_IMAGE, description: 'k0s image, without tag.' })),
  version: Type.Optional(Type.String({ pattern: K0S_VERSION_PATTERN, default: DEFAULT_K0S_VERSION, description: 'k0s version, e.g. v1.30.2-k0s.0.' })),
  serviceAccount: Type.Optional(Type.String({ pattern: DNS1123_SUBDOMAIN_PATTERN })),
  externalAddress: Type.Optional(Type.String({ pattern: HOST_PATTERN, description: 'Host name or IP workers use to reach the API, without scheme or port.' })),
  service: Type.Optional(ServiceSpec),
  persistence: Type.Optional(PersistenceSpec),
  storage: Type.Optional(StorageSpec),
  k0sConfig: Type.Optional(K0sConfig),
  certificateRefs: Type.Optional(Type.Array(CertificateRef)),
  manifests: Type.Optional(Type.Array(Embedded<V1Volume>('A volume mounted under /var/lib/k0s/manifests/<name>.'))),
  mounts: Type.Optional(Type.Array(Mount)),
  controlPlaneFlags: Type.Optional(Type.Array(Type.String({ pattern: '^--' }), { description: 'Extra k0s controller flags.' })),
  resources: Type.Optional(ResourceRequirements),
  topologySpreadConstraints: Type.Optional(Type.Array(Embedded<V1TopologySpreadConstraint>('Spread of the control-plane and etcd pods.'))),
  kubeconfigSecretMetadata: Type.Optional(Type.Object({ labels: Type.Optional(StringMap()), annotations: Type.Optional(StringMap()) })),
  patches: Type.Optional(Type.Array(ComponentPatch)),
  ingress: Type.Optional(NotSupported('spec.ingress')),
  monitoring: Type.Optional(NotSupported('spec.monitoring')),
  remoteHostCluster: Type.Optional(NotSupported('spec.remoteHostCluster')),
  // v1beta1 field names, accepted on both versions and mapped by normalizeClusterSpec().
  kineDataSourceURL: Type.Optional(Type.String({ pattern: KINE_URL_PATTERN, description: 'v1beta1: use storage.kine.dataSourceURL.' })),
  kineDataSourceSecretName: Type.Optional(Type.String({ pattern: DNS1123_SUBDOMAIN_PATTERN, description: 'v1beta1: use storage.kine.dataSourceSecretName.' })),
  etcd: Type.Optional(EtcdSpec),
  controllerPlaneFlags: Type.Optional(Type.Array(Type.String({ pattern: '^--' }), { description: 'v1beta1: use controlPlaneFlags.' })),
  kubeconfigRef: Type.Optional(NotSupported('spec.kubeconfigRef')),
};

export const ClusterSpec = Type.Object(specProperties, {
  // Exactly upstream: `spec: null` (or no spec) becomes a NodePort cluster.
  default: { service: { type: 'NodePort' } },
  description: 'The desired hosted control plane.',
});
export type ClusterSpec = Static<typeof ClusterSpec>;

export const ClusterStatus = Type.Object({
  conditions: Type.Optional(Conditions),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  replicas: Type.Optional(Type.Integer({ minimum: 0 })),
  readyReplicas: Type.Optional(Type.Integer({ minimum: 0 })),
  updatedReplicas: Type.Optional(Type.Integer({ minimum: 0 })),
  selector: Type.Optional(Type.String()),
  endpoint: Type.Optional(Type.String({ description: 'API URL for workers and users.' })),
  version: Type.Optional(Type.String({ description: 'k0s version the controllers run.' })),
  workers: Type.Optional(
    Type.Object(
      {
        total: Type.Integer({ minimum: 0, description: 'Nodes registered in the control plane.' }),
        ready: Type.Integer({ minimum: 0, description: 'Of those, the Nodes whose Ready condition is True.' }),
      },
      { description: "Worker nodes as the operator last saw them in the control plane's API; absent while it does not answer." },
    ),
  ),
  // v1beta1 fields kept so upstream tooling that reads them still works.
  ready: Type.Optional(Type.Boolean()),
  reconciliationStatus: Type.Optional(Type.String()),
});
export type ClusterStatus = Static<typeof ClusterStatus>;

export const Cluster = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: ObjectMeta,
  spec: Type.Optional(ClusterSpec),
  status: Type.Optional(ClusterStatus),
});
export type Cluster = Static<typeof Cluster>;

/** The alias kind `k0smotron.io/v1beta1 K0smotronCluster`, kept for manifests that use it; its spec is a Cluster spec. */
export const K0smotronCluster = Cluster;
export type K0smotronCluster = Cluster;
