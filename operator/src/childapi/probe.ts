// ControlPlaneFunctional: does the child API answer `GET /api/v1/namespaces/kube-system` with the
// operator's credentials within 10 s? The answer also says when to ask again: quickly (with
// backoff) while it is not functional, on a slow period while it is.
import type { V1Secret } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import type { Client } from '../engine/contract';
import { ChildAccessError, type ChildApiAccess, type SecretReader } from './access';
import { ChildApiError, type ChildApiClient } from './client';

export const FUNCTIONAL_TRUE_REASON = 'KubeSystemNamespaceFound';
export const PROBE_TIMEOUT_MS = 10_000;
/** While functional: a slow period (one small GET per Cluster per minute). */
export const PROBE_HEALTHY_PERIOD_MS = 60_000;
/** While not functional: 5 s, doubling per failure up to 30 s. */
export const PROBE_RETRY_BASE_MS = 5_000;
export const PROBE_RETRY_MAX_MS = 30_000;

/** Worker nodes of a child cluster: registered, and of those Ready. */
export interface WorkerCount {
  total: number;
  ready: number;
}

export interface FunctionalProbeResult {
  status: 'True' | 'False';
  reason: string;
  message: string;
  /** The child's Nodes, counted on the same visit (only when the control plane answered). */
  workers?: WorkerCount;
  /** When the Cluster controller should probe again (its requeueAfter). */
  recheckAfterMs: number;
}

/** What a reconcile can lend the probe: its client (to read the CA Secret) and its abort signal. */
export interface ProbeContext {
  client?: Pick<Client, 'get'>;
  signal?: AbortSignal;
}

export type FunctionalProbe = (cluster: Cluster, ctx?: ProbeContext) => Promise<FunctionalProbeResult>;

/** The probe plus what it remembers per Cluster, which its owner drops when the Cluster goes. */
export interface ForgetfulFunctionalProbe extends FunctionalProbe {
  /** The Cluster is gone: drop its failure count and the operator's client certificate for it. */
  forget(key: { namespace: string; name: string }): void;
  /** "ns/name" of every Cluster the probe (or its credential cache) remembers. */
  keys(): string[];
  sizes(): Record<string, number>;
}

/** A SecretReader over a reconcile's client (live reads; Secret data is not cached). */
export function secretReaderOf(client: NonNullable<ProbeContext['client']>): SecretReader {
  return (namespace, name) => client.get<V1Secret & { metadata?: object }>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
}

export interface FunctionalProbeOptions {
  timeoutMs?: number;
  healthyPeriodMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** The part of a v1 NodeList that counting workers reads. */
export interface ChildNodeList {
  items?: Array<{ status?: { conditions?: Array<{ type?: string; status?: string }> } }>;
}

/** Every Node is a worker: k0smotron's controllers run as pods, never as Nodes of the child. */
export function countWorkers(list: ChildNodeList): WorkerCount {
  const items = list.items ?? [];
  const ready = items.filter(n => n.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True')).length;
  return { total: items.length, ready };
}

export function createFunctionalProbe(access: ChildApiAccess, opts: FunctionalProbeOptions = {}): ForgetfulFunctionalProbe {
  // "ns/name" → consecutive failures of that Cluster (UID), for the retry backoff.
  const failures = new Map<string, { uid: string; n: number }>();
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const healthyPeriodMs = opts.healthyPeriodMs ?? PROBE_HEALTHY_PERIOD_MS;
  const retryBaseMs = opts.retryBaseMs ?? PROBE_RETRY_BASE_MS;
  const retryMaxMs = opts.retryMaxMs ?? PROBE_RETRY_MAX_MS;

  const probe: FunctionalProbe = async (cluster, probeCtx = {}) => {
    const key = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
    const uid = cluster.metadata.uid ?? '';
    const fail = (reason: string, message: string): FunctionalProbeResult => {
      const prev = failures.get(key);
      const n = (prev?.uid === uid ? prev.n : 0) + 1;
      failures.set(key, { uid, n });
      const recheckAfterMs = Math.min(retryBaseMs * 2 ** (n - 1), retryMaxMs);
      return { status: 'False', reason, message, recheckAfterMs };
    };
    let client: ChildApiClient | undefined;
    try {
      const readSecret = probeCtx.client ? secretReaderOf(probeCtx.client) : undefined;
      client = await access.client(cluster, { timeoutMs, readSecret });
      await client.request('GET', '/api/v1/namespaces/kube-system', undefined, { timeoutMs, signal: probeCtx.signal });
      failures.delete(key);
      // One more small read on the same visit: the workers every face of the product shows. A
      // failure here says nothing about the control plane, so the answer stays True without a count.
      const workers = await client.request<ChildNodeList>('GET', '/api/v1/nodes', undefined, { timeoutMs, signal: probeCtx.signal }).then(
        r => countWorkers(r.body),
        () => undefined,
      );
      return {
        status: 'True',
        reason: FUNCTIONAL_TRUE_REASON,
        message: `the control plane answers at ${client.target.server}`,
        recheckAfterMs: healthyPeriodMs,
        ...(workers ? { workers } : {}),
      };
    } catch (err) {
      if (err instanceof ChildAccessError) return fail(err.reason, err.message);
      if (err instanceof ChildApiError) {
        // A CA that no longer verifies may have been replaced: sign again from the current one.
        if (err.reason === 'TLSError' || err.reason === 'Unauthorized') access.forget(cluster);
        return fail(err.reason, err.message);
      }
      return fail('InternalError', (err as Error).message);
    } finally {
      // The visit is over: no socket waits for the next one, a minute away.
      client?.close();
    }
  };
  return Object.assign(probe, {
    forget(key: { namespace: string; name: string }): void {
      failures.delete(`${key.namespace}/${key.name}`);
      access.forget({ metadata: key });
    },
    keys: (): string[] => [...new Set([...failures.keys(), ...access.keys()])],
    sizes: (): Record<string, number> => ({ probeFailures: failures.size, ...access.sizes() }),
  });
}
