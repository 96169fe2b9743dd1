// Proof, for negative checks, that the operator has processed everything that happened so far:
// asserting "nothing was written" after a sleep would also pass against an operator that had not
// yet seen the change. Two steps:
//
// 1. its cache holds every object of the namespace at the resourceVersion the API server has now.
//    The informer enqueues the owner of an event before the next event is stored, so every event
//    up to now has been delivered and its Cluster queued;
// 2. its controllers are idle: nothing queued, nothing being reconciled. So each reconcile those
//    events queued has finished, and anything it wrote has been counted.
//
// A write made by those reconciles starts another round; callers that need the operator quiet
// call this until a round writes nothing (`quiesce`).
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { CLUSTER_GVK, OWNED_SELECTOR } from '../controller';
import type { RunningOperator } from '../../index';
import { apis, eventually, writes } from './helpers';

type Listed = { metadata?: { name?: string; resourceVersion?: string } };

const KINDS = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  CLUSTER_GVK,
] as const;

function versions(items: Listed[]): string {
  return items
    .map(o => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
    .sort()
    .join(',');
}

const clients = new WeakMap<KubeConfig, ReturnType<typeof apis>>();

async function liveVersions(kc: KubeConfig, ns: string): Promise<string[]> {
  if (!clients.has(kc)) clients.set(kc, apis(kc));
  const { core, apps, kmc } = clients.get(kc)!;
  const owned = { namespace: ns, labelSelector: OWNED_SELECTOR };
  const lists = await Promise.all([
    apps.listNamespacedStatefulSet(owned).then(l => l.items),
    core.listNamespacedService(owned).then(l => l.items),
    core.listNamespacedConfigMap(owned).then(l => l.items),
    core.listNamespacedSecret({ namespace: ns }).then(l => l.items),
    core.listNamespacedPersistentVolumeClaim(owned).then(l => l.items),
    kmc.listClusters(ns),
  ]);
  return lists.map(items => versions(items as Listed[]));
}

/** Steps 1 and 2 above. */
export async function processed(op: RunningOperator, kc: KubeConfig, ns: string): Promise<void> {
  await eventually('the operator cache to hold what the API server holds', async () => {
    const live = await liveVersions(kc, ns);
    const cached = KINDS.map(gvk => versions(op.manager.cache.list<KubernetesObject>(gvk, { namespace: ns })));
    return live.every((v, i) => v === cached[i]);
  });
  await op.manager.waitForIdle({ quietMs: 0 });
}

/** `processed` until a round writes nothing: the operator has converged on the current state. */
export async function quiesce(op: RunningOperator, kc: KubeConfig, ns: string): Promise<void> {
  for (let round = 0; ; round++) {
    const before = writes(op);
    await processed(op, kc, ns);
    if (writes(op) === before) return;
    // A loaded machine can need a few rounds (status follows pods); one that never ends is a write loop.
    if (round > 50) throw new Error(`the operator still writes after ${round} rounds: a write loop`);
  }
}
