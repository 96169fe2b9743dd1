// Renewal of generated etcd leaf certificates and the admin kubeconfig, against the in-memory
// engine (testing/fake-engine.ts); cert-renewal.itest.ts shows the same on a real API server.
import { X509Certificate } from 'node:crypto';
import type { KubernetesObject, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { clusterController } from './controller';
import { FakeEngine } from './testing/fake-engine';
import { ANNOTATION_CONFIG_HASH } from './desired';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const STS = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const DAY = 86400_000;
const LEAVES = ['c1-etcd-server', 'c1-etcd-peer', 'c1-apiserver-etcd-client'];

function setup(spec: Cluster['spec']) {
  const engine = new FakeEngine();
  engine.put({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.0.2.2' }] },
  } as KubernetesObject);
  engine.put({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'c1', namespace: 'ns', generation: 1, uid: 'cluster-uid' },
    spec,
  } as KubernetesObject);
  const controller = clusterController();
  const reconcile = () => controller.reconcile({ namespace: 'ns', name: 'c1' }, engine.context());
  const secret = (name: string) => engine.find(SECRET, 'ns', name) as V1Secret;
  const cert = (name: string) => new X509Certificate(Buffer.from(secret(name).data!['tls.crt'], 'base64'));
  const hash = () => (engine.find(STS, 'ns', 'kmc-c1') as V1StatefulSet).spec!.template.metadata!.annotations![ANNOTATION_CONFIG_HASH];
  /** Reconciles until a pass writes nothing (the status written after a change settles in one more pass). */
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      engine.writes.length = 0;
      await reconcile();
      if (!engine.writes.length) return;
    }
    throw new Error(`still writing: ${engine.writes.join(', ')}`);
  };
  return { engine, reconcile, secret, cert, hash, settle };
}

