// Reaching a Cluster's own API server (the child) from a JoinTokenRequest reconcile.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import type { ChildApiClient } from '../childapi/client';
import { secretReaderOf } from '../childapi/probe';
import { CLUSTER_GVK } from './kinds';
import type { JoinTokenStep } from './reconcile-step';

/** A client for the child (and, with `ca`, the Cluster CA a joining machine is to trust). */
export async function reachChild(step: JoinTokenStep, cluster: Cluster, opts: { ca: true }): Promise<{ child: ChildApiClient; caPem: string }>;
export async function reachChild(step: JoinTokenStep, cluster: Cluster, opts?: { ca?: false }): Promise<{ child: ChildApiClient }>;
export async function reachChild(step: JoinTokenStep, cluster: Cluster, opts: { ca?: boolean } = {}): Promise<{ child: ChildApiClient; caPem?: string }> {
  // CA Secrets are read live through the reconcile's client: the cache holds no Secret data.
  const readSecret = secretReaderOf(step.ctx.client);
  const child = await step.access.client(cluster, { readSecret });
  const caPem = opts.ca ? await step.access.caPem(cluster, { readSecret }) : undefined;
  forgetIfGone(step, cluster);
  return { child, ...(caPem !== undefined ? { caPem } : {}) };
}

/**
 * Child-API credentials of a Cluster that went away while this reconcile was using them must
 * not stay in memory (the Cluster controller forgets them when it sees the Cluster gone, which
 * may have been a moment earlier).
 */
function forgetIfGone(step: JoinTokenStep, cluster: Cluster): void {
  const now = step.ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, cluster.metadata.namespace ?? '', cluster.metadata.name ?? '');
  if (now?.metadata.uid !== cluster.metadata.uid) step.access.forget(cluster);
}
