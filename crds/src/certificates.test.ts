import { expectedCertificates, generatedCertificateSecretName, requiredCertificatePurposes } from './certificates';
import type { Cluster } from './schema/cluster';

const cluster = (spec: Cluster['spec']): Cluster => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'demo', namespace: 'ns' },
  spec,
});

describe('expectedCertificates', () => {
  it('etcd storage (the default): the four CAs and the etcd leaves, at the generated names', () => {
    expect(expectedCertificates(cluster({}))).toEqual([
      { purpose: 'ca', secretName: 'demo-ca', provided: false },
      { purpose: 'sa', secretName: 'demo-sa', provided: false },
      { purpose: 'proxy', secretName: 'demo-proxy', provided: false },
      { purpose: 'etcd', secretName: 'demo-etcd', provided: false },
      { purpose: 'apiserver-etcd-client', secretName: 'demo-apiserver-etcd-client', provided: false },
      { purpose: 'etcd-server', secretName: 'demo-etcd-server', provided: false },
      { purpose: 'etcd-peer', secretName: 'demo-etcd-peer', provided: false },
    ]);
  });

  it('kine storage: the four CAs only', () => {
    const kine = expectedCertificates(cluster({ storage: { type: 'kine', kine: { dataSourceURL: 'sqlite:///data/kine.db' } } }));
    expect(kine.map(c => c.purpose)).toEqual(['ca', 'sa', 'proxy', 'etcd']);
    expect(requiredCertificatePurposes('kine')).toEqual(['ca', 'sa', 'proxy', 'etcd']);
  });

  it('a certificateRef replaces only its own purpose, and the rest stay generated', () => {
    const set = expectedCertificates(cluster({ certificateRefs: [{ type: 'ca', name: 'corp-ca' }] }));
    expect(set[0]).toEqual({ purpose: 'ca', secretName: 'corp-ca', provided: true });
    expect(set.map(c => c.secretName)).not.toContain('demo-ca');
    expect(set.filter(c => !c.provided).map(c => c.purpose)).toEqual(['sa', 'proxy', 'etcd', 'apiserver-etcd-client', 'etcd-server', 'etcd-peer']);
  });

  it('generated names are the Cluster API ones, never shortened', () => {
    const long = 'a'.repeat(63);
    expect(generatedCertificateSecretName(long, 'etcd-peer')).toBe(`${long}-etcd-peer`);
  });
});
