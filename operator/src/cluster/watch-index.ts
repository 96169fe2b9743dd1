// Maps from watched objects that a Cluster does not own (Nodes, kine Secrets, PVCs) back to the
// Clusters that care about them. Filled by the reconciler, read by the watch map functions.
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import type { ObjectKey } from '../engine/contract';

const keyString = (k: ObjectKey) => `${k.namespace}/${k.name}`;

export class ClusterWatchIndex {
  /** Clusters whose endpoint comes from node addresses. */
  private readonly nodePort = new Map<string, ObjectKey>();
  /** "ns/secret" → Clusters that read a Secret they do not own (kine data source, certificateRefs). */
  private readonly referenced = new Map<string, Map<string, ObjectKey>>();
  private readonly referencesOf = new Map<string, string[]>();
  /** Last seen Ready state and addresses per node: heartbeats alone do not wake anyone. */
  private readonly nodeSignatures = new Map<string, string>();

  track(key: ObjectKey, opts: { nodePort: boolean; secrets?: string[] }): void {
    const k = keyString(key);
    if (opts.nodePort) this.nodePort.set(k, key);
    else this.nodePort.delete(k);
    for (const old of this.referencesOf.get(k) ?? []) {
      this.referenced.get(old)?.delete(k);
      if (this.referenced.get(old)?.size === 0) this.referenced.delete(old);
    }
    const wanted = [...new Set(opts.secrets ?? [])].map((name) => `${key.namespace}/${name}`);
    for (const w of wanted) {
      let set = this.referenced.get(w);
      if (!set) this.referenced.set(w, (set = new Map()));
      set.set(k, key);
    }
    if (wanted.length) this.referencesOf.set(k, wanted);
    else this.referencesOf.delete(k);
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
    return [...(this.referenced.get(k)?.values() ?? [])];
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
