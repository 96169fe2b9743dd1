import { ConfigReader } from '@backstage/config';
import { readK0smotronConfig } from './managementClusterConfig';

const read = (data: object) => readK0smotronConfig(new ConfigReader(data));

describe('readK0smotronConfig', () => {
  it('defaults to the current kubeconfig context, kubeconfig access off, no reconciler', () => {
    expect(read({})).toEqual({
      managementClusters: [{ name: 'local', access: { type: 'kubeconfig' } }],
      kubeconfigAccessEnabled: false,
      reconciler: { enabled: false, managementClusters: undefined, lease: undefined },
    });
  });

  it('reads the three ways to connect and the served namespaces', () => {
    const cfg = read({
      k0smotron: {
        managementClusters: [
          { name: 'dev', kubeconfigPath: '/tmp/kc', context: 'dev-ctx', namespaces: ['a', 'b'] },
          { name: 'prod', url: 'https://10.0.0.1:6443', serviceAccountToken: 'secret-token', caData: 'Q0E=' },
          { name: 'here', inCluster: true },
        ],
        kubeconfigAccess: { enabled: true },
        reconciler: { enabled: true, managementClusters: ['dev'], lease: { name: 'l', namespace: 'kube-system' } },
      },
    });
    expect(cfg.managementClusters).toEqual([
      { name: 'dev', access: { type: 'kubeconfig', path: '/tmp/kc', context: 'dev-ctx' }, namespaces: ['a', 'b'] },
      {
        name: 'prod',
        access: { type: 'token', url: 'https://10.0.0.1:6443', token: 'secret-token', caData: 'Q0E=', skipTLSVerify: false },
        namespaces: undefined,
      },
      { name: 'here', access: { type: 'inCluster' }, namespaces: undefined },
    ]);
    expect(cfg.kubeconfigAccessEnabled).toBe(true);
    expect(cfg.reconciler).toEqual({ enabled: true, managementClusters: ['dev'], lease: { name: 'l', namespace: 'kube-system', identity: undefined } });
  });

  it('fills the lease defaults', () => {
    expect(read({ k0smotron: { reconciler: { enabled: true, lease: {} } } }).reconciler.lease).toEqual({
      name: 'k0smotron-backstage-reconciler',
      namespace: 'default',
      identity: undefined,
    });
  });

  it.each([
    [{ managementClusters: [{ name: 'a/b' }] }, /name 'a\/b' is not valid/],
    [{ managementClusters: [{ name: 'a' }, { name: 'a' }] }, /used twice/],
    [{ managementClusters: [{ name: 'a', url: 'https://x' }] }, /serviceAccountToken is required/],
    [{ managementClusters: [{ name: 'a', url: 'x:6443', serviceAccountToken: 't' }] }, /must start with https/],
    [{ managementClusters: [{ name: 'a', inCluster: true, kubeconfigPath: '/k' }] }, /choose one way to connect/],
    [{ reconciler: { managementClusters: ['nope'] } }, /'nope' is not a configured management cluster/],
  ])('rejects %j', (k0smotron, message) => {
    expect(() => read({ k0smotron })).toThrow(message);
  });
});
