import { k0sImage, k0sImageTag, normalizeClusterSpec, normalizeJoinTokenRequest } from './normalize';

describe('normalizeClusterSpec', () => {
  it.each([null, undefined])('defaults spec %p exactly as the CRD: NodePort 30443/30132, 1 replica, etcd', spec => {
    const n = normalizeClusterSpec(spec);
    expect(n.service).toEqual({ type: 'NodePort', apiPort: 30443, konnectivityPort: 30132, annotations: {}, labels: {} });
    expect(n.replicas).toBe(1);
    expect(n.image).toBe('quay.io/k0sproject/k0s');
    expect(n.version).toBe('v1.27.9-k0s.0');
    expect(n.storage.type).toBe('etcd');
    expect(n.storage.etcd).toEqual({
      image: 'quay.io/k0sproject/etcd:v3.7.1',
      args: [],
      persistence: { size: '1Gi' },
      autoDeletePVCs: false,
      defragJob: {
        enabled: false,
        schedule: '0 12 * * *',
        rule: 'dbQuotaUsage > 0.8 || dbSize - dbSizeInUse > 200*1024*1024',
        image: 'ghcr.io/ahrtr/etcd-defrag:v0.16.0',
      },
    });
    expect(n.persistence).toEqual({ type: 'emptyDir', autoDeletePVCs: false });
    expect(n.certificateRefs).toBeUndefined();
  });

  it('gives an explicit {} the service field default: ClusterIP', () => {
    expect(normalizeClusterSpec({}).service.type).toBe('ClusterIP');
    expect(normalizeClusterSpec({ service: {} }).service).toMatchObject({ type: 'ClusterIP', apiPort: 30443, konnectivityPort: 30132 });
  });

  it('keeps given values', () => {
    const n = normalizeClusterSpec({
      replicas: 3,
      version: 'v1.30.2-k0s.0',
      service: { type: 'LoadBalancer', apiPort: 6443, konnectivityPort: 8132 },
      externalAddress: 'api.example.com',
      persistence: { type: 'hostPath', hostPath: '/data/k0s' },
    });
    expect(n).toMatchObject({
      replicas: 3,
      version: 'v1.30.2-k0s.0',
      service: { type: 'LoadBalancer', apiPort: 6443, konnectivityPort: 8132 },
      externalAddress: 'api.example.com',
      persistence: { type: 'hostPath', hostPath: '/data/k0s' },
    });
    expect(normalizeClusterSpec({ replicas: 0 }).replicas).toBe(0);
  });

  it('maps v1beta1 kineDataSourceURL / kineDataSourceSecretName to storage.kine with type kine', () => {
    const url = normalizeClusterSpec({ kineDataSourceURL: 'postgres://u:p@db:5432/kine' });
    expect(url.storage.type).toBe('kine');
    expect(url.storage.kine).toEqual({ dataSourceURL: 'postgres://u:p@db:5432/kine' });
    const secret = normalizeClusterSpec({ kineDataSourceSecretName: 'kine-ds' });
    expect(secret.storage).toMatchObject({ type: 'kine', kine: { dataSourceSecretName: 'kine-ds' } });
  });

  it('maps v1beta1 etcd to storage.etcd, the v1beta2 field winning per field', () => {
    const n = normalizeClusterSpec({
      etcd: { image: 'etcd:old', args: ['--quota-backend-bytes=1'] },
      storage: { type: 'etcd', etcd: { image: 'etcd:new' } },
    });
    expect(n.storage.etcd.image).toBe('etcd:new');
    expect(n.storage.etcd.args).toEqual(['--quota-backend-bytes=1']);
  });

  it('maps controllerPlaneFlags to controlPlaneFlags', () => {
    expect(normalizeClusterSpec({ controllerPlaneFlags: ['--debug=true'] }).controlPlaneFlags).toEqual(['--debug=true']);
    expect(normalizeClusterSpec({ controlPlaneFlags: ['--a'], controllerPlaneFlags: ['--b'] }).controlPlaneFlags).toEqual(['--a']);
  });

  it('does not share arrays with the input', () => {
    const spec = { controlPlaneFlags: ['--a'] };
    normalizeClusterSpec(spec).controlPlaneFlags.push('--b');
    expect(spec.controlPlaneFlags).toEqual(['--a']);
  });
});

describe('k0sImage', () => {
  it('follows upstream GetImage', () => {
    expect(k0sImage(null)).toBe('quay.io/k0sproject/k0s:v1.27.9-k0s.0');
    expect(k0sImage({ version: 'v1.30.2+k0s.0' })).toBe('quay.io/k0sproject/k0s:v1.30.2-k0s.0');
    expect(k0sImage({ version: 'v1.30.2' })).toBe('quay.io/k0sproject/k0s:v1.30.2-k0s.0');
    expect(k0sImage({ image: 'my.registry/k0s', version: 'v1.31.1-k0s.1' })).toBe('my.registry/k0s:v1.31.1-k0s.1');
    expect(k0sImageTag('v1.29.0+k0s.2')).toBe('v1.29.0-k0s.2');
  });
});

describe('normalizeJoinTokenRequest', () => {
  it('resolves clusterName in the same namespace with 24h and worker defaults', () => {
    expect(normalizeJoinTokenRequest({ metadata: { name: 't', namespace: 'ns1' }, spec: { clusterName: 'c' } })).toEqual({
      cluster: { namespace: 'ns1', name: 'c' },
      expiry: '24h',
      role: 'worker',
    });
  });
  it('resolves v1beta1 clusterRef, across namespaces', () => {
    expect(
      normalizeJoinTokenRequest({
        metadata: { name: 't', namespace: 'ns1' },
        spec: { clusterRef: { name: 'c', namespace: 'other' }, expiry: '1h', role: 'controller' },
      }),
    ).toEqual({ cluster: { namespace: 'other', name: 'c' }, expiry: '1h', role: 'controller' });
    expect(normalizeJoinTokenRequest({ metadata: { namespace: 'ns1' }, spec: { clusterRef: { name: 'c' }, expiry: '0s' } })).toMatchObject({
      cluster: { namespace: 'ns1', name: 'c' },
      expiry: '0s',
    });
  });
  it('returns undefined when no Cluster is named', () => {
    expect(normalizeJoinTokenRequest({ metadata: {}, spec: {} })).toBeUndefined();
  });
});
