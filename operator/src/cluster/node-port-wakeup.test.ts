import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cache } from '../engine/contract';
import { clustersWaitingForNodePorts, nodePortConflictIndex } from './name-conflicts';

const cluster = (name: string, reason?: string, status: 'True' | 'False' = 'False'): KubernetesObject =>
  ({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { namespace: 'team-a', name },
    status: reason ? { conditions: [{ type: 'Available', status, reason, message: '', lastTransitionTime: '2026-12-06T00:00:00Z' }] } : {},
  }) as KubernetesObject;

const service = (type: string, nodePort?: number): KubernetesObject =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'team-a', name: 'kmc-x' },
    spec: { type, ports: [{ port: 443, nodePort }] },
  }) as KubernetesObject;

/** The one Cache method the map reads, answered through the index's own function. */
function cacheOf(clusters: KubernetesObject[]): Cache {
  const byIndex = (_gvk: unknown, name: string, value: string) => {
    expect(name).toBe(nodePortConflictIndex.name);
    return clusters.filter(c => nodePortConflictIndex.fn(c).includes(value));
  };
  return { byIndex } as unknown as Cache;
}

describe('Clusters waiting for a NodePort', () => {
  const clusters = [cluster('waiting', 'NodePortConflict'), cluster('progressing', 'Progressing'), cluster('fine', 'Available', 'True'), cluster('new')];

  it('are indexed by their Available=False NodePortConflict condition, and no other', () => {
    expect(clusters.map(c => nodePortConflictIndex.fn(c).length)).toEqual([1, 0, 0, 0]);
  });

  it('are woken when a Service holding NodePorts goes away or changes', () => {
    expect(clustersWaitingForNodePorts(service('NodePort', 31841), 'delete', cacheOf(clusters))).toEqual([{ namespace: 'team-a', name: 'waiting' }]);
    expect(clustersWaitingForNodePorts(service('NodePort', 31841), 'update', cacheOf(clusters))).toEqual([{ namespace: 'team-a', name: 'waiting' }]);
    expect(clustersWaitingForNodePorts(service('LoadBalancer', 30444), 'delete', cacheOf(clusters))).toEqual([{ namespace: 'team-a', name: 'waiting' }]);
  });

  it('are not woken by a new Service (it takes ports, it frees none) or one without NodePorts', () => {
    expect(clustersWaitingForNodePorts(service('NodePort', 31841), 'add', cacheOf(clusters))).toEqual([]);
    expect(clustersWaitingForNodePorts(service('ClusterIP'), 'delete', cacheOf(clusters))).toEqual([]);
  });
});
