// The Service in front of the k0s controllers: one of ClusterIP `kmc-<n>`, NodePort
// `kmc-<n>-nodeport` or LoadBalancer `kmc-<n>-lb`, with upstream's ports.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { controlPlaneSelectorLabels } from '@k0smotron/api';
import { childMeta } from './meta';
import type { ClusterView } from './view';

export function desiredService(view: ClusterView): V1Service {
  const { service } = view;
  const exposed = service.type !== 'ClusterIP';
  const port = (name: string, n: number): V1ServicePort => ({
    name,
    protocol: 'TCP',
    port: n,
    targetPort: n as unknown as V1ServicePort['targetPort'], // IntOrString: a number is valid
    ...(service.type === 'NodePort' ? { nodePort: n } : {}),
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(view, service.name, 'control-plane', { labels: service.labels, annotations: service.annotations }),
    spec: {
      type: service.type,
      selector: controlPlaneSelectorLabels(view.name),
      ports: [port('api', service.apiPort), port('konnectivity', service.konnectivityPort)],
      ...(exposed && service.externalTrafficPolicy ? { externalTrafficPolicy: service.externalTrafficPolicy } : {}),
      ...(service.type === 'LoadBalancer' && service.loadBalancerClass ? { loadBalancerClass: service.loadBalancerClass } : {}),
    },
  };
}

/** Services of the other two types, left behind when `service.type` changed. */
export function staleServiceNames(view: ClusterView): string[] {
  const all = [view.names.clusterIPService, view.names.nodePortService, view.names.loadBalancerService];
  return all.filter(n => n !== view.service.name);
}
