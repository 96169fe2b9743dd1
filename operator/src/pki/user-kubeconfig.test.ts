import { X509Certificate, createPrivateKey } from 'node:crypto';
import { parse } from 'yaml';
import { createCa } from './crypto';
import { clusterCaSecretName } from '@k0smotron/api';
import { signUserKubeconfig, UserKubeconfigError } from './user-kubeconfig';

const now = new Date('2026-03-01T10:00:00Z');
const ca = createCa('kubernetes', now, 10);

describe('signUserKubeconfig', () => {
  it('names the user in the certificate, with the admin group, signed by the CA, for the lifetime asked', () => {
    const kc = signUserKubeconfig({ clusterName: 'demo', server: 'https://192.0.2.1:30443', ca, user: 'user:default/alice', lifetimeMs: 8 * 3_600_000, now });
    const doc = parse(kc.yaml);
    expect(doc['current-context']).toBe('user:default/alice@demo-k0s');
    expect(doc.clusters).toEqual([
      { name: 'demo-k0s', cluster: { server: 'https://192.0.2.1:30443', 'certificate-authority-data': Buffer.from(ca.cert).toString('base64') } },
    ]);
    const cert = new X509Certificate(Buffer.from(doc.users[0].user['client-certificate-data'], 'base64'));
    expect(cert.subject.split('\n')).toEqual(['O=system:masters', 'CN=user:default/alice']);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBe(now.getTime() + 8 * 3_600_000);
    expect(kc.notAfter).toEqual(new Date(cert.validTo));
    expect(cert.checkPrivateKey(createPrivateKey(Buffer.from(doc.users[0].user['client-key-data'], 'base64')))).toBe(true);
    expect(kc).toMatchObject({ user: 'user:default/alice', groups: ['system:masters'] });
  });

  it('refuses lifetimes under a second or over a week, and empty or control-character names', () => {
    const base = { clusterName: 'demo', server: 'https://x', ca, user: 'bob', now };
    expect(() => signUserKubeconfig({ ...base, lifetimeMs: 0 })).toThrow(UserKubeconfigError);
    expect(() => signUserKubeconfig({ ...base, lifetimeMs: 8 * 24 * 3_600_000 })).toThrow('at most 168h');
    expect(() => signUserKubeconfig({ ...base, lifetimeMs: 10_000, user: ' ' })).toThrow('empty');
    expect(() => signUserKubeconfig({ ...base, lifetimeMs: 10_000, user: 'bob\nCN=admin' })).toThrow('control characters');
    const tenSeconds = signUserKubeconfig({ ...base, lifetimeMs: 10_000 });
    expect(tenSeconds.notAfter.getTime()).toBe(now.getTime() + 10_000);
  });
});

describe('clusterCaSecretName', () => {
  it('is the certificateRefs entry of type ca, else <name>-ca', () => {
    expect(clusterCaSecretName({ metadata: { name: 'demo' }, spec: {} })).toBe('demo-ca');
    expect(
      clusterCaSecretName({
        metadata: { name: 'demo' },
        spec: {
          certificateRefs: [
            { type: 'etcd', name: 'e' },
            { type: 'ca', name: 'corp-ca' },
          ],
        },
      }),
    ).toBe('corp-ca');
  });
});
