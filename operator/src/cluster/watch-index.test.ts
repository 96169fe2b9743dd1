import { ClusterWatchIndex, dropSecretData, slimNode } from './watch-index';

const node = (name: string, ready: string, ip: string, rv = '1') => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, resourceVersion: rv },
  status: { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: rv }], addresses: [{ type: 'InternalIP', address: ip }] },
});

describe('ClusterWatchIndex', () => {
  it('maps node changes to NodePort Clusters, ignoring heartbeats', () => {
    const idx = new ClusterWatchIndex();
    idx.track({ namespace: 'a', name: 'np' }, { nodePort: true });
    idx.track({ namespace: 'a', name: 'cip' }, { nodePort: false });
    expect(idx.clustersForNode(slimNode(node('n1', 'True', '192.0.2.2')))).toEqual([{ namespace: 'a', name: 'np' }]);
    expect(idx.clustersForNode(slimNode(node('n1', 'True', '192.0.2.2', '2')))).toEqual([]);
    expect(idx.clustersForNode(slimNode(node('n1', 'False', '192.0.2.2', '3')))).toEqual([{ namespace: 'a', name: 'np' }]);
    idx.forget({ namespace: 'a', name: 'np' });
    expect(idx.clustersForNode(slimNode(node('n1', 'True', '192.0.2.2', '4')))).toEqual([]);
  });
  it('maps referenced Secrets (kine, certificateRefs) to their Clusters, and forgets old references', () => {
    const idx = new ClusterWatchIndex();
    idx.track({ namespace: 'a', name: 'c1' }, { nodePort: false, secrets: ['db', 'my-ca'] });
    idx.track({ namespace: 'a', name: 'c2' }, { nodePort: false, secrets: ['db'] });
    const secret = (ns: string, name: string) => ({ metadata: { namespace: ns, name } });
    expect(
      idx
        .clustersForSecret(secret('a', 'db'))
        .map(k => k.name)
        .sort(),
    ).toEqual(['c1', 'c2']);
    expect(idx.clustersForSecret(secret('b', 'db'))).toEqual([]);
    idx.track({ namespace: 'a', name: 'c1' }, { nodePort: false, secrets: [] });
    expect(idx.clustersForSecret(secret('a', 'my-ca'))).toEqual([]);
    expect(idx.clustersForSecret(secret('a', 'db')).map(k => k.name)).toEqual(['c2']);
  });
  it('keeps only what the reconciler reads', () => {
    expect(slimNode(node('n1', 'True', '10.0.0.1'))).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', uid: undefined, resourceVersion: '1' },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
    });
    expect(dropSecretData({ metadata: { name: 's' }, data: { k: 'dg==' }, stringData: { a: 'b' } } as never)).toEqual({ metadata: { name: 's' } });
  });
});
