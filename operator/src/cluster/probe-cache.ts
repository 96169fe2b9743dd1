// ControlPlaneFunctional: asks the functional probe, and reuses its last answer until it is due.
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import type { Client, ObjectKey } from '../engine/contract';
import type { FunctionalResult } from './desired';
import type { ClusterStep } from './reconcile-step';

/** The shape of `FunctionalProbe` (childapi/probe.ts), so the reconciler does not depend on the child-API module. */
export type ClusterFunctionalProbe = ((
  cluster: Cluster,
  ctx?: { client?: Pick<Client, 'get'>; signal?: AbortSignal },
) => Promise<FunctionalResult & { recheckAfterMs?: number }>) & {
  /** Drop what the probe remembers about a Cluster that is gone (failure counts, child-API credentials). */
  forget?(key: ObjectKey): void;
  /** "ns/name" of every Cluster it remembers, so that a sweep can forget those that are gone. */
  keys?(): string[];
  sizes?(): Record<string, number>;
};

type ProbeMemoEntry = { uid: string; result: FunctionalResult; endpoint: string; dueAt: number };

/**
 * Last ControlPlaneFunctional answer per Cluster ("ns/name", for the same UID: a re-created
 * Cluster starts afresh), valid until it is due again. Forgotten when the Cluster goes.
 */
export class ProbeMemo {
  private readonly entries = new Map<string, ProbeMemoEntry>();

  get(key: ObjectKey, uid: string, endpoint: string, now: number): ProbeMemoEntry | undefined {
    const e = this.entries.get(`${key.namespace}/${key.name}`);
    return e && e.uid === uid && e.endpoint === endpoint && now < e.dueAt ? e : undefined;
  }

  set(key: ObjectKey, entry: ProbeMemoEntry): void {
    this.entries.set(`${key.namespace}/${key.name}`, entry);
  }

  forget(key: ObjectKey): void {
    this.entries.delete(`${key.namespace}/${key.name}`);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  size(): number {
    return this.entries.size;
  }
}

export async function probeFunctional(
  step: ClusterStep,
  probe: ClusterFunctionalProbe | undefined,
  cluster: Cluster,
  sts: V1StatefulSet | undefined,
): Promise<void> {
  if (!probe) return;
  if ((sts?.status?.readyReplicas ?? 0) < 1) {
    step.facts.functional = { status: 'Unknown', reason: 'NoReadyReplicas', message: 'no control-plane replica is Ready yet' };
    return;
  }
  // A probe can take seconds: reuse the last answer until the probe asked to be asked again, or
  // the endpoint changed; status writes and owned-object events do not trigger new probes.
  const now = step.ctx.now().getTime();
  const uid = cluster.metadata.uid ?? '';
  const cached = step.memory.probes.get(step.key, uid, cluster.status?.endpoint ?? '', now);
  if (cached) {
    step.facts.functional = cached.result;
    step.requeue(cached.dueAt - now);
    return;
  }
  let result: FunctionalResult;
  let recheck: number;
  try {
    const r = await probe(cluster, { client: step.ctx.client, signal: step.ctx.signal });
    result = { status: r.status, reason: r.reason, message: r.message, ...(r.workers ? { workers: r.workers } : {}) };
    recheck = r.recheckAfterMs ?? 60_000;
  } catch (err) {
    result = { status: 'Unknown', reason: 'InternalError', message: `probe failed: ${(err as Error).message}` };
    recheck = 30_000;
  }
  step.facts.functional = result;
  step.memory.probes.set(step.key, { uid, result, endpoint: cluster.status?.endpoint ?? '', dueAt: now + recheck });
  step.requeue(recheck);
}
