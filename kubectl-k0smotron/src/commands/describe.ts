// `describe`: the Cluster and everything it owns (through ownerReferences), as a tree with
// readiness, like `clusterctl describe cluster`. Lists run in parallel, one per kind.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { findCondition, clusterPhase, type Cluster } from '@k0smotron/api';
import { age } from '../output/age';
import { renderTree, type Readiness, type TreeNode } from '../output/tree';
import type { Session } from '../session';
import { requireCluster } from './common';

/** The parts of any Kubernetes object the tree reads. */
export interface OwnedObject {
  kind: string;
  metadata?: {
    name?: string;
    uid?: string;
    creationTimestamp?: string | Date;
    ownerReferences?: V1OwnerReference[];
    deletionTimestamp?: string | Date;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  type?: string;
}

interface Verdict {
  ready: Readiness;
  reason?: string;
  message?: string;
  since?: string;
}

const iso = (t: unknown) => (t ? new Date(t as string).toISOString() : undefined);

/** Readiness of one object by kind (pure). */
export function readinessOf(o: OwnedObject): Verdict {
  const created = iso(o.metadata?.creationTimestamp);
  if (o.metadata?.deletionTimestamp) return { ready: 'False', reason: 'Deleting', since: iso(o.metadata.deletionTimestamp) };
  const st = (o.status ?? {}) as Record<string, unknown>;
  const conditions = (st.conditions ?? []) as { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  switch (o.kind) {
    case 'StatefulSet': {
      const want = Number((o.spec as { replicas?: number })?.replicas ?? 1);
      const ready = Number(st.readyReplicas ?? 0);
      return {
        ready: ready >= want ? 'True' : 'False',
        reason: ready >= want ? undefined : 'NotAllReplicasReady',
        message: `${ready}/${want} ready`,
        since: created,
      };
    }
    case 'Pod': {
      const c = conditions.find(x => x.type === 'Ready');
      return {
        ready: (c?.status as Readiness) ?? 'Unknown',
        reason: c?.status === 'True' ? undefined : (c?.reason ?? String(st.phase ?? '')),
        since: c?.lastTransitionTime ?? created,
      };
    }
    case 'Service': {
      const spec = (o.spec ?? {}) as { type?: string };
      if (spec.type === 'LoadBalancer') {
        const ingress = ((st.loadBalancer as { ingress?: unknown[] })?.ingress ?? []).length;
        return { ready: ingress ? 'True' : 'False', reason: ingress ? undefined : 'WaitingForLoadBalancer', since: created, message: spec.type };
      }
      return { ready: 'True', since: created, message: spec.type };
    }
    case 'PersistentVolumeClaim':
      return { ready: st.phase === 'Bound' ? 'True' : 'False', reason: st.phase === 'Bound' ? undefined : String(st.phase ?? 'Pending'), since: created };
    case 'JoinTokenRequest': {
      const c = conditions.find(x => x.type === 'JoinTokenSecretCreated');
      return {
        ready: (c?.status as Readiness) ?? 'Unknown',
        reason: c?.status === 'True' ? undefined : (c?.reason ?? 'Pending'),
        since: c?.lastTransitionTime ?? created,
      };
    }
    case 'CronJob':
    case 'ConfigMap':
    case 'Secret':
      return { ready: 'True', since: created };
    default: {
      const c = conditions.find(x => x.type === 'Ready' || x.type === 'Available');
      return c
        ? { ready: c.status as Readiness, reason: c.status === 'True' ? undefined : c.reason, since: c.lastTransitionTime }
        : { ready: '', since: created };
    }
  }
}

const KIND_ORDER = ['Service', 'StatefulSet', 'Pod', 'PersistentVolumeClaim', 'ConfigMap', 'Secret', 'CronJob', 'JoinTokenRequest'];

/** Builds the tree under `root` from a flat list of objects and their ownerReferences (pure). */
export function buildTree(cluster: Cluster, objects: OwnedObject[]): TreeNode {
  const byOwner = new Map<string, OwnedObject[]>();
  for (const o of objects) {
    for (const ref of o.metadata?.ownerReferences ?? []) {
      const list = byOwner.get(ref.uid) ?? [];
      list.push(o);
      byOwner.set(ref.uid, list);
    }
  }
  const seen = new Set<string>();
  const nodeOf = (o: OwnedObject): TreeNode => {
    const v = readinessOf(o);
    const uid = o.metadata?.uid ?? '';
    seen.add(uid);
    const children = (byOwner.get(uid) ?? []).filter(c => !seen.has(c.metadata?.uid ?? '')).map(nodeOf);
    sortNodes(children);
    return { kind: o.kind, name: o.metadata?.name ?? '', ready: v.ready, reason: v.reason, since: v.since, message: v.message, children };
  };
  const available = findCondition(cluster, 'Available');
  const phase = clusterPhase(cluster);
  seen.add(cluster.metadata.uid ?? '');
  const children = (byOwner.get(cluster.metadata.uid ?? '') ?? []).map(nodeOf);
  sortNodes(children);
  // The phase decides: upstream's operator never sets Available on a control plane without an
  // external address, though it serves (its API answers and every replica is Ready).
  const ready: Readiness = phase === 'Available' ? 'True' : ((available?.status as Readiness) ?? 'Unknown');
  return {
    kind: 'Cluster',
    name: cluster.metadata.name ?? '',
    ready,
    reason: ready === 'True' ? undefined : (available?.reason ?? phase),
    since: available?.lastTransitionTime ?? cluster.metadata.creationTimestamp,
    message: phase === 'Available' ? undefined : phase,
    children,
  };
}

function sortNodes(nodes: TreeNode[]): void {
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  nodes.sort((a, b) => rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name));
}

export async function runDescribe(s: Session, args: { name: string; grouping: boolean }): Promise<void> {
  const namespace = s.namespace;
  const cluster = await requireCluster(s, args.name);
  const problems: string[] = [];
  const list = async (kind: string, fn: () => Promise<unknown[]>): Promise<OwnedObject[]> => {
    try {
      // Secrets are listed for their metadata only: data is dropped right away.
      return (await fn()).map(i => ({ ...(i as OwnedObject), kind, ...(kind === 'Secret' ? { data: undefined } : {}) }));
    } catch (err) {
      const code = (err as { code?: number; status?: number }).code ?? (err as { status?: number }).status;
      problems.push(`cannot list ${kind}s: ${code === 403 ? 'forbidden' : ((err as Error).message ?? '').split('\n')[0]}`);
      return [];
    }
  };
  const lists = await Promise.all([
    list('Service', () => s.objects.list('Service', { namespace })),
    list('StatefulSet', () => s.objects.list('StatefulSet', { namespace })),
    list('Pod', () => s.objects.list('Pod', { namespace })),
    list('PersistentVolumeClaim', () => s.objects.list('PersistentVolumeClaim', { namespace })),
    list('ConfigMap', () => s.objects.list('ConfigMap', { namespace })),
    list('Secret', () => s.objects.list('Secret', { namespace })),
    list('JoinTokenRequest', () => s.client.listJoinTokenRequests(namespace)),
  ]);
  const tree = buildTree(cluster, lists.flat());
  s.print(renderTree(tree, { grouping: args.grouping, now: new Date(), palette: s.out, age: (t, now) => age(t, now) }));
  for (const p of problems) s.progress(`${s.err.yellow('warning:')} ${p}`);
}
