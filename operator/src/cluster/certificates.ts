// The Cluster's certificate Secrets: generated once (the cluster CA first), the user's checked,
// generated etcd leaves renewed before they expire, and identity labels put back.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { CertificateRefType, Cluster } from '@k0smotron/api';
import {
  ETCD_LEAF_VALIDITY_DAYS,
  certificateValidity,
  generatePki,
  isEtcdLeaf,
  pkiSemaphore,
  requiredPurposes,
  type CertKeyPem,
  type EtcdLeafPurpose,
} from '../pki';
import { certificateRenewal, renewalTime, validityAnnotations, validityFromAnnotations } from '../pki/renewal';
import { SpecError, certificateSecret, certificateSources, type CertificatesFact, type ClusterView } from './desired';
import { ANNOTATION_REGENERATE_CA, CA_SECRET_MISSING, caEvidence, caMissingMessage } from './ca-guard';
import { decodeSecret, foreignController, settleAll } from './helpers';
import { CLUSTER_GVK, SECRET } from './kinds';
import type { ClusterStep } from './reconcile-step';
import { certificateLabelRepair } from './secret-drift';

export interface CertificatesResult {
  caSecretName: string;
  /** The CA, when this reconcile generated it. */
  generatedCa?: CertKeyPem;
}

/**
 * Makes sure every certificate Secret exists. A generated Secret is written once and never
 * regenerated; absence in the cache is confirmed with a live read first, so a cache that has
 * not seen a fresh Secret yet can never cause a CA to be replaced.
 */
