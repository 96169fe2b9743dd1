import { ConfigReader } from '@backstage/config';
import { DEFAULT_TENANT_POLICY } from '@k0smotron/api';
import { readK0smotronConfig } from './managementClusterConfig';

const read = (data: object) => readK0smotronConfig(new ConfigReader(data));

describe('readK0smotronConfig', () => {
  it('defaults to the current kubeconfig context, kubeconfig access off, no reconciler', () => {
    expect(read({})).toEqual({
      managementClusters: [{ name: 'local', access: { type: 'kubeconfig' }, namespaceOwners: {} }],
      kubeconfigAccessEnabled: false,
      reconciler: { enabled: false, managementClusters: undefined, lease: undefined },
      policy: { ...DEFAULT_TENANT_POLICY },
      ownership: { trustOwnerAnnotation: false, defaultOwner: 'unknown' },
    });
  });

  it('reads the three ways to connect and the served namespaces', () => {
    const cfg = read({
      k0smotron: {
        managementClusters: [
          { name: 'dev', kubeconfigPath: '/tmp/kc', context: 'dev-ctx', namespaces: ['a', 'b'], namespaceOwners: { a: 'group:default/team-a' } },
          { name: 'prod', url: 'https://10.0.0.1:6443', serviceAccountToken: 'secret-token', caData: 'Q0E=' },
          { name: 'here', inCluster: true },
        ],
        kubeconfigAccess: { enabled: true },
        reconciler: { enabled: true, managementClusters: ['dev'], lease: { name: 'l', namespace: 'kube-system' } },
      },
    });
    expect(cfg.managementClusters).toEqual([
      {
        name: 'dev',
        access: { type: 'kubeconfig', path: '/tmp/kc', context: 'dev-ctx' },
        namespaces: ['a', 'b'],
        namespaceOwners: { a: 'group:default/team-a' },
      },
      {
        name: 'prod',
        access: { type: 'token', url: 'https://10.0.0.1:6443', token: 'secret-token', caData: 'Q0E=', skipTLSVerify: false },
        namespaces: undefined,
        namespaceOwners: {},
      },
      { name: 'here', access: { type: 'inCluster' }, namespaces: undefined, namespaceOwners: {} },
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
    // A service-account token is never sent over plain HTTP.
    [{ managementClusters: [{ name: 'a', url: 'http://10.0.0.1:6443', serviceAccountToken: 't' }] }, /must start with https/],
    [{ managementClusters: [{ name: 'a', namespaces: ['team-a', 'kube-system'] }] }, /lists 'kube-system', which k0smotron.policy.deniedNamespaces denies/],
    [
      { managementClusters: [{ name: 'a', namespaces: ['team-a'], namespaceOwners: { 'team-b': 'group:default/b' } }] },
      /names 'team-b', which is not in its namespaces/,
    ],
    [{ policy: { maxJoinTokenExpiry: '1y' } }, /k0smotron.policy.maxJoinTokenExpiry/],
    [{ policy: { allowNeverExpiringTokens: true } }, /unknown key "allowNeverExpiringTokens"/],
    [{ managementClusters: [{ name: 'a', inCluster: true, kubeconfigPath: '/k' }] }, /choose one way to connect/],
    [{ reconciler: { managementClusters: ['nope'] } }, /'nope' is not a configured management cluster/],
  ])('rejects %j', (k0smotron, message) => {
    expect(() => read({ k0smotron })).toThrow(message);
  });
});

describe('k0smotron.policy and ownership', () => {
  it("reads the tenant policy with the operator's keys, and the owner sources", () => {
    const cfg = read({
      catalog: { providers: { k0smotron: { defaultOwner: 'group:default/platform' } } },
      k0smotron: { policy: { maxJoinTokenExpiry: '2h', allowNeverExpiringJoinTokens: true }, ownership: { trustOwnerAnnotation: true } },
    });
    expect(cfg.policy.maxJoinTokenExpiryMs).toBe(2 * 3_600_000);
    expect(cfg.policy.allowNeverExpiringJoinTokens).toBe(true);
    expect(cfg.policy.deniedNamespaces).toEqual(['kube-system', 'kube-public', 'kube-node-lease']);
    expect(cfg.ownership).toEqual({ trustOwnerAnnotation: true, defaultOwner: 'group:default/platform' });
  });
});
