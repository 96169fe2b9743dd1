import { X509Certificate } from 'node:crypto';
import { createCa, generatePki, ETCD_LEAF_VALIDITY_DAYS, ADMIN_CERT_VALIDITY_DAYS, kubeconfigRenewal, signAdminKubeconfig } from './index';
import {
  ANNOTATION_KUBECONFIG_CA_VERSION,
  ANNOTATION_KUBECONFIG_NOT_AFTER,
  ANNOTATION_KUBECONFIG_NOT_BEFORE,
  ANNOTATION_KUBECONFIG_SERVER,
} from './kubeconfig';
import {
  ANNOTATION_CERTIFICATE_NOT_AFTER,
  ANNOTATION_CERTIFICATE_NOT_BEFORE,
  certificateRenewal,
  renewalTime,
  validityAnnotations,
  validityFromAnnotations,
} from './renewal';

const DAY = 86400_000;
const t0 = new Date('2026-03-01T00:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe('renewalTime', () => {
  it('is two thirds into the lifetime', () => {
    expect(renewalTime({ notBefore: t0, notAfter: at(90) }, 90)).toEqual(at(60));
    expect(renewalTime({ notBefore: t0, notAfter: at(30) }, 90)).toEqual(at(20));
  });
  it("counts a lifetime longer than today's as today's, so old long-lived certificates are replaced on the new schedule", () => {
    // An upstream (or earlier) etcd leaf valid 10 years is due 60 days after it was signed.
    expect(renewalTime({ notBefore: t0, notAfter: at(3650) }, 90)).toEqual(at(60));
  });
});

describe('certificateRenewal (etcd leaves)', () => {
  const validity = { notBefore: t0, notAfter: at(ETCD_LEAF_VALIDITY_DAYS) };
  const lifetimeDays = ETCD_LEAF_VALIDITY_DAYS;

  it('keeps a certificate before two thirds of its life and says when to look again', () => {
    expect(certificateRenewal({ validity, now: at(1), lifetimeDays })).toEqual({ renew: false, renewAt: at(60) });
    expect(certificateRenewal({ validity, now: new Date(at(60).getTime() - 1), lifetimeDays }).renew).toBe(false);
  });
  it('renews from two thirds on, and after expiry', () => {
    expect(certificateRenewal({ validity, now: at(60), lifetimeDays })).toEqual({ renew: true, reason: 'Expiring' });
    expect(certificateRenewal({ validity, now: at(200), lifetimeDays })).toEqual({ renew: true, reason: 'Expiring' });
  });
  it('renews a 10-year leaf older than 60 days, keeps a younger one until then', () => {
    const old = { notBefore: t0, notAfter: at(3650) };
    expect(certificateRenewal({ validity: old, now: at(61), lifetimeDays }).renew).toBe(true);
    expect(certificateRenewal({ validity: old, now: at(59), lifetimeDays })).toEqual({ renew: false, renewAt: at(60) });
  });
  it('replaces a certificate whose validity cannot be read', () => {
    expect(certificateRenewal({ validity: undefined, now: at(1), lifetimeDays })).toEqual({ renew: true, reason: 'Unreadable' });
  });
});

describe('validity annotations', () => {
  it('round-trip, and are undefined when absent, malformed or inverted', () => {
    const v = { notBefore: t0, notAfter: at(90) };
    expect(validityFromAnnotations(validityAnnotations(v))).toEqual(v);
    expect(validityFromAnnotations(undefined)).toBeUndefined();
    expect(validityFromAnnotations({})).toBeUndefined();
    expect(
      validityFromAnnotations({ [ANNOTATION_CERTIFICATE_NOT_BEFORE]: 'yesterday', [ANNOTATION_CERTIFICATE_NOT_AFTER]: at(1).toISOString() }),
    ).toBeUndefined();
    expect(
      validityFromAnnotations({ [ANNOTATION_CERTIFICATE_NOT_BEFORE]: at(2).toISOString(), [ANNOTATION_CERTIFICATE_NOT_AFTER]: at(1).toISOString() }),
    ).toBeUndefined();
  });
});

describe('lifetimes', () => {
  it('etcd leaves live 90 days, CAs stay 10 years', async () => {
    const pki = await generatePki({
      missing: ['etcd', 'etcd-server', 'etcd-peer', 'apiserver-etcd-client'],
      etcdServiceName: 'kmc-a-etcd',
      namespace: 'ns',
      now: t0,
    });
    const days = (pem: string) => {
      const c = new X509Certificate(pem);
      return (Date.parse(c.validTo) - t0.getTime()) / DAY;
    };
    expect(days(pki.etcd!.cert)).toBe(3650);
    for (const p of ['etcd-server', 'etcd-peer', 'apiserver-etcd-client'] as const) expect(days(pki[p]!.cert)).toBe(90);
  });

  it('the admin kubeconfig lives 7 days and is due after two thirds of that; a year-long one from before is due as soon as it is 4.7 days old', async () => {
    expect(ADMIN_CERT_VALIDITY_DAYS).toBe(7);
    const kc = await signAdminKubeconfig({ clusterName: 'a', server: 'https://a:1', ca: createCa('kubernetes', t0, 3650), now: t0 });
    const annotations = (notBefore: Date, notAfter: Date) => ({
      [ANNOTATION_KUBECONFIG_SERVER]: 'https://a:1',
      [ANNOTATION_KUBECONFIG_CA_VERSION]: '1',
      [ANNOTATION_KUBECONFIG_NOT_BEFORE]: notBefore.toISOString(),
      [ANNOTATION_KUBECONFIG_NOT_AFTER]: notAfter.toISOString(),
    });
    const base = { exists: true, server: 'https://a:1', caVersion: '1' };
    const fresh = kubeconfigRenewal({ ...base, existingAnnotations: annotations(kc.notBefore, kc.notAfter), now: at(4) });
    expect(fresh.renew).toBe(false);
    expect(fresh.renewAt!.getTime()).toBe(kc.notBefore.getTime() + (7 * DAY * 2) / 3);
    expect(kubeconfigRenewal({ ...base, existingAnnotations: annotations(kc.notBefore, kc.notAfter), now: at(5) })).toMatchObject({
      renew: true,
      reason: 'Expiring',
    });
    const yearLong = annotations(t0, at(365));
    expect(kubeconfigRenewal({ ...base, existingAnnotations: yearLong, now: at(4) }).renew).toBe(false);
    expect(kubeconfigRenewal({ ...base, existingAnnotations: yearLong, now: at(5) })).toMatchObject({ renew: true, reason: 'Expiring' });
  });
});
