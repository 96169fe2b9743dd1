// Facts shared by every face of the API. Values follow upstream k0smotron so its manifests,
// docs and tools keep working against this implementation.

export const GROUP = 'k0smotron.io';
export const V1BETA2 = 'v1beta2';
export const V1BETA1 = 'v1beta1';
export const API_VERSION = `${GROUP}/${V1BETA2}`;
export const API_VERSION_V1BETA1 = `${GROUP}/${V1BETA1}`;

export const CLUSTER_KIND = 'Cluster';
export const CLUSTER_PLURAL = 'clusters';
export const CLUSTER_SHORT_NAME = 'kmc';
export const JOIN_TOKEN_REQUEST_KIND = 'JoinTokenRequest';
export const JOIN_TOKEN_REQUEST_PLURAL = 'jointokenrequests';
export const JOIN_TOKEN_REQUEST_SHORT_NAME = 'jtr';
/** A thin v1beta1 alias kind whose spec is the Cluster spec, kept for manifests that use it. */
export const K0SMOTRON_CLUSTER_KIND = 'K0smotronCluster';
export const K0SMOTRON_CLUSTER_PLURAL = 'k0smotronclusters';

/** Server-side apply field manager of everything the operator writes. */
export const FIELD_MANAGER = 'k0smotron';

export const DEFAULT_K0S_IMAGE = 'quay.io/k0sproject/k0s';
export const DEFAULT_K0S_VERSION = 'v1.27.9-k0s.0';
export const DEFAULT_ETCD_IMAGE = 'quay.io/k0sproject/etcd:v3.7.1';
export const DEFAULT_API_PORT = 30443;
export const DEFAULT_KONNECTIVITY_PORT = 30132;
export const DEFAULT_ETCD_SIZE = '1Gi';
export const DEFAULT_JOIN_TOKEN_EXPIRY = '24h';
export const K0S_JOIN_API_PORT = 9443;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

/** Secret key that holds a kine data source URL (`storage.kine.dataSourceSecretName`). */
export const KINE_DATASOURCE_SECRET_KEY = 'K0SMOTRON_KINE_DATASOURCE_URL';
/** ConfigMap key of the generated k0s config. */
export const K0S_CONFIG_KEY = 'K0SMOTRON_K0S_YAML';
/** Key of the admin kubeconfig in `<name>-kubeconfig`. */
export const KUBECONFIG_SECRET_KEY = 'value';
/** Key of the join token in the JoinTokenRequest's Secret. */
export const JOIN_TOKEN_SECRET_KEY = 'token';

export const ANNOTATION_PAUSED = 'k0smotron.io/paused';
export const LABEL_CLUSTER = 'k0smotron.io/cluster';
export const LABEL_ROLE = 'k0smotron.io/role';
export const LABEL_TOKEN_REQUEST = 'k0smotron.io/token-request';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_CAPI_CLUSTER_NAME = 'cluster.x-k8s.io/cluster-name';
export const LABEL_CAPI_CONTROL_PLANE = 'cluster.x-k8s.io/control-plane';
export const CAPI_SECRET_TYPE = 'cluster.x-k8s.io/secret';

/**
 * The longest Cluster name: every generated object carries the label `cluster: <name>`, and a
 * label value holds at most 63 characters. Child names that would outgrow their kind's limit are
 * shortened (names.ts), so the name itself needs no tighter bound.
 */
export const MAX_CLUSTER_NAME_LENGTH = 63;

/** Why a Cluster name is limited, in the words of a validation error. */
export const CLUSTER_NAME_LIMIT_REASON = 'because it is the value of the "cluster" label on every generated object, and a label value holds at most 63';

export const CONDITION_TYPES = [
  'Available',
  'ControlPlaneFunctional',
  'KubeconfigSecretAvailable',
  'ControlPlaneExposed',
  'ControlPlaneScaling',
  'ControlPlaneUpToDate',
  'CertificatesAvailable',
  'Deleting',
  'Paused',
  /** Present only while the spec switches on a feature this implementation ignores. */
  'FeaturesSupported',
] as const;
export type ClusterConditionType = (typeof CONDITION_TYPES)[number];

export const JOIN_TOKEN_CONDITION = 'JoinTokenSecretCreated';
