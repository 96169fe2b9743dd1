// Names a Cluster's children would take that someone else already holds: found before any
// write, so one Cluster never takes over another's objects.
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import { CLUSTER_KIND, type Cluster } from '@k0smotron/api';
import type { Cache, CacheIndex, ObjectKey } from '../engine/contract';
import { requiredPurposes } from '../pki';
import { SpecError, certificateSources, childList, type ClusterView, type desiredChildren } from './desired';
import { foreignController, isApiError, policyError, settleAll } from './helpers';
import { CLUSTER_GVK, SECRET, SERVICE } from './kinds';
import type { ClusterStep } from './reconcile-step';

/**
 * Whoever's object holds this name, if any. Owned kinds are cached only with our label
 * (OWNED_SELECTOR), so an object someone else created under a child's name is not in the
 * cache: absence is confirmed with a live read (only for kinds watched by label; one GET per
 * child a new Cluster has not created yet).
 */
async function freeOrHolder(step: ClusterStep, gvk: { apiVersion: string; kind: string }, name: string, uid: string): Promise<KubernetesObject | undefined> {
  const cached = step.cached<KubernetesObject>(gvk, name);
  const memoKey = `${step.key.namespace}/${step.key.name}`;
  // Once the child is in the cache it is checked there; should it go, the name is read again.
  if (cached) step.memory.freeNames.get(memoKey)?.names.delete(`${gvk.kind}/${name}`);
  if (cached || gvk.kind === SECRET.kind) return cached; // Secrets are cached without a selector
  let memo = step.memory.freeNames.get(memoKey);
  if (!memo || memo.uid !== uid) step.memory.freeNames.set(memoKey, (memo = { uid, names: new Set() }));
  const child = `${gvk.kind}/${name}`;
  if (memo.names.has(child)) return undefined;
  const live = await step.ctx.client.get<KubernetesObject>({ ...gvk, namespace: step.key.namespace, name });
  if (!live || !foreignController(live, uid)) memo.names.add(child);
  return live;
}

/**
 * Every object this Cluster writes must be absent or controlled by this Cluster: names of two
 * Clusters can collide (`kmc-foo-etcd` is Cluster foo's etcd and Cluster foo-etcd's control
 * plane), and a forced server-side apply would otherwise take over the other one's object.
 */
export async function assertNoNameConflicts(step: ClusterStep, view: ClusterView, preview: ReturnType<typeof desiredChildren>): Promise<void> {
  const planned: Array<{ gvk: { apiVersion: string; kind: string }; name: string }> = childList(preview).map(o => ({
    gvk: { apiVersion: o.apiVersion!, kind: o.kind! },
    name: o.metadata!.name!,
  }));
  for (const s of certificateSources(view, requiredPurposes(view.storage.type))) {
    if (!s.provided) planned.push({ gvk: SECRET, name: s.secretName });
  }
  planned.push({ gvk: SECRET, name: view.names.kubeconfigSecret });
  if (view.storage.type === 'kine' && view.storage.generatedDataSourceURL !== undefined) {
    planned.push({ gvk: SECRET, name: view.storage.dataSourceSecretName });
  }
  const conflicts: string[] = [];
  // settleAll: names found free are remembered even when another read of the round failed.
  const found = await settleAll(planned.map(p => freeOrHolder(step, p.gvk, p.name, view.uid)));
  for (const [i, p] of planned.entries()) {
    const existing = found[i];
    const owner = existing && foreignController(existing, view.uid);
    if (owner) conflicts.push(`${p.gvk.kind} ${p.name} already exists and belongs to ${owner}`);
  }
  // A certificateRef must not borrow another Cluster's generated certificate (its CA would sign
  // this Cluster's admin kubeconfig, which the other Cluster would then trust).
  for (const ref of view.certificateRefs ?? []) {
    const existing = step.cached<KubernetesObject>(SECRET, ref.name);
    const owner = existing?.metadata?.ownerReferences?.find(r => r.controller && r.kind === CLUSTER_KIND && r.uid !== view.uid);
    if (owner) {
      throw policyError([
        {
          field: 'spec.certificateRefs',
          message: `Secret ${ref.name} was generated for Cluster ${owner.name}; a Cluster may only use its own or user-provided certificates`,
        },
      ]);
    }
  }
  if (conflicts.length) {
    throw new SpecError('NameConflict', `${conflicts.join('; ')}; choose another Cluster name (nothing was written)`);
  }
}

/**
 * A NodePort that another Service holds: the API server's answer names only the port. Say which
 * Service holds it when it is in this namespace (the tenant may see it anyway); a Service of
 * another namespace is not named, so one tenant does not learn another's objects.
 */
export function nodePortConflict(step: ClusterStep, err: unknown, view: ClusterView, desired: V1Service): SpecError | undefined {
  if (!isApiError(err) || err.status !== 422 || !/port is already allocated/i.test(err.message)) return undefined;
  const wanted = (desired.spec?.ports ?? []).map(p => p.nodePort).filter((p): p is number => typeof p === 'number');
  const holders = step.ctx.cache
    .list<V1Service>(SERVICE, { namespace: view.namespace })
    .filter(s => s.metadata?.name !== desired.metadata?.name && (s.spec?.ports ?? []).some(p => p.nodePort !== undefined && wanted.includes(p.nodePort)));
  const taken = wanted.filter(port => new RegExp(`\\b${port}\\b`).test(err.message));
  const ports = (taken.length ? taken : wanted).join(' and ');
  const holder = holders[0];
  const cluster = holder?.metadata?.labels?.cluster;
  const who = holder
    ? `Service ${holder.metadata?.name}${cluster ? ` of Cluster ${cluster}` : ''} in this namespace holds it`
    : 'a Service in another namespace holds it';
  return new SpecError(
    'NodePortConflict',
    `NodePort ${ports} is already allocated: ${who}. Set other ports in spec.service.apiPort and spec.service.konnectivityPort (each NodePort Cluster needs its own pair within the cluster's NodePort range, e.g. 30444 and 30133), or use service type LoadBalancer or ClusterIP`,
  );
}

const NODE_PORT_CONFLICT_INDEX = 'waitingForNodePort';

/** Clusters whose Service could not take its NodePorts (Available=False, NodePortConflict). */
export const nodePortConflictIndex: CacheIndex = {
  ...CLUSTER_GVK,
  name: NODE_PORT_CONFLICT_INDEX,
  fn: obj => ((obj as Cluster).status?.conditions?.some(c => c.type === 'Available' && c.status === 'False' && c.reason === 'NodePortConflict') ? ['yes'] : []),
};

/**
 * When a Service holding NodePorts (type NodePort or LoadBalancer) goes away or changes, the
 * Clusters waiting for a NodePort try again at once: the port may be free now, and nothing else
 * would wake them but their failure backoff, which has grown to minutes by the time a slow
 * garbage collector removes the holder.
 */
export function clustersWaitingForNodePorts(svc: KubernetesObject, event: 'add' | 'update' | 'delete', cache: Cache): ObjectKey[] {
  if (event === 'add' || !((svc as V1Service).spec?.ports ?? []).some(p => p.nodePort !== undefined)) return [];
  return cache
    .byIndex(CLUSTER_GVK, NODE_PORT_CONFLICT_INDEX, 'yes')
    .flatMap(c => (c.metadata?.namespace && c.metadata.name ? [{ namespace: c.metadata.namespace, name: c.metadata.name }] : []));
}
