// What one Cluster reconcile hands to its steps (certificates.ts, kubeconfig.ts, ...), and what the
// controller remembers between reconciles.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey, ReconcileContext } from '../engine/contract';
import type { StatusFacts } from './desired';
import type { ProbeMemo } from './probe-cache';
import type { ClusterWatchIndex } from './watch-index';

/** What the Cluster controller remembers between reconciles, and how to forget one Cluster. */
export interface ClusterMemory {
  index: ClusterWatchIndex;
  kineChecked: Map<string, string>;
  probes: ProbeMemo;
  /**
   * "ns/name" → uid and the child names a live read found free (or this Cluster's): a name
   * missing from the label-filtered cache is read once, not on every retry of a failing reconcile.
   */
  freeNames: Map<string, { uid: string; names: Set<string> }>;
  forget(key: ObjectKey): void;
}

/** One reconcile of one Cluster, as its steps see it. */
export interface ClusterStep {
  readonly key: ObjectKey;
  readonly ctx: ReconcileContext;
  readonly memory: ClusterMemory;
  /** What the steps found out; status is computed from it at the end. */
  readonly facts: Partial<StatusFacts>;
  /** Reconcile again after `ms` (the earliest of all asked for wins). */
  requeue(ms: number): void;
  /** The cached object of this kind and name in the Cluster's namespace. */
  cached<T extends KubernetesObject>(gvk: { apiVersion: string; kind: string }, name: string): T | undefined;
}
