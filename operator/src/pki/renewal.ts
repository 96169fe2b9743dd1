// When a generated certificate must be signed again. The operator's cache keeps only Secret
// metadata (never keys), so each generated certificate Secret carries its validity window in
// annotations, and renewal is decided from those alone: no Secret read per reconcile.

/** Validity of the certificate in a generated Secret's `tls.crt` (ISO 8601, as written at signing). */
export const ANNOTATION_CERTIFICATE_NOT_BEFORE = 'k0smotron.io/certificate-not-before';
export const ANNOTATION_CERTIFICATE_NOT_AFTER = 'k0smotron.io/certificate-not-after';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** The annotations that record a certificate's validity on its Secret. */
export function validityAnnotations(v: Validity): Record<string, string> {
  return {
    [ANNOTATION_CERTIFICATE_NOT_BEFORE]: v.notBefore.toISOString(),
    [ANNOTATION_CERTIFICATE_NOT_AFTER]: v.notAfter.toISOString(),
  };
}

/** The validity recorded in a Secret's annotations; undefined when absent or unreadable. */
export function validityFromAnnotations(
  annotations: Record<string, string> | undefined,
  keys: { notBefore: string; notAfter: string } = { notBefore: ANNOTATION_CERTIFICATE_NOT_BEFORE, notAfter: ANNOTATION_CERTIFICATE_NOT_AFTER },
): Validity | undefined {
  const notBefore = Date.parse(annotations?.[keys.notBefore] ?? '');
  const notAfter = Date.parse(annotations?.[keys.notAfter] ?? '');
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter) || notAfter <= notBefore) return undefined;
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

/**
 * When a certificate enters the last third of its lifetime, the moment to sign a new one (as
 * cert-manager does by default). The lifetime counts as at most `lifetimeDays`, today's lifetime
 * for that kind of certificate: one signed under a longer lifetime (by an earlier version, or by
 * upstream k0smotron, which signs etcd leaves for 10 years) is replaced on the same schedule as a
 * new one would be, instead of living out its years. The small backdating of `notBefore` (clock
 * skew allowance) only moves renewal a few minutes earlier.
 */
export function renewalTime(v: Validity, lifetimeDays: number): Date {
  const lifetime = Math.min(v.notAfter.getTime() - v.notBefore.getTime(), lifetimeDays * DAY_MS);
  return new Date(v.notBefore.getTime() + (lifetime * 2) / 3);
}

export type CertificateRenewalReason = 'Expiring' | 'Unreadable';

export interface CertificateRenewal {
  renew: boolean;
  reason?: CertificateRenewalReason;
  /** When to look again (the current certificate's renewal time); absent when it is renewed now. */
  renewAt?: Date;
}

/**
 * Whether a generated leaf certificate must be signed again now. `validity` is what its Secret's
 * annotations (or, for a Secret without them, its certificate) say; undefined means neither could
 * be read, and a certificate nobody can read is replaced.
 */
export function certificateRenewal(opts: { validity: Validity | undefined; now: Date; lifetimeDays: number }): CertificateRenewal {
  if (!opts.validity) return { renew: true, reason: 'Unreadable' };
  const renewAt = renewalTime(opts.validity, opts.lifetimeDays);
  if (opts.now.getTime() >= renewAt.getTime()) return { renew: true, reason: 'Expiring' };
  return { renew: false, renewAt };
}
