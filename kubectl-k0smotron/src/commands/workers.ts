// The worker nodes of a Cluster, for `status`: read from the control plane's own API (its Nodes),
// with the Cluster's stored kubeconfig, and only read. When that is not possible (no permission
// to read the kubeconfig Secret, the endpoint unreachable from here, the control plane asleep),
// the operator's last count in status.workers is shown instead, with the reason.
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, KubeApi, builtinPath } from '@k0smotron/api/kube';
import { clusterObjectNames, conditionStatus, type Cluster } from '@k0smotron/api';
import type { Session } from '../session';

export interface WorkerNodeInfo {
  name: string;
  /** The Ready condition's status: True, False or Unknown. */
  ready: string;
  kubeletVersion?: string;
  createdAt?: string;
  /** InternalIP, else the first address the kubelet reports. */
  address?: string;
}

export interface WorkersInfo {
  /** `child`: listed from the control plane now; `status`: the operator's count in status.workers. */
  source: 'child' | 'status' | 'none';
  total?: number;
  ready?: number;
  nodes?: WorkerNodeInfo[];
  /** Why the nodes were not listed from the control plane. */
  note?: string;
}

interface NodeList {
  items?: Array<{
    metadata?: { name?: string; creationTimestamp?: string };
    status?: {
      conditions?: Array<{ type?: string; status?: string }>;
      nodeInfo?: { kubeletVersion?: string };
      addresses?: Array<{ type?: string; address?: string }>;
    };
  }>;
}

/** Pure: the rows `status` shows, sorted by name. */
export function workerNodes(list: NodeList): WorkerNodeInfo[] {
  return (list.items ?? [])
    .map(n => {
      const addresses = n.status?.addresses ?? [];
      return {
        name: n.metadata?.name ?? '',
        ready: conditionStatus(n, 'Ready'),
        kubeletVersion: n.status?.nodeInfo?.kubeletVersion,
        createdAt: n.metadata?.creationTimestamp,
        address: (addresses.find(a => a.type === 'InternalIP') ?? addresses[0])?.address,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function fromStatus(cluster: Cluster, note: string): WorkersInfo {
  const w = cluster.status?.workers;
  return w ? { source: 'status', total: w.total, ready: w.ready, note } : { source: 'none', note };
}

/** Why listing the child's Nodes failed, worded as before: `HTTP 403: …`, or the network error. */
export function childListFailure(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status > 0) {
      const body = err.body as { message?: unknown } | string | undefined;
      const message = typeof body === 'string' ? body.slice(0, 200) : typeof body?.message === 'string' ? body.message : '';
      return `HTTP ${err.status}: ${message}`;
    }
    // No answer: the network error itself (refused, TLS, "no answer within 5 s").
    const cause = err.cause;
    if (cause instanceof Error) return cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

/** Lists the Cluster's Nodes from its control plane; never throws (the reason goes in `note`). */
export async function readWorkers(s: Session, cluster: Cluster, timeoutMs = 5_000): Promise<WorkersInfo> {
  const namespace = cluster.metadata.namespace ?? s.namespace;
  const name = cluster.metadata.name ?? '';
  if (cluster.spec?.replicas === 0) return fromStatus(cluster, 'the control plane is asleep');
  let text: string | undefined;
  try {
    const secret = await s.objects.get('Secret', namespace, clusterObjectNames(name).kubeconfigSecret);
    if (!secret) return fromStatus(cluster, `there is no Secret ${clusterObjectNames(name).kubeconfigSecret}, the kubeconfig to list its nodes`);
    text = b64(secret.data?.value);
  } catch (err) {
    const why = (err as { status?: unknown }).status === 403 ? 'you may not read' : 'cannot read';
    return fromStatus(cluster, `${why} Secret ${clusterObjectNames(name).kubeconfigSecret}, the kubeconfig to list its nodes`);
  }
  if (!text) return fromStatus(cluster, `Secret ${clusterObjectNames(name).kubeconfigSecret} has no kubeconfig yet`);
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    return fromStatus(cluster, `the stored kubeconfig is unreadable: ${(err as Error).message}`);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) return fromStatus(cluster, 'the stored kubeconfig names no server');
  // The control plane is another API server: a request layer of its own, logged at -v=6 like
  // every request of the run, and closed once it has answered.
  const child = new KubeApi(kc, undefined, { requestTimeoutMs: timeoutMs, onSend: (method, url) => s.log(6, `${method} ${url}`) });
  try {
    const list = await child.request<NodeList>('list', 'nodes', 'GET', builtinPath('Node'));
    const nodes = workerNodes(list);
    return { source: 'child', total: nodes.length, ready: nodes.filter(n => n.ready === 'True').length, nodes };
  } catch (err) {
    return fromStatus(cluster, `cannot list nodes at ${server}: ${childListFailure(err)}`);
  } finally {
    child.close();
  }
}
