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

  /**
   * Records what a Cluster watches. Returns the "ns/secret" keys that no Cluster references any
   * more, so the caller can drop what it remembers about those Secrets.
   */
  track(key: ObjectKey, opts: { nodePort: boolean; secrets?: string[] }): string[] {
    const k = keyString(key);
    if (opts.nodePort) this.nodePort.set(k, key);
    else this.nodePort.delete(k);
    const released: string[] = [];
    for (const old of this.referencesOf.get(k) ?? []) {
      this.referenced.get(old)?.delete(k);
      if (this.referenced.get(old)?.size === 0) {
        this.referenced.delete(old);
        released.push(old);
      }
    }
    const wanted = [...new Set(opts.secrets ?? [])].map(name => `${key.namespace}/${name}`);
    for (const w of wanted) {
      let set = this.referenced.get(w);
      if (!set) this.referenced.set(w, (set = new Map()));
      set.set(k, key);
    }
    if (wanted.length) this.referencesOf.set(k, wanted);
    else this.referencesOf.delete(k);
    return released.filter(r => !this.referenced.has(r));
  }

  /** The Cluster is gone: drop everything about it; returns the Secrets nobody references now. */
  forget(key: ObjectKey): string[] {
    return this.track(key, { nodePort: false });
  }

  /** Clusters this index holds anything about. */
  keys(): string[] {
    return [...new Set([...this.nodePort.keys(), ...this.referencesOf.keys()])];
  }

  /**
   * Node events: every NodePort Cluster, but only when readiness or addresses changed. A deleted
   * Node is forgotten and wakes them too (its address may be the endpoint): the object a delete
   * event carries often has no deletionTimestamp, so the event type is what says so.
   */
  clustersForNode(node: KubernetesObject, event?: 'add' | 'update' | 'delete'): ObjectKey[] {
    const n = node as V1Node;
    const name = n.metadata?.name ?? '';
    const sig = event === 'delete' ? 'deleted' : nodeSignature(n);
    if (this.nodeSignatures.get(name) === sig) return [];
    if (sig === 'deleted') this.nodeSignatures.delete(name);
    else this.nodeSignatures.set(name, sig);
    return [...this.nodePort.values()];
  }

  /** Entries per map (tests, `k0smotron_controller_memory_entries`). `nodeSignatures` is per Node, not per Cluster. */
  sizes(): Record<string, number> {
    return {
      nodePortClusters: this.nodePort.size,
      referencedSecrets: this.referenced.size,
      referencesOf: this.referencesOf.size,
      nodeSignatures: this.nodeSignatures.size,
    };
  }

  clustersForSecret(secret: KubernetesObject): ObjectKey[] {
    const k = `${secret.metadata?.namespace}/${secret.metadata?.name}`;
    return [...(this.referenced.get(k)?.values() ?? [])];
  }
}

function nodeSignature(n: V1Node): string {
  if (n.metadata?.deletionTimestamp) return 'deleted';
  const ready = n.status?.conditions?.find(c => c.type === 'Ready')?.status ?? 'Unknown';
  const addrs = (n.status?.addresses ?? [])
    .map(a => `${a.type}=${a.address}`)
    .sort()
    .join(',');
  return `${ready}|${addrs}`;
}

/** What the cache keeps of a Node: its Ready condition (without heartbeat times) and addresses. */
export function slimNode(obj: KubernetesObject): KubernetesObject {
  const n = obj as V1Node;
  const ready = n.status?.conditions?.find(c => c.type === 'Ready');
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

/**
 * ConfigMaps are cached without their contents, so the k0s configs and start scripts of every
 * tenant need not sit in the operator's memory. Drift in them is still seen: the informer keeps a
 * hash of each value before this runs (engine `drift.ts`), which `applyIfChanged` compares.
 */
export function dropConfigMapData(obj: KubernetesObject): KubernetesObject {
  const { data: _data, binaryData: _binaryData, ...rest } = obj as KubernetesObject & { data?: unknown; binaryData?: unknown };
  return rest;
}
