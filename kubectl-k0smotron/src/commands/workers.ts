// The worker nodes of a Cluster, for `status`: read from the control plane's own API (its Nodes),
// with the Cluster's stored kubeconfig, and only read. When that is not possible (no permission
// to read the kubeconfig Secret, the endpoint unreachable from here, the control plane asleep),
// the operator's last count in status.workers is shown instead, with the reason.
import * as https from 'node:https';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
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

function getJson<T>(url: string, tls: { ca?: string; cert?: string; key?: string; token?: string }, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        agent: false,
        timeout: timeoutMs,
        headers: { accept: 'application/json', ...(tls.token ? { authorization: `Bearer ${tls.token}` } : {}) },
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', c => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            let message = body.slice(0, 200);
            try {
              message = String((JSON.parse(body) as { message?: string }).message ?? message);
            } catch {
              // not a Status object: keep the text
            }
            reject(new Error(`HTTP ${res.statusCode}: ${message}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as T);
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

/** Lists the Cluster's Nodes from its control plane; never throws (the reason goes in `note`). */
export async function readWorkers(s: Session, cluster: Cluster, timeoutMs = 5_000): Promise<WorkersInfo> {
  const namespace = cluster.metadata.namespace ?? s.namespace;
  const name = cluster.metadata.name ?? '';
  if (cluster.spec?.replicas === 0) return fromStatus(cluster, 'the control plane is asleep');
  let text: string | undefined;
  try {
    const secret = await s.kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace, name: clusterObjectNames(name).kubeconfigSecret });
    text = b64(secret.data?.value);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 403 ? 'you may not read' : code === 404 ? 'there is no' : 'cannot read';
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
  const user = kc.getCurrentUser();
  if (!server) return fromStatus(cluster, 'the stored kubeconfig names no server');
  try {
    const list = await getJson<NodeList>(
      `${server.replace(/\/$/, '')}/api/v1/nodes`,
      { ca: b64(kc.getCurrentCluster()?.caData), cert: b64(user?.certData), key: b64(user?.keyData), token: user?.token },
      timeoutMs,
    );
    const nodes = workerNodes(list);
    return { source: 'child', total: nodes.length, ready: nodes.filter(n => n.ready === 'True').length, nodes };
  } catch (err) {
    return fromStatus(cluster, `cannot list nodes at ${server}: ${(err as Error).message}`);
  }
}
