import type { KubernetesObject } from '@kubernetes/client-node';
import { mergeWatchSpecs } from './cache';
import { ownerKeys } from './manager';

describe('event routing helpers', () => {
  const cluster = { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster' };
  const owned = (apiVersion: string, kind: string, controller = true) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kmc-a', namespace: 'ns', ownerReferences: [{ apiVersion, kind, name: 'a', uid: 'u1', controller }] },
  });

  it('maps an owned object to its controller owner of the for kind, any version of the group', () => {
    expect(ownerKeys(owned('k0smotron.io/v1beta2', 'Cluster'), cluster)).toEqual([{ namespace: 'ns', name: 'a' }]);
    expect(ownerKeys(owned('k0smotron.io/v1beta1', 'Cluster'), cluster)).toEqual([{ namespace: 'ns', name: 'a' }]);
    expect(ownerKeys(owned('cluster.x-k8s.io/v1beta1', 'Cluster'), cluster)).toEqual([]);
    expect(ownerKeys(owned('k0smotron.io/v1beta2', 'Cluster', false), cluster)).toEqual([]);
  });

  it('merges specs of one kind: shared selector kept, differing selectors dropped, transforms chained', () => {
    const t1 = (o: KubernetesObject): KubernetesObject => ({ ...o, a: 1 }) as KubernetesObject;
    const t2 = (o: KubernetesObject): KubernetesObject => ({ ...o, b: 2 }) as KubernetesObject;
    const [same] = mergeWatchSpecs([
      { apiVersion: 'v1', kind: 'Secret', labelSelector: 'x=1', transform: t1 },
      { apiVersion: 'v1', kind: 'Secret', labelSelector: 'x=1', transform: t2 },
    ]);
    expect(same.labelSelector).toBe('x=1');
    expect(same.transform!({ metadata: {} })).toEqual({ metadata: {}, a: 1, b: 2 });
    const [diff] = mergeWatchSpecs([
      { apiVersion: 'v1', kind: 'Secret', labelSelector: 'x=1' },
      { apiVersion: 'v1', kind: 'Secret' },
    ]);
    expect(diff.labelSelector).toBeUndefined();
    expect(
      mergeWatchSpecs([
        { apiVersion: 'v1', kind: 'Node', clusterScoped: true },
        { apiVersion: 'v1', kind: 'Service' },
      ]),
    ).toHaveLength(2);
  });
});
