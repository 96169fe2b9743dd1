// Names and labels of the objects the operator generates for a Cluster, following upstream so
// existing tooling (and CAPI) finds them. Pure and browser-safe.
import { LABEL_COMPONENT, LABEL_CAPI_CONTROL_PLANE } from './constants';
import { md5Hex } from './md5';
import type { Cluster } from './schema/cluster';

/** Longest Kubernetes object name the operator generates (a DNS-1123 label). */
export const KUBE_NAME_LIMIT = 63;

/**
 * Longest StatefulSet name whose pods get created: the StatefulSet controller labels every pod
 * `controller-revision-hash: <statefulset>-<hash of up to 10 characters>`, and a label value holds
 * at most 63 characters. Past 52 the ControllerRevision is refused and no pod is ever created.
 */
export const STATEFULSET_NAME_LIMIT = 52;

/** Longest CronJob name the API server accepts: the Jobs it starts add an 11-character suffix. */
export const CRONJOB_NAME_LIMIT = 52;

/**
 * Upstream's rule for names that would be too long: keep the first `limit - 6` characters, then
 * `-` and the first 5 hex characters of the MD5 of the full name. Names within `limit` are
 * unchanged. With the default limit of 63 this is exactly upstream's name (57 characters + hash);
 * StatefulSets and CronJobs pass 52, their kind's limit, where upstream would make a name the
 * cluster refuses or never runs.
 */
export function shortenName(name: string, limit = KUBE_NAME_LIMIT): string {
  if (name.length <= limit) return name;
  return `${name.slice(0, limit - 6)}-${md5Hex(name).slice(0, 5)}`;
}

export interface ClusterObjectNames {
  /**
   * k0s StatefulSet and its data volume (at most 52 characters). Upstream's name `kmc-<name>` up
   * to a 48-character Cluster name; longer ones are shortened, so it may differ from the Service.
   */
  statefulSet: string;
  /** ClusterIP Service `kmc-<name>` (at most 63 characters). */
  clusterIPService: string;
  nodePortService: string;
  loadBalancerService: string;
  /** ConfigMap with the generated k0s config (key K0SMOTRON_K0S_YAML). */
  configMap: string;
  entrypointConfigMap: string;
  /** Never shortened (upstream); a ConfigMap name may have 253 characters. */
  telemetryConfigMap: string;
  endpointConfigMap: string;
  /** An inline kine data source URL, kept in a Secret so its password never sits in a ConfigMap. */
  kineDataSourceSecret: string;
  /** Headless Service of etcd (at most 63); the subdomain of the etcd pods' DNS names. */
  etcdService: string;
  /** At most 52 characters: `kmc-<name>-etcd` up to a 43-character Cluster name, then shortened. */
  etcdStatefulSet: string;
  /** At most 52 characters: `kmc-<name>-defrag` up to a 41-character Cluster name, then shortened. */
  etcdDefragCronJob: string;
  /** CAPI-format certificate Secrets (`<name>-<purpose>`; not shortened, Secret names allow 253). */
  caSecret: string;
  saSecret: string;
  proxySecret: string;
  etcdCaSecret: string;
  apiserverEtcdClientSecret: string;
  etcdServerSecret: string;
  etcdPeerSecret: string;
  /** Admin kubeconfig Secret, key `value`; never shortened (CAPI expects this exact name). */
  kubeconfigSecret: string;
}

/**
 * Every generated child name of Cluster `name` (a DNS-1123 label of at most 63 characters). Each
 * kind is shortened at its own limit, so every name upstream generates that works in Kubernetes is
 * kept as it is, and an existing upstream Cluster is taken over without renaming its children.
 */
export function clusterObjectNames(name: string): ClusterObjectNames {
  const kmc = (pattern: string, limit = KUBE_NAME_LIMIT) => shortenName(pattern.replace('%s', name), limit);
  return {
    statefulSet: kmc('kmc-%s', STATEFULSET_NAME_LIMIT),
    clusterIPService: kmc('kmc-%s'),
    nodePortService: kmc('kmc-%s-nodeport'),
    loadBalancerService: kmc('kmc-%s-lb'),
    configMap: kmc('kmc-%s-config'),
    entrypointConfigMap: kmc('kmc-entrypoint-%s-config'),
    telemetryConfigMap: `kmc-${name}-telemetry-config`,
    endpointConfigMap: kmc('kmc-%s-endpoint'),
    kineDataSourceSecret: kmc('kmc-%s-kine'),
    etcdService: kmc('kmc-%s-etcd'),
    etcdStatefulSet: kmc('kmc-%s-etcd', STATEFULSET_NAME_LIMIT),
    etcdDefragCronJob: kmc('kmc-%s-defrag', CRONJOB_NAME_LIMIT),
    caSecret: `${name}-ca`,
    saSecret: `${name}-sa`,
    proxySecret: `${name}-proxy`,
    etcdCaSecret: `${name}-etcd`,
    apiserverEtcdClientSecret: `${name}-apiserver-etcd-client`,
    etcdServerSecret: `${name}-etcd-server`,
    etcdPeerSecret: `${name}-etcd-peer`,
    kubeconfigSecret: `${name}-kubeconfig`,
  };
}

/** The Service name for a service type (upstream GetServiceName). */
export function clusterServiceName(name: string, serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer'): string {
  const names = clusterObjectNames(name);
  switch (serviceType) {
    case 'NodePort':
      return names.nodePortService;
    case 'LoadBalancer':
      return names.loadBalancerService;
    default:
      return names.clusterIPService;
  }
}

/** Components named by the `app.kubernetes.io/component` label of generated objects. */
export type ClusterComponent = 'control-plane' | 'cluster-config' | 'entrypoint' | 'telemetry' | 'etcd' | 'kubeconfig' | 'jointoken' | 'kine';

/** Upstream's base labels of every generated object (also the pod selector). */
export function clusterBaseLabels(name: string): Record<string, string> {
  return { app: 'k0smotron', cluster: name, component: 'cluster' };
}

/**
 * Labels of a generated object: the base labels, then the Cluster's own labels and
 * `kubeconfigSecretMetadata.labels` (as upstream), then the component label.
 */
export function clusterChildLabels(
  name: string,
  component?: ClusterComponent,
  extra: { clusterLabels?: Record<string, string>; kubeconfigSecretLabels?: Record<string, string> } = {},
): Record<string, string> {
  return {
    ...extra.clusterLabels,
    ...extra.kubeconfigSecretLabels,
    ...clusterBaseLabels(name),
    ...(component ? { [LABEL_COMPONENT]: component } : {}),
  };
}

/** Selector labels of the k0s StatefulSet: base labels plus the CAPI control-plane label. */
export function controlPlaneSelectorLabels(name: string): Record<string, string> {
  return { ...clusterBaseLabels(name), [LABEL_CAPI_CONTROL_PLANE]: 'true' };
}

/** `k=v,k=v` form of a label map, as used in `status.selector` and label selectors. */
export function formatLabelSelector(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map(k => `${k}=${labels[k]}`)
    .join(',');
}

/**
 * The Secret holding a Cluster's CA: the `certificateRefs` entry of type `ca` when the user
 * brought their own, else the generated `<name>-ca`. Everything that signs or trusts for a Cluster
 * (the operator's child-API access, per-user kubeconfigs) reads it through this.
 */
export function clusterCaSecretName(cluster: Pick<Cluster, 'metadata' | 'spec'>): string {
  const ref = cluster.spec?.certificateRefs?.find(r => r.type === 'ca');
  return ref?.name ?? clusterObjectNames(cluster.metadata.name ?? '').caSecret;
}
