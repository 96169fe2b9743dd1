// The workers route's answer: the child cluster's Nodes, listed from its own API server now.
// Backstage reaches the child as the kubeconfig route does: it reads the Cluster's CA with its
// service account and signs a client certificate for the requesting user, here valid for one
// minute and used for this one read, so the child's audit log names the person who looked.
import * as https from 'node:https';
import { ServiceUnavailableError } from '@backstage/errors';
import { KubeConfig } from '@kubernetes/client-node';
import { conditionStatus, type Cluster } from '@k0smotron/api';
import type { KubeObjects } from '@k0smotron/api/kube';
import type { ClusterWorkersResponse, WorkerNode } from '@k0smotron/plugin-k0smotron-common';
import { issueUserKubeconfig } from './userKubeconfig';

export const WORKERS_TIMEOUT_MS = 5_000;
const CERTIFICATE_LIFETIME_MS = 60_000;

export interface NodeList {
  items?: Array<{
    metadata?: { name?: string; creationTimestamp?: string };
    status?: {
      conditions?: Array<{ type?: string; status?: string }>;
      nodeInfo?: { kubeletVersion?: string };
      addresses?: Array<{ type?: string; address?: string }>;
    };
  }>;
}

/** Pure: the rows of the answer, sorted by name. */
export function toWorkersResponse(list: NodeList): ClusterWorkersResponse {
  const nodes: WorkerNode[] = (list.items ?? [])
    .map(n => {
      const addresses = n.status?.addresses ?? [];
      const node: WorkerNode = {
        name: n.metadata?.name ?? '',
        ready: conditionStatus(n, 'Ready'),
      };
      const kubeletVersion = n.status?.nodeInfo?.kubeletVersion;
      if (kubeletVersion) node.kubeletVersion = kubeletVersion;
      if (n.metadata?.creationTimestamp) node.createdAt = n.metadata.creationTimestamp;
      const address = (addresses.find(a => a.type === 'InternalIP') ?? addresses[0])?.address;
      if (address) node.address = address;
      return node;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { total: nodes.length, ready: nodes.filter(n => n.ready === 'True').length, nodes };
}

function getJson<T>(url: string, tls: { ca?: string; cert?: string; key?: string }, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...tls, agent: false, timeout: timeoutMs, headers: { accept: 'application/json' } }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', c => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new Error('the answer is not JSON'));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

/** Lists the Cluster's Nodes from its control plane; a control plane that does not answer is a 503 with one short line. */
export async function readClusterWorkers(opts: {
  /** The management cluster's typed reads (the Cluster's CA is read through them). */
  objects: KubeObjects;
  managementCluster: string;
  cluster: Cluster;
  user: string;
  timeoutMs?: number;
}): Promise<ClusterWorkersResponse> {
  const { cluster } = opts;
  const ref = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
  if (cluster.spec?.replicas === 0) throw new ServiceUnavailableError(`${ref} is asleep (0 replicas): no control plane to ask for its nodes`);
  const signed = await issueUserKubeconfig({ ...opts, lifetimeMs: CERTIFICATE_LIFETIME_MS });
  const kc = new KubeConfig();
  kc.loadFromString(signed.yaml);
  const server = kc.getCurrentCluster()?.server ?? '';
  const user = kc.getCurrentUser();
  const timeoutMs = opts.timeoutMs ?? WORKERS_TIMEOUT_MS;
  try {
    const list = await getJson<NodeList>(
      `${server.replace(/\/$/, '')}/api/v1/nodes`,
      { ca: b64(kc.getCurrentCluster()?.caData), cert: b64(user?.certData), key: b64(user?.keyData) },
      timeoutMs,
    );
    return toWorkersResponse(list);
  } catch (err) {
    // One line: a TLS or socket error is enough to act on; the client library's detail is not.
    const why = String((err as Error).message ?? err).split('\n')[0];
    throw new ServiceUnavailableError(`the control plane of ${ref} did not list its nodes at ${server}: ${why}`);
  }
}