export async function ensureCertificates(
  step: ClusterStep,
  cluster: Cluster & KubernetesObject,
  view: ClusterView,
  secretVersions: Record<string, string>,
): Promise<CertificatesResult> {
  const { client } = step.ctx;
  const sources = certificateSources(view, requiredPurposes(view.storage.type));
  const names: Partial<Record<CertificateRefType, string>> = {};
  const missing: CertificateRefType[] = [];
  const existingLeaves: Array<{ purpose: EtcdLeafPurpose; secret: V1Secret }> = [];
  const relabel: Array<{ name: string; patch: object }> = [];
  let generatedCa: CertKeyPem | undefined;
  // Absent from the cache: confirm with live reads, all at once.
  const found = await Promise.all(
    sources.map(s => step.cached<V1Secret>(SECRET, s.secretName) ?? client.get<V1Secret>({ ...SECRET, namespace: view.namespace, name: s.secretName })),
  );
  for (const [i, s] of sources.entries()) {
    names[s.purpose] = s.secretName;
    const secret = found[i];
    const owner = secret && !s.provided ? foreignController(secret, view.uid) : undefined;
    if (owner) {
      throw new SpecError('NameConflict', `Secret ${s.secretName} already exists and belongs to ${owner}; choose another Cluster name (nothing was written)`);
    }
    if (secret) {
      secretVersions[s.secretName] = secret.metadata?.resourceVersion ?? '';
      // User-provided certificates are the user's to renew; only generated leaves are ours.
      if (!s.provided && isEtcdLeaf(s.purpose)) existingLeaves.push({ purpose: s.purpose, secret });
      const repair = s.provided ? undefined : certificateLabelRepair(view.name, secret);
      if (repair) relabel.push({ name: s.secretName, patch: repair });
      continue;
    }
    if (s.provided) {
      const message = `Secret ${s.secretName} named in spec.certificateRefs (type ${s.purpose}) does not exist in namespace ${view.namespace}; create it with keys tls.crt and tls.key, or remove the reference to let k0smotron generate it`;
      step.facts.certificates = { ok: false, reason: 'CertificateSecretNotFound', message };
      throw new SpecError('CertificateSecretNotFound', message);
    }
    missing.push(s.purpose);
  }
  // A missing cluster CA is generated only for a Cluster that never had one (see ca-guard.ts).
  const regenerateCa = cluster.metadata.annotations?.[ANNOTATION_REGENERATE_CA] === 'true';
  if (missing.includes('ca') && !regenerateCa) {
    const evidence = caEvidence({
      otherCertificates: sources.filter((s, i) => s.purpose !== 'ca' && !s.provided && found[i]).map(s => s.secretName),
      kubeconfigSecret: step.cached(SECRET, view.names.kubeconfigSecret) ? view.names.kubeconfigSecret : undefined,
      // Also after this rule has turned the condition False, when every Secret may be gone.
      certificatesWereAvailable: (cluster.status?.conditions ?? []).some(
        c => c.type === 'CertificatesAvailable' && (c.status === 'True' || c.reason === CA_SECRET_MISSING),
      ),
    });
    if (evidence) {
      const message = caMissingMessage(names.ca!, view.namespace, view.name, evidence);
      step.facts.certificates = { ok: false, reason: CA_SECRET_MISSING, message };
      throw new SpecError(CA_SECRET_MISSING, message);
    }
  }
  // Identity labels removed or changed by hand: put back with a metadata-only patch (the data,
  // which the operator does not keep, is never rewritten; see secret-drift.ts).
  await Promise.all(
    relabel.map(async ({ name, patch }) => {
      const patched = await client.mergePatch<V1Secret>({ ...SECRET, namespace: view.namespace, name }, patch);
      secretVersions[name] = patched.metadata?.resourceVersion ?? secretVersions[name];
    }),
  );
  // A new etcd CA (its Secret was deleted) trusts none of the existing leaves: sign them all again.
  const newEtcdCa = missing.includes('etcd');
  const renewing = newEtcdCa ? existingLeaves.map(l => l.purpose) : await leavesToRenew(step, existingLeaves, secretVersions);
  if (missing.length || renewing.length) {
    const etcdCaName = names.etcd!;
    // Leaves are signed by the etcd CA in its Secret, or by the one generated just now because
    // that Secret is missing; renewing a leaf never generates a CA.
    const needsEtcdCa = [...missing, ...renewing].some(isEtcdLeaf) && !missing.includes('etcd');
    const existingEtcdCa = needsEtcdCa ? await readCertKey(step, etcdCaName, 'etcd') : undefined;
    const pki = await pkiSemaphore.run(() =>
      generatePki({
        missing: [...missing, ...renewing],
        existingEtcdCa,
        etcdServiceName: view.names.etcdService,
        namespace: view.namespace,
        now: step.ctx.now(),
      }),
    );
    // The new resourceVersions go into the control-plane pods' config hash, so they restart
    // with the renewed files (k0s copies its certificates at start).
    // The cluster CA is written first, alone: any other certificate Secret counts as evidence
    // that this Cluster once had a CA (see ca-guard.ts), so if the CA's write failed after the
    // others had landed, the next reconcile would refuse to generate one and the Cluster
    // would wait for a backup that never existed.
    const write = (purposes: CertificateRefType[]) =>
      settleAll(
        purposes.map(async purpose => {
          const applied = await client.apply(certificateSecret(view, purpose, pki[purpose]!));
          secretVersions[names[purpose]!] = applied.metadata?.resourceVersion ?? '';
        }),
      );
    const toWrite = [...missing, ...renewing];
    await write(toWrite.filter(p => p === 'ca'));
    await write(toWrite.filter(p => p !== 'ca'));
    if (missing.length) step.ctx.events.event(cluster, 'Normal', 'CertificatesGenerated', `generated ${missing.join(', ')}`);
    if (renewing.length) {
      const validity = certificateValidity(pki[renewing[0]]!.cert);
      step.ctx.events.event(
        cluster,
        'Normal',
        'CertificatesRenewed',
        newEtcdCa
          ? `signed ${renewing.join(', ')} again with the new etcd CA, valid until ${validity.notAfter.toISOString()}`
          : `renewed ${renewing.join(', ')} before expiry, signed by the existing etcd CA, valid until ${validity.notAfter.toISOString()}`,
      );
      step.requeue(renewalTime(validity, ETCD_LEAF_VALIDITY_DAYS).getTime() - step.ctx.now().getTime());
    }
    generatedCa = pki.ca;
  }
  if (cluster.metadata.annotations?.[ANNOTATION_REGENERATE_CA] !== undefined)
    await acknowledgeRegenerateCa(step, cluster, names.ca!, !!generatedCa && missing.includes('ca'));
  const provided = sources.filter(s => s.provided).map(s => s.purpose);
  step.facts.certificates = {
    ok: true,
    generated: sources.filter(s => !s.provided).map(s => s.purpose),
    provided,
  } satisfies CertificatesFact;
  return { caSecretName: names.ca!, generatedCa };
}

