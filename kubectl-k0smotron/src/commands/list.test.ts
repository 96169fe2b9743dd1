import type { Cluster } from '@k0smotron/api';
import { byNamespacedName } from './list';

function cluster(namespace: string, name: string): Cluster {
  return { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { namespace, name } } as Cluster;
}

describe('byNamespacedName', () => {
  it('orders Kubernetes names as localeCompare does', () => {
    // Every character a namespace or Cluster name may hold, at every position that matters.
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-.';
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (): string => {
      let w = chars[rand(26)];
      for (let i = rand(6); i > 0; i--) w += chars[rand(chars.length)];
      return w + chars[rand(36)];
    };
    const namespaces = ['default', 'a', 'a-b', 'a.b', 'ab', 'a0', ...Array.from({ length: 20 }, word)];
    const clusters = Array.from({ length: 2000 }, () => cluster(namespaces[rand(namespaces.length)], word()));
    clusters.push(cluster('a', 'x'), cluster('a-b', 'x'), cluster('a', 'x-y'), cluster('a', 'x.y'), cluster('a', 'x0'));
    const key = (c: Cluster): string => `${c.metadata.namespace}/${c.metadata.name}`;
    const expected = [...clusters].sort((a, b) => key(a).localeCompare(key(b))).map(key);
    expect([...clusters].sort(byNamespacedName).map(key)).toEqual(expected);
  });
});