describe('certificate renewal (in-memory engine)', () => {
  it('renews the etcd leaves at two thirds of 90 days with the same CA, rolls the control plane, then writes nothing', async () => {
    const { engine, reconcile, secret, cert, hash, settle } = setup({ service: { type: 'NodePort' } });
    const result = await reconcile();
    await settle();
    const ca = secret('c1-etcd');
    const caCert = new X509Certificate(Buffer.from(ca.data!['tls.crt'], 'base64'));
    const before = Object.fromEntries(LEAVES.map(n => [n, cert(n).serialNumber]));
    const hashBefore = hash();
    // The first reconcile asks to be woken in time for the next renewal (capped at 12 h).
    expect(result).toMatchObject({ requeueAfterMs: expect.any(Number) });
    for (const n of LEAVES) {
      expect(secret(n).metadata!.annotations).toMatchObject({
        'k0smotron.io/certificate-not-before': expect.any(String),
        'k0smotron.io/certificate-not-after': expect.any(String),
      });
      expect((Date.parse(cert(n).validTo) - engine.now.getTime()) / DAY).toBe(90);
    }

    // 59 days on: nothing is due.
    engine.now = new Date(engine.now.getTime() + 59 * DAY);
    await reconcile();
    expect(engine.writes.filter(w => w.startsWith('apply Secret c1-etcd') || w.includes('apiserver-etcd-client'))).toEqual([]);

    // 61 days on: every leaf is renewed, signed by the same CA; no CA is touched.
    engine.now = new Date(engine.now.getTime() + 2 * DAY);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual(expect.arrayContaining(LEAVES.map(n => `apply Secret ${n}`)));
    for (const name of ['c1-ca', 'c1-etcd', 'c1-proxy', 'c1-sa']) expect(engine.writes).not.toContain(`apply Secret ${name}`);
    expect(secret('c1-etcd')).toEqual(ca);
    for (const n of LEAVES) {
      const renewed = cert(n);
      expect(renewed.serialNumber).not.toBe(before[n]);
      expect(renewed.verify(caCert.publicKey)).toBe(true);
      expect(renewed.checkIssued(caCert)).toBe(true);
      expect(Date.parse(renewed.validTo) - engine.now.getTime()).toBe(90 * DAY);
    }
    expect(engine.events).toContainEqual(
      expect.objectContaining({ reason: 'CertificatesRenewed', message: expect.stringContaining('signed by the existing etcd CA') }),
    );
    // The control-plane pods restart with the renewed files.
    expect(hash()).not.toBe(hashBefore);

    await settle();
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual([]);
  });

  it('a leaf Secret without validity annotations gets them from one read, without a new certificate; an unreadable one is replaced', async () => {
    const { engine, reconcile, secret, cert, settle } = setup({ service: { type: 'NodePort' } });
    await reconcile();
    await settle();
    const strip = (name: string) => {
      const s = secret(name);
      const annotations = { ...s.metadata!.annotations };
      delete annotations['k0smotron.io/certificate-not-before'];
      delete annotations['k0smotron.io/certificate-not-after'];
      engine.put({ ...s, metadata: { ...s.metadata, annotations } } as KubernetesObject);
    };
    strip('c1-etcd-server');
    const serial = cert('c1-etcd-server').serialNumber;
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toContain('patch Secret c1-etcd-server');
    expect(engine.writes).not.toContain('apply Secret c1-etcd-server');
    expect(cert('c1-etcd-server').serialNumber).toBe(serial);
    expect(Date.parse(secret('c1-etcd-server').metadata!.annotations!['k0smotron.io/certificate-not-after'])).toBe(Date.parse(cert('c1-etcd-server').validTo));
    await settle();

    // Unreadable (not a certificate): replaced.
    const s = secret('c1-etcd-peer');
    strip('c1-etcd-peer');
    engine.put({ ...secret('c1-etcd-peer'), data: { ...s.data, 'tls.crt': Buffer.from('garbage').toString('base64') } } as KubernetesObject);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toContain('apply Secret c1-etcd-peer');
    expect(cert('c1-etcd-peer').checkIssued(new X509Certificate(Buffer.from(secret('c1-etcd').data!['tls.crt'], 'base64')))).toBe(true);
  });

  it('never touches user-provided certificates, however old', async () => {
    const { engine, reconcile, settle } = setup({ service: { type: 'NodePort' } });
    await reconcile();
    await settle();
    // The user takes over etcd-server with a Secret of their own (a copy of the generated one).
    const generated = engine.find(SECRET, 'ns', 'c1-etcd-server') as V1Secret;
    engine.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mine', namespace: 'ns' }, data: generated.data } as KubernetesObject);
    const c = engine.find({ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster' }, 'ns', 'c1')!;
    engine.put({ ...c, spec: { service: { type: 'NodePort' }, certificateRefs: [{ type: 'etcd-server', name: 'mine' }] } } as KubernetesObject);
    await settle();
    engine.now = new Date(engine.now.getTime() + 200 * DAY);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual(expect.arrayContaining(['apply Secret c1-etcd-peer', 'apply Secret c1-apiserver-etcd-client']));
    expect(engine.writes.filter(w => w.endsWith(' mine'))).toEqual([]);
    expect((engine.find(SECRET, 'ns', 'mine') as V1Secret).data).toEqual(generated.data);
  });

  it('renews the admin kubeconfig after two thirds of 7 days', async () => {
    const { engine, reconcile, secret, settle } = setup({ service: { type: 'NodePort' } });
    await reconcile();
    await settle();
    const first = secret('c1-kubeconfig');
    expect(Date.parse(first.metadata!.annotations!['k0smotron.io/kubeconfig-not-after']) - engine.now.getTime()).toBe(7 * DAY);
    engine.now = new Date(engine.now.getTime() + 4 * DAY);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).not.toContain('apply Secret c1-kubeconfig');
    engine.now = new Date(engine.now.getTime() + 0.7 * DAY);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toContain('apply Secret c1-kubeconfig');
    expect(secret('c1-kubeconfig').data).not.toEqual(first.data);
  });
});

describe('a deleted etcd CA', () => {
  it('is generated again and every existing leaf is signed again by it (the old leaves would not be trusted)', async () => {
    const { engine, reconcile, secret, cert, settle } = setup({ service: { type: 'NodePort' } });
    await reconcile();
    await settle();
    const oldCa = secret('c1-etcd');
    engine.store.delete(`v1/Secret/ns/c1-etcd`);
    engine.writes.length = 0;
    await reconcile();
    expect(engine.writes).toEqual(expect.arrayContaining(['apply Secret c1-etcd', ...LEAVES.map(n => `apply Secret ${n}`)]));
    const newCa = new X509Certificate(Buffer.from(secret('c1-etcd').data!['tls.crt'], 'base64'));
    expect(secret('c1-etcd').data).not.toEqual(oldCa.data);
    for (const n of LEAVES) expect(cert(n).checkIssued(newCa) && cert(n).verify(newCa.publicKey)).toBe(true);
    // The cluster CA is not touched.
    expect(engine.writes).not.toContain('apply Secret c1-ca');
  });
});
