import { INVALID_CASES } from './testdata/invalid';
import { formatValidationErrors, suggestField, validateCluster, validateClusterSpec, validateJoinTokenRequest } from './validate';

const validate = (kind: string, o: unknown) => (kind === 'Cluster' ? validateCluster(o) : validateJoinTokenRequest(o));

describe('invalid objects', () => {
  it('has at least 15 cases the API server rejects too', () => {
    expect(INVALID_CASES.filter(c => c.server).length).toBeGreaterThanOrEqual(15);
  });

  it.each(INVALID_CASES.map(c => [c.title, c] as const))('rejects %s, naming the field', (_title, c) => {
    const result = validate(c.kind, c.object);
    expect(result.ok).toBe(false);
    const paths = result.errors.map(e => e.path);
    expect(paths).toContain(c.field);
    for (const e of result.errors) expect(e.message.length).toBeGreaterThan(5);
  });
});

describe('messages name the fix', () => {
  const spec = (s: unknown) => validateClusterSpec(s).errors;
  it('lists the valid values of an enum', () => {
    expect(spec({ service: { type: 'Ingress' } })).toEqual([
      { path: 'spec.service.type', message: 'must be one of "ClusterIP", "NodePort", "LoadBalancer" (got "Ingress")' },
    ]);
  });
  it('gives the range of a number', () => {
    expect(spec({ replicas: 100 })[0].message).toBe('must be between 0 and 99 (got 100)');
  });
  it('gives an example for a pattern', () => {
    expect(spec({ version: '1.30' })[0].message).toContain('v1.30.2-k0s.0');
    expect(spec({ storage: { etcd: { persistence: { size: 'big' } } } })[0].message).toContain('1Gi');
  });
  it('accepts unsupported fields as exported upstream objects carry them, and warns only about those switched on', () => {
    const exported = {
      monitoring: { enabled: false },
      ingress: {},
      remoteHostCluster: { kubeconfigRef: {} },
      kubeconfigRef: {},
      storage: { type: 'etcd', nats: {}, etcd: {} },
    };
    const quiet = validateClusterSpec(exported);
    expect(quiet).toEqual({ ok: true, errors: [], warnings: [] });
    for (const [field, value] of [
      ['ingress', { apiHost: 'a' }],
      ['monitoring', { enabled: true }],
      ['remoteHostCluster', { kubeconfigRef: { name: 'h' } }],
      ['kubeconfigRef', { name: 'x' }],
    ] as const) {
      const r = validateClusterSpec({ [field]: value });
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([{ path: `spec.${field}`, message: expect.stringMatching(/is not supported by this k0smotron yet and is ignored\. \w+/) }]);
    }
  });
  it('suggests the field a typo meant', () => {
    expect(spec({ kineDataSourceUrl: 'postgres://x' })[0].message).toContain('Did you mean "kineDataSourceURL"?');
    expect(spec({ service: { apiport: 1 } })[0].message).toContain('Did you mean "apiPort"?');
    expect(suggestField('zzzzzz', ['replicas', 'image'])).toBeUndefined();
  });
  it('accepts strategic patches as upstream documents them, and rejects one that is not an object', () => {
    expect(spec({ patches: [{ target: { kind: 'Service' }, patch: { type: 'strategic', content: 'spec: {}' } }] })).toEqual([]);
    const [e] = spec({ patches: [{ target: { kind: 'Service' }, patch: { type: 'strategic', content: '[1]' } }] });
    expect(e).toEqual({ path: 'spec.patches[0].patch.content', message: expect.stringMatching(/strategic merge patch must be an object/) });
  });
  it('accepts a Cluster name of 63 characters and says why a longer one is refused (a label value)', () => {
    const named = (name: string) => validateCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name }, spec: {} });
    for (const n of [43, 44, 52, 53, 63]) expect(named('c'.repeat(n)).errors).toEqual([]);
    expect(named('c'.repeat(64)).errors).toEqual([
      {
        path: 'metadata.name',
        message:
          'must be at most 63 characters because it is the value of the "cluster" label on every generated object, and a label value holds at most 63 (got 64)',
      },
    ]);
  });
  it('explains a token request without a cluster', () => {
    const r = validateJoinTokenRequest({ apiVersion: 'k0smotron.io/v1beta2', kind: 'JoinTokenRequest', metadata: { name: 't' }, spec: {} });
    expect(r.errors).toEqual([{ path: 'spec', message: 'set one of: clusterName, clusterRef' }]);
  });
  it('formats errors one per line', () => {
    expect(
      formatValidationErrors(
        [
          { path: 'spec.a', message: 'is bad' },
          { path: '', message: 'whole' },
        ],
        'Cluster x is invalid:',
      ),
    ).toBe('Cluster x is invalid:\n  spec.a: is bad\n  whole');
  });
});

