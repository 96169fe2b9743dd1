// Where the operator finds a Cluster's own API server (the "child"). Three answers:
//  - service:  the in-cluster Service DNS name, `https://<svc>.<ns>.svc:<apiPort>`. Works when the
//              operator runs as a pod in the management cluster (the normal deployment) and does
//              not depend on node addresses or load balancers.
//  - endpoint: `status.endpoint`, the URL workers use. Works when the operator runs outside the
//              cluster (development, tests) and the endpoint is reachable from there.
//  - auto:     service inside a pod (KUBERNETES_SERVICE_HOST is set), endpoint otherwise.
// The management API server's service proxy is deliberately not offered: kube-apiserver removes the
// Authorization header after authenticating the caller and does not forward client certificates,
// so through that proxy the child would only ever see an anonymous user.
import { DEFAULT_API_PORT, clusterServiceName, type Cluster } from '@k0smotron/api';

export const CHILD_API_MODES = ['auto', 'service', 'endpoint'] as const;
export type ChildApiMode = (typeof CHILD_API_MODES)[number];

export interface ChildApiTarget {
  /** https URL of the child's API server (no trailing slash). */
  server: string;
  /** TLS server name to verify when it differs from the URL's host. */
  tlsServerName?: string;
  /** How it was found, for messages. */
  via: string;
}

/** Injectable: `startOperator({ childApi })`. Returns undefined while the address is not known. */
export interface ChildApiResolver {
  resolve(cluster: Cluster): ChildApiTarget | undefined;
}

export function parseChildApiMode(value: string): ChildApiMode {
  if ((CHILD_API_MODES as readonly string[]).includes(value)) return value as ChildApiMode;
  throw new Error(`--child-api "${value}" is not one of ${CHILD_API_MODES.join(', ')}`);
}

function serviceTarget(cluster: Cluster): ChildApiTarget | undefined {
  const { name, namespace } = cluster.metadata;
  if (!name || !namespace) return undefined;
  const type = cluster.spec?.service?.type ?? 'ClusterIP';
  const port = cluster.spec?.service?.apiPort ?? DEFAULT_API_PORT;
  const svc = clusterServiceName(name, type);
  return { server: `https://${svc}.${namespace}.svc:${port}`, via: `Service ${namespace}/${svc}` };
}

function endpointTarget(cluster: Cluster): ChildApiTarget | undefined {
  const endpoint = cluster.status?.endpoint;
  if (!endpoint) return undefined;
  return { server: endpoint.replace(/\/+$/, ''), via: 'status.endpoint' };
}

export function childApiResolver(mode: ChildApiMode = 'auto', env: NodeJS.ProcessEnv = process.env): ChildApiResolver {
  const effective = mode === 'auto' ? (env.KUBERNETES_SERVICE_HOST ? 'service' : 'endpoint') : mode;
  return { resolve: effective === 'service' ? serviceTarget : endpointTarget };
}

/** A resolver that sends every Cluster to URLs chosen by the caller (tests, port-forwards). */
export function staticChildApi(lookup: (cluster: Cluster) => string | undefined): ChildApiResolver {
  return {
    resolve(cluster) {
      const server = lookup(cluster);
      return server ? { server: server.replace(/\/+$/, ''), via: 'configured address' } : undefined;
    },
  };
}
