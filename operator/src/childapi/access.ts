// The operator's credentials for child API servers: a client certificate signed from each
// Cluster's CA (`<n>-ca`, or the `certificateRefs` entry of type `ca`), cached per Cluster and renewed at half its lifetime or when the CA
// changes.
//
// Identity: CN `k0smotron-operator`, O `system:masters`. A narrower identity would need a
// ClusterRole and binding inside every child, which k0s does not ship and which the operator
// could only create with an admin identity in the first place; the operator also needs
// secrets/create in kube-system (bootstrap tokens), which is close to admin anyway. The distinct
// CN keeps the operator's requests apart from the user's `admin` in the child's audit log, and
// the short lifetime (7 days, never written anywhere) limits what a leaked in-memory key is worth.
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { clusterCaSecretName, type Cluster } from '@k0smotron/api';
import { createLeaf } from '../pki';
import { ChildApiClient, childKubeApi, DEFAULT_CHILD_TIMEOUT_MS, type ChildCredentials } from './client';
import type { ChildApiResolver } from './resolver';

export const OPERATOR_CHILD_USER = 'k0smotron-operator';
export const OPERATOR_CHILD_GROUPS = ['system:masters'];
export const OPERATOR_CERT_VALIDITY_DAYS = 7;
/** The CA Secret is re-read this often, so a replaced CA is noticed without a restart. */
export const CA_RECHECK_MS = 5 * 60_000;

export type SecretReader = (namespace: string, name: string) => Promise<V1Secret | undefined>;

export type ChildAccessReason = 'AddressUnknown' | 'CertificatesNotReady';

/** The child cannot be addressed yet (no endpoint, no CA): wait, do not count as a failure. */
export class ChildAccessError extends Error {
  constructor(
    message: string,
    readonly reason: ChildAccessReason,
  ) {
    super(message);
    this.name = 'ChildAccessError';
  }
}

interface CacheEntry {
  uid: string;
  caFingerprint: string;
  creds: ChildCredentials;
  renewAt: number;
  caCheckedAt: number;
}

function decode(secret: V1Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}

export interface ChildApiAccessOptions {
  resolver: ChildApiResolver;
  /** How the CA Secret is read when a call does not bring its own reader (e.g. a reconcile's client). */
  readSecret?: SecretReader;
  now?: () => Date;
  timeoutMs?: number;
  certValidityDays?: number;
}

export class ChildApiAccess {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly pending = new Map<string, Promise<CacheEntry>>();
  private readonly now: () => Date;

  constructor(private readonly opts: ChildApiAccessOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  get resolver(): ChildApiResolver {
    return this.opts.resolver;
  }

  /** A client for the Cluster's API server with the operator's identity. */
  async client(cluster: Cluster, opts: { timeoutMs?: number; readSecret?: SecretReader } = {}): Promise<ChildApiClient> {
    const { name, namespace } = cluster.metadata;
    const target = this.opts.resolver.resolve(cluster);
    if (!target) {
      throw new ChildAccessError(`the API address of Cluster ${namespace}/${name} is not known yet (no status.endpoint)`, 'AddressUnknown');
    }
    const entry = await this.credentials(cluster, opts.readSecret);
    // A request layer per client, not per Cluster: its requests share one connection, which
    // closes soon after the last (see CHILD_IDLE_SOCKET_MS), and nothing but the credentials
    // stays in memory between visits. Keeping one per Cluster would let the next visit resume the
    // TLS session, but holds an agent and a copy of the credentials per Cluster for it.
    return new ChildApiClient(target, entry.creds, childKubeApi(target, entry.creds), opts.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_CHILD_TIMEOUT_MS);
  }

  /** The CA PEM of the Cluster (what join tokens carry). */
  async caPem(cluster: Cluster, opts: { readSecret?: SecretReader } = {}): Promise<string> {
    return (await this.credentials(cluster, opts.readSecret)).creds.caPem;
  }

  /**
   * Drops what is cached for a Cluster (deleted, or its CA was replaced): the client certificate
   * (a `system:masters` key) leaves memory, and a signing still in flight is not stored.
   */
  forget(cluster: Pick<Cluster, 'metadata'>): void {
    const key = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
    this.cache.delete(key);
    this.pending.delete(key);
  }

  /** "ns/name" of every Cluster with credentials in memory or a signing in flight. */
  keys(): string[] {
    return [...new Set([...this.cache.keys(), ...this.pending.keys()])];
  }

  /** Clusters with credentials in memory, and signings in flight (tests, metrics). */
  sizes(): { childApiCredentials: number; childApiPending: number } {
    return { childApiCredentials: this.cache.size, childApiPending: this.pending.size };
  }

  private async credentials(cluster: Cluster, readSecret?: SecretReader): Promise<CacheEntry> {
    const key = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
    const now = this.now().getTime();
    const cached = this.cache.get(key);
    if (cached && cached.uid === cluster.metadata.uid && now < cached.renewAt && now - cached.caCheckedAt < CA_RECHECK_MS) {
      return cached;
    }
    let inflight = this.pending.get(key);
    if (!inflight) {
      // Stored only while still the pending flight of its key: a `forget` (Cluster deleted)
      // that came meanwhile wins, so a deleted Cluster's key does not come back.
      const flight: Promise<CacheEntry> = this.refresh(cluster, cached, readSecret).then(
        entry => {
          if (this.pending.get(key) === flight) {
            this.cache.set(key, entry);
            this.pending.delete(key);
          }
          return entry;
        },
        (err: unknown) => {
          if (this.pending.get(key) === flight) this.pending.delete(key);
          throw err;
        },
      );
      inflight = flight;
      this.pending.set(key, flight);
    }
    return inflight;
  }

  private async refresh(cluster: Cluster, cached: CacheEntry | undefined, readSecret?: SecretReader): Promise<CacheEntry> {
    const { name, namespace, uid } = cluster.metadata;
    if (!name || !namespace) throw new Error('Cluster without name or namespace');
    // The user's own CA when spec.certificateRefs names one: joins and the functional probe
    // must trust and sign with the CA the control plane actually runs with.
    const caName = clusterCaSecretName(cluster);
    const reader = readSecret ?? this.opts.readSecret;
    if (!reader) throw new Error('ChildApiAccess needs a Secret reader (constructor readSecret or per call)');
    const secret = await reader(namespace, caName);
    const caPem = secret && decode(secret, 'tls.crt');
    const caKeyPem = secret && decode(secret, 'tls.key');
    if (!caPem || !caKeyPem) {
      throw new ChildAccessError(`the CA Secret ${namespace}/${caName} does not exist yet or lacks tls.crt/tls.key`, 'CertificatesNotReady');
    }
    const now = this.now();
    const caFingerprint = createHash('sha256').update(caPem).digest('hex');
    let entry: CacheEntry;
    if (cached && cached.uid === uid && cached.caFingerprint === caFingerprint && now.getTime() < cached.renewAt) {
      entry = { ...cached, caCheckedAt: now.getTime() };
    } else {
      const validityDays = this.opts.certValidityDays ?? OPERATOR_CERT_VALIDITY_DAYS;
      const leaf = await createLeaf(
        { cert: caPem, key: caKeyPem },
        { commonName: OPERATOR_CHILD_USER, organizations: OPERATOR_CHILD_GROUPS, usages: ['client'], validityDays },
        now,
      );
      entry = {
        uid: uid ?? '',
        caFingerprint,
        creds: { caPem, certPem: leaf.cert, keyPem: leaf.key },
        renewAt: now.getTime() + (validityDays * 86_400_000) / 2,
        caCheckedAt: now.getTime(),
      };
    }
    return entry;
  }
}