/**
 * Removes the regenerate-ca annotation once acted on, and also when the CA Secret exists: left
 * in place it would replace the CA without asking the next time the Secret went missing.
 */
async function acknowledgeRegenerateCa(step: ClusterStep, cluster: Cluster & KubernetesObject, caSecret: string, regenerated: boolean): Promise<void> {
  await step.ctx.client.mergePatch(
    { ...CLUSTER_GVK, namespace: step.key.namespace, name: step.key.name },
    { metadata: { annotations: { [ANNOTATION_REGENERATE_CA]: null } } },
  );
  if (regenerated) {
    step.ctx.events.event(
      cluster,
      'Warning',
      'CARegenerated',
      `generated a new cluster CA in Secret ${caSecret} as ${ANNOTATION_REGENERATE_CA} asked; workers must join again and kubeconfigs signed by the old CA no longer work`,
    );
  } else {
    step.ctx.events.event(cluster, 'Normal', 'RegenerateCAIgnored', `removed ${ANNOTATION_REGENERATE_CA}: Secret ${caSecret} exists, so the CA was kept`);
  }
}

/**
 * Generated etcd leaves due for renewal (two thirds into their life), decided from the validity
 * recorded in their Secrets' annotations, which the cache keeps. A Secret without them (written
 * by an earlier version or by upstream k0smotron) is read once and gets them, unless it is due
 * anyway. Leaves kept are looked at again when they become due.
 */
async function leavesToRenew(
  step: ClusterStep,
  leaves: Array<{ purpose: EtcdLeafPurpose; secret: V1Secret }>,
  secretVersions: Record<string, string>,
): Promise<EtcdLeafPurpose[]> {
  const now = step.ctx.now();
  const due = await Promise.all(
    leaves.map(async ({ purpose, secret }) => {
      const name = secret.metadata!.name!;
      let validity = validityFromAnnotations(secret.metadata?.annotations);
      const recorded = !!validity;
      if (!validity) {
        const live = secret.data?.['tls.crt'] ? secret : await step.ctx.client.get<V1Secret>({ ...SECRET, namespace: step.key.namespace, name });
        const pem = decodeSecret(live, 'tls.crt');
        try {
          validity = pem ? certificateValidity(pem) : undefined;
        } catch {
          validity = undefined; // not a certificate: replaced below
        }
      }
      const decision = certificateRenewal({ validity, now, lifetimeDays: ETCD_LEAF_VALIDITY_DAYS });
      if (decision.renew) return purpose;
      step.requeue(decision.renewAt!.getTime() - now.getTime());
      if (!recorded && validity) {
        const patched = await step.ctx.client.mergePatch<V1Secret>(
          { ...SECRET, namespace: step.key.namespace, name },
          { metadata: { annotations: validityAnnotations(validity), resourceVersion: secret.metadata?.resourceVersion } },
        );
        secretVersions[name] = patched.metadata?.resourceVersion ?? secretVersions[name];
      }
      return undefined;
    }),
  );
  return due.filter((p): p is EtcdLeafPurpose => p !== undefined);
}

export async function readCertKey(step: ClusterStep, secretName: string, purpose: string): Promise<CertKeyPem> {
  const secret = await step.ctx.client.get<V1Secret>({ ...SECRET, namespace: step.key.namespace, name: secretName });
  const cert = decodeSecret(secret, 'tls.crt');
  const key = decodeSecret(secret, 'tls.key');
  if (!cert || !key) {
    throw new SpecError('CertificateSecretInvalid', `Secret ${secretName} (${purpose}) must hold tls.crt and tls.key in PEM form`);
  }
  return { cert, key };
}
