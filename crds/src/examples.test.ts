import { loadExamples } from './testdata/examples';
import { normalizeClusterSpec, normalizeJoinTokenRequest } from './normalize';
import type { ClusterSpec } from './schema/cluster';
import type { JoinTokenRequest } from './schema/jointokenrequest';
import { formatValidationErrors, validateCluster, validateJoinTokenRequest } from './validate';

const examples = loadExamples();

describe('examples/clusters', () => {
  it('holds the upstream docs manifests', () => {
    expect(examples.map(e => e.file)).toEqual(
      expect.arrayContaining([
        'cluster-spec-null.yaml',
        'cluster-configuration.yaml',
        'cluster-etcd-args.yaml',
        'cluster-kine-datasource-url.yaml',
        'cluster-kine-datasource-secret.yaml',
        'k0smotroncluster-seed.yaml',
        'jointokenrequest.yaml',
      ]),
    );
  });

  it.each(examples.map(e => [e.file, e] as const))('%s is accepted by the validator', (_file, example) => {
    expect(example.objects.length).toBeGreaterThan(0);
    for (const o of example.objects) {
      if (o.kind === 'Secret') continue;
      const result = o.kind === 'JoinTokenRequest' ? validateJoinTokenRequest(o) : validateCluster(o);
      expect(formatValidationErrors(result.errors)).toBe('');
    }
  });

  it('normalizes the v1beta1 kine examples to storage.kine', () => {
    const byFile = Object.fromEntries(examples.map(e => [e.file, e.objects]));
    const url = byFile['cluster-kine-datasource-url.yaml'][0].spec as ClusterSpec;
    expect(normalizeClusterSpec(url).storage).toMatchObject({ type: 'kine', kine: { dataSourceURL: expect.stringMatching(/^postgres:\/\//) } });
    const secret = byFile['cluster-kine-datasource-secret.yaml'].find(o => o.kind === 'Cluster')!.spec as ClusterSpec;
    expect(normalizeClusterSpec(secret).storage).toMatchObject({ type: 'kine', kine: { dataSourceSecretName: 'database-credentials' } });
    const jtr = byFile['jointokenrequest.yaml'][0] as unknown as JoinTokenRequest;
    expect(normalizeJoinTokenRequest(jtr)).toEqual({ cluster: { namespace: 'default', name: 'my-cluster' }, expiry: '1h', role: 'worker' });
  });
});
