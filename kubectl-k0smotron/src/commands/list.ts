// `list` / `get`: Clusters as a kubectl table, or as json / yaml / names. It runs from a bundle
// of its own (../lazy.ts), so it reads the Clusters with one plain GET (../rest.ts) rather than
// through the typed client.
import { GROUP, clusterEndpoint, clusterPhase, type Cluster } from '@k0smotron/api';
import { CliError } from '../errors';
import { age } from '../output/age';
import { renderTable } from '../output/table';
import type { Palette } from '../output/color';
import type { Session } from '../session';
import { asList, CLUSTERS, CLUSTER_TYPE, forOutput, notFoundHint, oneOf, render } from './common';

export const LIST_OUTPUTS = ['wide', 'json', 'yaml', 'name'] as const;
export type ListOutput = (typeof LIST_OUTPUTS)[number];

export interface ListArgs {
  names?: string[];
  output?: string;
  selector?: string;
  headers?: boolean;
}

function paintPhase(phase: string, p: Palette): string {
  if (phase === 'Available') return p.green(phase);
  if (phase === 'Degraded' || phase === 'Deleting') return p.red(phase);
  return p.yellow(phase);
}

/** `ready/total` worker nodes as the operator last counted them; `-` while it has no count. */
export function workersCell(c: Cluster): string {
  const w = c.status?.workers;
  return w ? `${w.ready}/${w.total}` : '-';
}

/** Table rows (pure): NAME READY PHASE VERSION WORKERS AGE; wide adds SERVICE ENDPOINT STORAGE. */
export function clusterTable(clusters: Cluster[], opts: { wide: boolean; allNamespaces: boolean; now: Date; palette: Palette; noHeaders?: boolean }): string {
  const headers = ['NAME', 'READY', 'PHASE', 'VERSION', 'WORKERS'];
  if (opts.wide) headers.push('SERVICE', 'ENDPOINT', 'STORAGE');
  headers.push('AGE');
  if (opts.allNamespaces) headers.unshift('NAMESPACE');
  const rows = clusters.map(c => {
    const desired = c.spec?.replicas ?? 1;
    const row = [
      c.metadata.name ?? '',
      `${c.status?.readyReplicas ?? 0}/${desired}`,
      paintPhase(clusterPhase(c), opts.palette),
      c.spec?.version ?? c.status?.version ?? '<unset>',
      workersCell(c),
    ];
    if (opts.wide) {
      row.push(
        c.spec?.service?.type ?? (c.spec ? 'ClusterIP' : 'NodePort'),
        clusterEndpoint(c)?.url ?? '<pending>',
        c.spec?.storage?.type ?? (c.spec?.kineDataSourceURL || c.spec?.kineDataSourceSecretName ? 'kine' : 'etcd'),
      );
    }
    row.push(age(c.metadata.creationTimestamp, opts.now));
    if (opts.allNamespaces) row.unshift(c.metadata.namespace ?? '');
    return row;
  });
  const table = renderTable(headers, rows);
  return opts.noHeaders ? table.split('\n').slice(1).join('\n') : table;
}

/**
 * Orders by namespace/name, as `localeCompare` would: Kubernetes names hold only lowercase
 * letters, digits, '-' and '.', which the locale's collation orders as their character codes do.
 * A plain comparison, because the first `localeCompare` of a process sets up ICU's collator
 * (~8 ms, a visible part of a `list` run).
 */
export function byNamespacedName(a: Cluster, b: Cluster): number {
  const x = `${a.metadata.namespace}/${a.metadata.name}`;
  const y = `${b.metadata.namespace}/${b.metadata.name}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The Clusters of one namespace (all when undefined), optionally matching a label selector. */
export async function listClusters(s: Session, namespace: string | undefined, selector?: string): Promise<Cluster[]> {
  const where = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  const list = await s.call({ verb: 'list', resource: CLUSTERS, namespace }, () =>
    s.api.request<{ items?: Cluster[] }>('list', CLUSTERS, 'GET', `/apis/${GROUP}/v1beta2${where}/clusters`, { query: { labelSelector: selector } }),
  );
  return list.items ?? [];
}

export async function runList(s: Session, args: ListArgs): Promise<void> {
  const output = oneOf('--output', args.output, LIST_OUTPUTS);
  const all = !!s.flags.allNamespaces;
  if (all && args.names && args.names.length > 0) {
    throw new CliError('a cluster name cannot be combined with --all-namespaces', 'drop -A, or drop the names and filter with -l');
  }
  const namespace = all ? undefined : s.namespace;
  let clusters = await listClusters(s, namespace, args.selector);
  if (args.names && args.names.length > 0) {
    const missing = args.names.filter(n => !clusters.some(c => c.metadata.name === n));
    if (missing.length > 0) {
      throw new CliError(`cluster "${missing[0]}" not found in namespace "${s.namespace}"`, await notFoundHint(s, s.namespace, ns => listClusters(s, ns)));
    }
    clusters = args.names.map(n => clusters.find(c => c.metadata.name === n)!);
  } else {
    clusters.sort(byNamespacedName);
  }

  if (output === 'json' || output === 'yaml') {
    const items = clusters.map(forOutput);
    const single = args.names?.length === 1;
    s.print(render(single ? items[0] : asList(items), output));
    return;
  }
  if (output === 'name') {
    s.print(clusters.map(c => `${CLUSTER_TYPE}/${c.metadata.name}`).join('\n'));
    return;
  }
  if (clusters.length === 0) {
    s.progress(all ? 'No clusters found.' : `No clusters found in ${s.namespace} namespace.`);
    return;
  }
  s.print(clusterTable(clusters, { wide: output === 'wide', allNamespaces: all, now: new Date(), palette: s.out, noHeaders: args.headers === false }));
}