describe('valid objects', () => {
  const ok = (o: unknown) => {
    const r = validateCluster(o);
    expect(formatValidationErrors(r.errors)).toBe('');
    expect(r.ok).toBe(true);
  };
  it('accepts spec: null, no spec and {} in both versions and the K0smotronCluster alias', () => {
    ok({ apiVersion: 'k0smotron.io/v1beta1', kind: 'Cluster', metadata: { name: 'k0smotron-test' }, spec: null });
    ok({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'a' } });
    ok({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'a' }, spec: {} });
    ok({ apiVersion: 'k0smotron.io/v1beta1', kind: 'K0smotronCluster', metadata: { name: 'k0smotron-test' }, spec: null });
  });
  it('accepts a full v1beta2 spec', () => {
    ok({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'full', namespace: 'default', labels: { team: 'a' } },
      spec: {
        replicas: 3,
        version: 'v1.30.2-k0s.0',
        externalAddress: '203.0.113.10',
        service: { type: 'LoadBalancer', apiPort: 6443, konnectivityPort: 8132 },
        persistence: { type: 'pvc', persistentVolumeClaim: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } } },
        storage: { type: 'etcd', etcd: { args: ['--quota-backend-bytes=8589934592'], persistence: { size: '2Gi', storageClass: 'fast' } } },
        k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', spec: { telemetry: { enabled: false } } },
        certificateRefs: [{ type: 'ca', name: 'full-ca' }],
        manifests: [{ name: 'extra', configMap: { name: 'extra-manifests' } }],
        mounts: [{ path: '/etc/extra', configMap: { name: 'x' } }],
        controlPlaneFlags: ['--debug=true'],
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: 2 } },
        kubeconfigSecretMetadata: { labels: { a: 'b' } },
        patches: [{ target: { kind: 'StatefulSet', component: 'control-plane' }, patch: { type: 'merge', content: '{"spec": {"minReadySeconds": 5}}' } }],
      },
    });
  });
  it('rejects a wrong kind or apiVersion', () => {
    const r = validateCluster({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
    expect(r.errors.map(e => e.path)).toEqual(['kind', 'apiVersion']);
    expect(validateCluster({ apiVersion: 'k0smotron.io/v1beta2', kind: 'K0smotronCluster', metadata: { name: 'a' } }).errors[0].path).toBe('apiVersion');
    expect(validateCluster(null).ok).toBe(false);
  });
  it('accepts v1beta2 and v1beta1 token requests', () => {
    for (const spec of [
      { clusterName: 'c' },
      { clusterName: 'c', expiry: '0s', role: 'controller' },
      { clusterRef: { name: 'c', namespace: 'default' }, expiry: '1h' },
    ]) {
      const r = validateJoinTokenRequest({ apiVersion: 'k0smotron.io/v1beta2', kind: 'JoinTokenRequest', metadata: { name: 't' }, spec });
      expect(r.errors).toEqual([]);
    }
  });
});
