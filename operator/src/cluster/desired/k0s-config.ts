// `kmc-<n>-config`: the user's k0sConfig with upstream's overrides. The kine URL of a Secret is
// never written here; the pod's entrypoint substitutes the placeholder from the Secret's env.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { toYaml } from './yaml';
import { ETCD_CLIENT_PORT, K0S_CONFIG_KEY } from '@k0smotron/api';
import { childMeta } from './meta';
import type { ClusterView } from './view';
import { SpecError } from './errors';

export const KINE_PLACEHOLDER = '__K0SMOTRON_KINE_DATASOURCE_URL_PLACEHOLDER__';
export const K0S_CONFIG_API_VERSION = 'k0s.k0sproject.io/v1beta1';
export const PKI_DIR = '/var/lib/k0s/pki';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(parent: Obj, key: string, path: string): Obj {
  const v = parent[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new SpecError('InvalidK0sConfig', `${path} must be an object, got ${JSON.stringify(v)}; fix spec.k0sConfig`);
  return v;
}

/** SANs of the API certificate: the user's, the external address, the Service names and IPs. Sorted. */
export function apiSans(view: ClusterView, opts: { userSans: string[]; externalHost?: string; clusterIPs: string[] }): string[] {
  const svc = view.service.name;
  const ns = view.namespace;
  const all = [
    ...opts.userSans,
    ...(opts.externalHost ? [opts.externalHost] : []),
    svc,
    `${svc}.${ns}`,
    `${svc}.${ns}.svc`,
    `${svc}.${ns}.svc.cluster.local`,
    ...opts.clusterIPs,
  ];
  return [...new Set(all.filter(s => s))].sort();
}

/** The k0s ClusterConfig the controllers run with (an object; the ConfigMap holds its YAML). */
export function k0sConfig(view: ClusterView, facts: { externalHost?: string; clusterIPs: string[] }): Obj {
  const user: Obj = view.k0sConfig ? structuredClone(view.k0sConfig) : {};
  if (user.apiVersion !== undefined && user.apiVersion !== K0S_CONFIG_API_VERSION) {
    throw new SpecError('InvalidK0sConfig', `spec.k0sConfig.apiVersion is ${JSON.stringify(user.apiVersion)}; only ${K0S_CONFIG_API_VERSION} is accepted`);
  }
  const spec = objectAt(user, 'spec', 'spec.k0sConfig.spec');
  const api = objectAt(spec, 'api', 'spec.k0sConfig.spec.api');
  const konnectivity = objectAt(spec, 'konnectivity', 'spec.k0sConfig.spec.konnectivity');
  const network = objectAt(spec, 'network', 'spec.k0sConfig.spec.network');
  const nllb = network.nodeLocalLoadBalancing;
  // k0s refuses api.externalAddress together with node-local load balancing (workers then reach
  // the API through their own local proxy), so the address goes only into the SANs, as upstream.
  const nodeLocalLoadBalancing = isObject(nllb) && nllb.enabled === true;
  const userSans = api.sans;
  if (userSans !== undefined && !(Array.isArray(userSans) && userSans.every(s => typeof s === 'string'))) {
    throw new SpecError('InvalidK0sConfig', 'spec.k0sConfig.spec.api.sans must be a list of strings');
  }
  const storage =
    view.storage.type === 'etcd'
      ? {
          type: 'etcd',
          etcd: {
            externalCluster: {
              endpoints: [`https://${view.names.etcdService}:${ETCD_CLIENT_PORT}`],
              etcdPrefix: view.name,
              caFile: `${PKI_DIR}/etcd-ca.crt`,
              clientCertFile: `${PKI_DIR}/apiserver-etcd-client.crt`,
              clientKeyFile: `${PKI_DIR}/apiserver-etcd-client.key`,
            },
          },
        }
      : { type: 'kine', kine: { dataSource: KINE_PLACEHOLDER } };
  const metadata = isObject(user.metadata) ? user.metadata : {};
  return {
    ...user,
    apiVersion: K0S_CONFIG_API_VERSION,
    kind: typeof user.kind === 'string' ? user.kind : 'ClusterConfig',
    metadata: { ...metadata, name: typeof metadata.name === 'string' ? metadata.name : 'k0s' },
    spec: {
      ...spec,
      api: {
        ...api,
        port: view.service.apiPort,
        sans: apiSans(view, { userSans: (userSans as string[] | undefined) ?? [], ...facts }),
        ...(facts.externalHost && !nodeLocalLoadBalancing ? { externalAddress: facts.externalHost } : {}),
      },
      konnectivity: { ...konnectivity, agentPort: view.service.konnectivityPort },
      storage,
    },
  };
}

export function desiredConfigMap(view: ClusterView, config: Obj): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(view, view.names.configMap, 'cluster-config'),
    data: { [K0S_CONFIG_KEY]: toYaml(config) },
  };
}
