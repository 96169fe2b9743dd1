// Maps from watched objects that a Cluster does not own (Nodes, kine Secrets, PVCs) back to the
// Clusters that care about them. Filled by the reconciler, read by the watch map functions.
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import type { ObjectKey } from '../engine/contract';

const keyString = (k: ObjectKey) => `${k.namespace}/${k.name}`;

export class ClusterWatchIndex {
  /** Clusters whose endpoint comes from node addresses. */
  private readonly nodePort = new Map<string, ObjectKey>();
  /** "ns/secret" → Clusters that read it as their kine data source. */
  private readonly kineSecrets = new Map<string, Map<string, ObjectKey>>();
  private readonly kineOf = new Map<string, string>();
  /** Last seen Ready state and addresses per node: heartbeats alone do not wake anyone. */
  private readonly nodeSignatures = new Map<string, string>();

  track(key: ObjectKey, opts: { nodePort: boolean; kineSecret?: string }): void {
    const k = keyString(key);
    if (opts.nodePort) this.nodePort.set(k, key);
    else this.nodePort.delete(k);
    const old = this.kineOf.get(k);
    const wanted = opts.kineSecret ? `${key.namespace}/${opts.kineSecret}` : undefined;
    if (old && old !== wanted) {
      this.kineSecrets.get(old)?.delete(k);
      if (this.kineSecrets.get(old)?.size === 0) this.kineSecrets.delete(old);
      this.kineOf.delete(k);
    }
    if (wanted) {
      let set = this.kineSecrets.get(wanted);
      if (!set) this.kineSecrets.set(wanted, (set = new Map()));
      set.set(k, key);
      this.kineOf.set(k, wanted);
    }
  }

  forget(key: ObjectKey): void {
    this.track(key, { nodePort: false });
  }

  /** Node events: every NodePort Cluster, but only when readiness or addresses changed. */
  clustersForNode(node: KubernetesObject): ObjectKey[] {
    const n = node as V1Node;
    const name = n.metadata?.name ?? '';
    const sig = nodeSignature(n);
    if (this.nodeSignatures.get(name) === sig) return [];
    if (sig === 'deleted') this.nodeSignatures.delete(name);
    else this.nodeSignatures.set(name, sig);
    return [...this.nodePort.values()];
  }

  clustersForSecret(secret: KubernetesObject): ObjectKey[] {
    const k = `${secret.metadata?.namespace}/${secret.metadata?.name}`;
    return [...(this.kineSecrets.get(k)?.values() ?? [])];
  }
}

function nodeSignature(n: V1Node): string {
  if (n.metadata?.deletionTimestamp) return 'deleted';
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  const addrs = (n.status?.addresses ?? []).map((a) => `${a.type}=${a.address}`).sort().join(',');
  return `${ready}|${addrs}`;
}

/** What the cache keeps of a Node: its Ready condition (without heartbeat times) and addresses. */
export function slimNode(obj: KubernetesObject): KubernetesObject {
  const n = obj as V1Node;
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.metadata?.name,
      uid: n.metadata?.uid,
      resourceVersion: n.metadata?.resourceVersion,
      ...(n.metadata?.deletionTimestamp ? { deletionTimestamp: n.metadata.deletionTimestamp } : {}),
    },
    status: {
      conditions: ready ? [{ type: 'Ready', status: ready.status }] : [],
      addresses: n.status?.addresses ?? [],
    },
  } as KubernetesObject;
}

/** Secrets are cached as metadata only: keys and certificates never sit in the operator's memory. */
export function dropSecretData(obj: KubernetesObject): KubernetesObject {
  const { data: _data, stringData: _stringData, ...rest } = obj as KubernetesObject & { data?: unknown; stringData?: unknown };
  return rest;
}
