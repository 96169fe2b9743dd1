// Where workers and users reach the API. Never waits: what is not known yet is reported as
// pending with a hint, and the reconcile is requeued by the caller.
import type { V1ConfigMap, V1Node, V1Service } from '@kubernetes/client-node';
import { toYaml } from './yaml';
import { childMeta } from './meta';
import type { ClusterView } from './view';

export type EndpointSource = 'spec' | 'loadBalancer' | 'node' | 'serviceDNS';

export type EndpointResult =
  { known: true; host: string; source: EndpointSource; url: string } | { known: false; reason: 'WaitingForLoadBalancer' | 'NoReadyNode'; message: string };

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false;
}

function nodeAddress(node: V1Node): string | undefined {
  const addrs = node.status?.addresses ?? [];
  const external = addrs.find(a => a.type === 'ExternalIP' || a.type === 'ExternalDNS');
  return (external ?? addrs.find(a => a.type === 'InternalIP'))?.address;
}

/** `https://host:port`, with brackets for IPv6 literals. */
export function endpointUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function hostOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * Resolves the endpoint: spec.externalAddress wins; LoadBalancer → the Service's ingress (ip
 * before hostname); NodePort → a Ready node's ExternalIP/ExternalDNS, else its InternalIP, keeping
 * the current host while it stays valid so a node list change does not roll the pods;
 * ClusterIP → the Service's DNS name.
 */
export function resolveEndpoint(view: ClusterView, facts: { service?: V1Service; nodes: V1Node[]; currentEndpoint?: string }): EndpointResult {
  const port = view.service.apiPort;
  const known = (host: string, source: EndpointSource): EndpointResult => ({ known: true, host, source, url: endpointUrl(host, port) });
  if (view.externalAddress) return known(view.externalAddress, 'spec');
  switch (view.service.type) {
    case 'LoadBalancer': {
      const ingress = facts.service?.status?.loadBalancer?.ingress?.[0];
      const host = ingress?.ip || ingress?.hostname;
      if (host) return known(host, 'loadBalancer');
      return {
        known: false,
        reason: 'WaitingForLoadBalancer',
        message: `Service ${view.service.name} has no load-balancer address yet; it needs a load-balancer controller in this cluster, or set spec.externalAddress`,
      };
    }
    case 'NodePort': {
      const candidates = facts.nodes
        .filter(isReady)
        .map(nodeAddress)
        .filter((a): a is string => !!a);
      const current = hostOfUrl(facts.currentEndpoint);
      if (current && candidates.includes(current)) return known(current, 'node');
      const sorted = [...candidates].sort();
      // ExternalIP/DNS nodes first: their address is reachable from outside the cluster.
      const preferred = facts.nodes
        .filter(isReady)
        .flatMap(n => (n.status?.addresses ?? []).filter(a => a.type === 'ExternalIP' || a.type === 'ExternalDNS'))
        .map(a => a.address)
        .sort()[0];
      const host = preferred ?? sorted[0];
      if (host) return known(host, 'node');
      return {
        known: false,
        reason: 'NoReadyNode',
        message: 'no Ready node has an address to reach the NodePort Service; add a node, or set spec.externalAddress',
      };
    }
    default:
      return known(`${view.service.name}.${view.namespace}.svc`, 'serviceDNS');
  }
}

/**
 * `kmc-<n>-endpoint`: a manifest (applied inside the child cluster by k0s) telling in-cluster
 * components such as Cilium where the API is. Only when there is an external address.
 */
export function desiredEndpointConfigMap(view: ClusterView, host: string | undefined): V1ConfigMap | undefined {
  if (!host) return undefined;
  const manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'control-plane-endpoint', namespace: 'kube-system' },
    data: { apiServerHost: host, apiServerPort: String(view.service.apiPort) },
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(view, view.names.endpointConfigMap, 'control-plane'),
    data: { 'endpoint.yaml': toYaml(manifest) },
  };
}
