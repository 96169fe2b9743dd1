// Free NodePorts for a NodePort Cluster created through Backstage without ports of its own.
// NodePorts are cluster-wide and every such Cluster asks for the defaults (30443/30132), so the
// second one would be refused (the operator reports NodePortConflict). The REST create and the
// scaffolder action pick a free pair, as `kubectl k0smotron create` does, and say which. The choice
// is @k0smotron/api's chooseNodePorts; this file only gathers the ports in use.
import {
  DEFAULT_API_PORT,
  DEFAULT_KONNECTIVITY_PORT,
  NODE_PORT_RANGE,
  chooseNodePorts,
  nodePortsInUse,
  normalizeClusterSpec,
  type Cluster,
} from '@k0smotron/api';
import { toK0smotronApiError } from '@k0smotron/api/client';
import type { NodePortChoiceNotice } from '@k0smotron/plugin-k0smotron-common';
import type { ManagementCluster } from './managementClusters';
import { shortErrorMessage } from './redact';

/** The NodePorts a Cluster asks for: its own, or the defaults (normalizeClusterSpec's). */
export function clusterNodePorts(clusters: Iterable<Pick<Cluster, 'spec'>>): Set<number> {
  const used = new Set<number>();
  for (const c of clusters) {
    const service = normalizeClusterSpec(c.spec).service;
    if (service.type !== 'NodePort') continue;
    used.add(service.apiPort);
    used.add(service.konnectivityPort);
  }
  return used;
}

/** Whether a create should get NodePorts chosen: NodePort, and the user gave neither port. */
export function needsNodePortChoice(cluster: Pick<Cluster, 'spec'>): boolean {
  const service = cluster.spec?.service;
  return normalizeClusterSpec(cluster.spec).service.type === 'NodePort' && service?.apiPort === undefined && service?.konnectivityPort === undefined;
}

interface Seen {
  used: Set<number>;
  /** Undefined when every namespace was read; else the namespaces that were. */
  namespaces?: string[];
  /** Why a read failed, one entry per failure. */
  problems: string[];
}

/**
 * The NodePorts in use: every Service's (all namespaces when the credentials may list them, else
 * the namespaces this management cluster serves, whose Roles allow it), and every NodePort
 * Cluster's, which also covers Clusters whose Service the operator has not made yet. Undefined
 * `namespaces` with problems: nothing could be read.
 */
async function portsInUse(mc: Pick<ManagementCluster, 'objects' | 'client' | 'namespaces'>, namespace: string): Promise<Seen> {
  // Classified, so a refusal reads "forbidden: cannot list services in namespace …" with the API
  // server's words rather than the request's method and path.
  const listServices = (ns?: string) =>
    mc.objects.list('Service', { namespace: ns }).catch((err: unknown) => {
      throw toK0smotronApiError(err, { verb: 'list', resource: 'services', namespace: ns, server: mc.objects.api.serverUrl, custom: false });
    });
  try {
    const services = await listServices();
    const clusters = await mc.client.listClusters();
    return { used: new Set([...nodePortsInUse(services), ...clusterNodePorts(clusters)]), problems: [] };
  } catch (err) {
    // A namespaced install (Roles only) may not list across namespaces: read what it serves.
    const problems = [`all namespaces: ${shortErrorMessage(err)}`];
    const read: string[] = [];
    const used = new Set<number>();
    for (const ns of [...new Set([...(mc.namespaces ?? []), namespace])]) {
      try {
        const services = await listServices(ns);
        const clusters = await mc.client.listClusters(ns);
        for (const p of [...nodePortsInUse(services), ...clusterNodePorts(clusters)]) used.add(p);
        read.push(ns);
      } catch (nsErr) {
        problems.push(`namespace ${ns}: ${shortErrorMessage(nsErr)}`);
      }
    }
    return read.length ? { used, namespaces: read, problems: problems.slice(1) } : { used, problems };
  }
}

/**
 * The Cluster to create, with a free NodePort pair when it needs one (see needsNodePortChoice),
 * and a notice saying what was chosen and from what it could see. Unchanged (no notice) for any
 * other Cluster. When no Service can be read, the defaults are asked for and the notice says so:
 * the operator still reports a clash (NodePortConflict).
 */
export async function withFreeNodePorts(
  mc: Pick<ManagementCluster, 'objects' | 'client' | 'namespaces'>,
  cluster: Cluster,
): Promise<{ cluster: Cluster; nodePorts?: NodePortChoiceNotice }> {
  if (!needsNodePortChoice(cluster)) return { cluster };
  const namespace = cluster.metadata.namespace ?? 'default';
  const seen = await portsInUse(mc, namespace);
  const defaults = { apiPort: DEFAULT_API_PORT, konnectivityPort: DEFAULT_KONNECTIVITY_PORT };
  if (!seen.namespaces && seen.problems.length) {
    return {
      cluster,
      nodePorts: {
        ...defaults,
        chosen: false,
        message: `could not read Services to find free NodePorts (${seen.problems.join('; ')}); asking for the defaults ${DEFAULT_API_PORT}/${DEFAULT_KONNECTIVITY_PORT}`,
      },
    };
  }
  const choice = chooseNodePorts(seen.used);
  if (!choice) {
    return {
      cluster,
      nodePorts: {
        ...defaults,
        chosen: false,
        message: `no free NodePort pair is left in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}; asking for the defaults (the operator will report the clash)`,
      },
    };
  }
  const scope = seen.namespaces
    ? ` (only Services and Clusters of namespace${seen.namespaces.length > 1 ? 's' : ''} ${seen.namespaces.join(', ')} could be read${seen.problems.length ? `; not ${seen.problems.join('; ')}` : ''}: a clash elsewhere is reported by the operator)`
    : '';
  const ports = { apiPort: choice.apiPort, konnectivityPort: choice.konnectivityPort };
  const message = choice.moved
    ? `NodePorts ${DEFAULT_API_PORT}/${DEFAULT_KONNECTIVITY_PORT} are taken: using ${choice.apiPort} (API) and ${choice.konnectivityPort} (konnectivity)${scope}`
    : `using the free default NodePorts ${choice.apiPort} (API) and ${choice.konnectivityPort} (konnectivity)${scope}`;
  // Written into the spec either way, so the Cluster keeps the pair it was promised even if the
  // defaults change.
  const service = { ...cluster.spec?.service, type: 'NodePort' as const, ...ports };
  return { cluster: { ...cluster, spec: { ...cluster.spec, service } }, nodePorts: { ...ports, chosen: true, message } };
}
