import { clusterFromFlags, flagForPath, parseKeyValues, specFlagsGiven } from './create';

describe('clusterFromFlags', () => {
  it('writes only the given fields, so server defaults apply', () => {
    expect(clusterFromFlags('demo', 'ns', {})).toEqual({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'demo', namespace: 'ns' },
      spec: {},
    });
  });
  it('maps every flag onto the v1beta2 spec', () => {
    const c = clusterFromFlags('demo', 'ns', {
      replicas: 3,
      version: 'v1.30.2-k0s.0',
      image: 'example/k0s',
      serviceType: 'NodePort',
      apiPort: 31443,
      konnectivityPort: 31132,
      externalAddress: 'cp.example.com',
      etcdSize: '2Gi',
      etcdStorageClass: 'fast',
      persistenceSize: '5Gi',
      persistenceStorageClass: 'standard',
      k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig' },
      labels: ['env=dev,team=infra'],
      annotations: ['note=hello'],
    });
    expect(c.metadata).toEqual({ name: 'demo', namespace: 'ns', labels: { env: 'dev', team: 'infra' }, annotations: { note: 'hello' } });
    expect(c.spec).toEqual({
      replicas: 3,
      version: 'v1.30.2-k0s.0',
      image: 'example/k0s',
      externalAddress: 'cp.example.com',
      service: { type: 'NodePort', apiPort: 31443, konnectivityPort: 31132 },
      storage: { type: 'etcd', etcd: { persistence: { size: '2Gi', storageClass: 'fast' } } },
      persistence: {
        type: 'pvc',
        persistentVolumeClaim: { spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '5Gi' } } } },
      },
      k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig' },
    });
  });
  it('implies kine from a kine flag and hostPath from --host-path', () => {
    const c = clusterFromFlags('demo', 'ns', { kineSecret: 'db', hostPath: '/var/k0s' });
    expect(c.spec?.storage).toEqual({ type: 'kine', kine: { dataSourceSecretName: 'db' } });
    expect(c.spec?.persistence).toEqual({ type: 'hostPath', hostPath: '/var/k0s' });
  });
  it('keeps an explicit --storage even with kine flags (the validator then decides)', () => {
    expect(clusterFromFlags('d', 'n', { storage: 'etcd', kineUrl: 'postgres://x' }).spec?.storage?.type).toBe('etcd');
  });
  it('rejects labels without =', () => {
    expect(() => parseKeyValues(['novalue'], '--labels')).toThrow('invalid --labels "novalue": expected KEY=VALUE');
  });
  it('names the flag behind a validator path', () => {
    expect(flagForPath('spec.service.type')).toBe('--service-type');
    expect(flagForPath('spec.storage.kine.dataSourceURL')).toBe('--kine-url');
    expect(flagForPath('spec.replicas')).toBe('--replicas');
    expect(flagForPath('metadata.name')).toBe('NAME');
    expect(specFlagsGiven({ replicas: 1, image: 'x' })).toEqual(['--replicas', '--image']);
  });
});
