// Certificate renewal on the real test cluster. The reconciler's clock is moved forward (the
// controller's `now` option; the engine's timers keep real time), and each step shows what is
// renewed: the admin kubeconfig after two thirds of 7 days, the etcd leaves after two thirds of
// 90 days, signed by the same CAs, which never change.
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Secret } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import type { RunningOperator } from '../index';
import {
  apis,
  controlPlanePods,
  eventually,
  newCluster,
  reasonsOfEvents,
  startClusterOperator,
  waitForCondition,
  waitForHollowReady,
  writes,
} from './testing/helpers';

const { kubeConfig: kc, kubeconfigPath, kubectlPath } = sharedTestCluster();
const { core, apps, kmc } = apis(kc);
jest.setTimeout(240_000);

const DAY = 86400_000;
const LEAVES = ['etcd-server', 'etcd-peer', 'apiserver-etcd-client'];
const CAS = ['ca', 'etcd', 'proxy', 'sa'];

let op: RunningOperator | undefined;
afterEach(async () => {
  await op?.stop();
  op = undefined;
});

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

describe('certificate renewal', () => {
  it('renews the admin kubeconfig and the etcd leaves at two thirds of their lifetimes, with the same CAs; CAs are never rewritten', async () => {
    const ns = await createTestNamespace(kc, 'kmc-renew');
    let offsetMs = 0;
    const now = () => new Date(Date.now() + offsetMs);
    op = await startClusterOperator(kc, [ns], { now });
    const controller = op.manager.controllers[0];
    await kmc.createCluster(newCluster(ns, 'rn', { service: { type: 'ClusterIP' } }));
    await waitForHollowReady(kmc, ns, 'rn');

    const secret = (purpose: string) => core.readNamespacedSecret({ namespace: ns, name: `rn-${purpose}` });
    const cert = (s: V1Secret, key = 'tls.crt') => new X509Certificate(b64(s.data![key]));
    const adminCert = (s: V1Secret) => new X509Certificate(b64(parse(b64(s.data!.value)).users[0].user['client-certificate-data']));
    const configHash = async () =>
      (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'kmc-rn' })).spec!.template.metadata!.annotations!['k0smotron.io/config-hash'];
    /** Reconciles again until a pass writes nothing; returns the writes it took. */
    const reconcileUntilQuiet = async (what: string) =>
      eventually(
        what,
        async () => {
          const before = writes(op!);
          const done = controller.stats.success;
          controller.enqueueAll();
          await eventually('a reconcile', () => controller.stats.success > done);
          return writes(op!) === before;
        },
        120_000,
      );

    const cas = Object.fromEntries(await Promise.all(CAS.map(async p => [p, await secret(p)] as const)));
    const leaves = Object.fromEntries(await Promise.all(LEAVES.map(async p => [p, await secret(p)] as const)));
    const kubeconfig = await secret('kubeconfig');
    const etcdCa = cert(cas.etcd);
    const clusterCa = cert(cas.ca);
    for (const p of LEAVES) {
      const c = cert(leaves[p]);
      expect((Date.parse(c.validTo) - Date.parse(c.validFrom)) / DAY).toBeCloseTo(90, 2);
      expect(leaves[p].metadata!.annotations!['k0smotron.io/certificate-not-after']).toBe(new Date(c.validTo).toISOString());
    }
    expect((Date.parse(adminCert(kubeconfig).validTo) - Date.parse(adminCert(kubeconfig).validFrom)) / DAY).toBeCloseTo(7, 2);
    const hash0 = await configHash();

    // 5 days on: the kubeconfig (7 days) is past two thirds; the etcd leaves (90 days) are not.
    offsetMs = 5 * DAY;
    controller.enqueueAll();
    const kubeconfig1 = await eventually('the kubeconfig renewed', async () => {
      const s = await secret('kubeconfig');
      return adminCert(s).serialNumber !== adminCert(kubeconfig).serialNumber ? s : undefined;
    });
    expect(adminCert(kubeconfig1).checkIssued(clusterCa) && adminCert(kubeconfig1).verify(clusterCa.publicKey)).toBe(true);
    expect(Date.parse(adminCert(kubeconfig1).validTo)).toBeGreaterThan(now().getTime() + 6.9 * DAY);
    await reconcileUntilQuiet('a quiet reconcile 5 days on');
    for (const p of LEAVES) expect((await secret(p)).metadata!.resourceVersion).toBe(leaves[p].metadata!.resourceVersion);
    // A kubeconfig is not mounted in the pods: renewing it rolls nothing.
    expect(await configHash()).toBe(hash0);

    // 61 days on: every etcd leaf is renewed, signed by the same etcd CA.
    offsetMs = 61 * DAY;
    controller.enqueueAll();
    const renewed = await eventually('the etcd leaves renewed', async () => {
      const now = await Promise.all(LEAVES.map(secret));
      return now.every((s, i) => cert(s).serialNumber !== cert(leaves[LEAVES[i]]).serialNumber) ? now : undefined;
    });
    for (const s of renewed) {
      const c = cert(s);
      expect(c.checkIssued(etcdCa) && c.verify(etcdCa.publicKey)).toBe(true);
      expect(Date.parse(c.validTo)).toBeGreaterThan(now().getTime() + 89.9 * DAY);
      expect(s.metadata!.annotations!['k0smotron.io/certificate-not-after']).toBe(new Date(c.validTo).toISOString());
      // The new key is a new key, not the old one re-certified.
      expect(b64(s.data!['tls.key'])).not.toBe(b64(leaves[s.metadata!.name!.slice('rn-'.length)].data!['tls.key']));
    }
    // The kubeconfig is renewed again on this clock too.
    await eventually('the kubeconfig renewed again', async () => adminCert(await secret('kubeconfig')).serialNumber !== adminCert(kubeconfig1).serialNumber);
    expect(await reasonsOfEvents(kmc, ns, 'rn')).toEqual(expect.arrayContaining(['Normal:CertificatesRenewed', 'Normal:KubeconfigSigned']));

    // The control-plane pods roll onto the renewed files (k0s copies them at start).
    const hash1 = await eventually('a new config hash', async () => ((await configHash()) !== hash0 ? configHash() : undefined));
    await eventually(
      'a control-plane pod with the new hash',
      async () => {
        const pods = await controlPlanePods(core, ns, 'rn');
        return pods.length === 1 && pods[0].metadata!.annotations!['k0smotron.io/config-hash'] === hash1;
      },
      120_000,
    );
    await waitForCondition(kmc, ns, 'rn', 'ControlPlaneUpToDate', 'True');
    await waitForHollowReady(kmc, ns, 'rn');

    // No CA was rewritten: same bytes, same resourceVersion.
    for (const p of CAS) {
      const s = await secret(p);
      expect(s.metadata!.resourceVersion).toBe(cas[p].metadata!.resourceVersion);
      expect(s.data).toEqual(cas[p].data);
    }

    // Converged: a reconcile at this time writes nothing, and neither does the next one.
    await reconcileUntilQuiet('a quiet reconcile 61 days on');
    const before = writes(op);
    const done = controller.stats.success;
    controller.enqueueAll();
    await eventually('another reconcile', () => controller.stats.success > done);
    expect(writes(op)).toBe(before);
  });

  it('a leaf Secret without validity annotations (an earlier version, upstream) gets them from one read, keeping its certificate', async () => {
    const ns = await createTestNamespace(kc, 'kmc-renew-legacy');
    op = await startClusterOperator(kc, [ns]);
    await kmc.createCluster(newCluster(ns, 'lg', { service: { type: 'ClusterIP' } }));
    await waitForHollowReady(kmc, ns, 'lg');
    const before = await core.readNamespacedSecret({ namespace: ns, name: 'lg-etcd-peer' });
    const requests = (verb: string) => op!.requestCounts()[`${verb} secrets 200`] ?? 0;
    const [gets, patches] = [requests('get'), requests('patch')];
    await promisify(execFile)(kubectlPath, [
      '--kubeconfig',
      kubeconfigPath,
      '-n',
      ns,
      'annotate',
      'secret',
      'lg-etcd-peer',
      'k0smotron.io/certificate-not-before-',
      'k0smotron.io/certificate-not-after-',
    ]);
    const restored = await eventually('the annotations written back', async () => {
      const s = await core.readNamespacedSecret({ namespace: ns, name: 'lg-etcd-peer' });
      return s.metadata!.annotations?.['k0smotron.io/certificate-not-after'] ? s : undefined;
    });
    expect(restored.data).toEqual(before.data);
    // One live read of the Secret and one metadata patch; from then on the cache is enough.
    await eventually('the patch seen by a reconcile', async () => {
      const done = op!.manager.controllers[0].stats.success;
      op!.manager.controllers[0].enqueueAll();
      await eventually('a reconcile', () => op!.manager.controllers[0].stats.success > done);
      return true;
    });
    expect([requests('get') - gets, requests('patch') - patches]).toEqual([1, 1]);
    expect(restored.metadata!.annotations).toMatchObject({
      'k0smotron.io/certificate-not-before': before.metadata!.annotations!['k0smotron.io/certificate-not-before'],
      'k0smotron.io/certificate-not-after': before.metadata!.annotations!['k0smotron.io/certificate-not-after'],
    });
  });
});
