// Helpers shared by the commands: finding a Cluster (with the "what exists" hint), printing
// objects as YAML/JSON, and checking enumerated flag values before any request.
import { stringify } from 'yaml';
import type { Cluster } from '@k0smotron/api';
import { CliError } from '../errors';
import type { Session } from '../session';

export const CLUSTERS = 'clusters.k0smotron.io';
export const JOIN_TOKEN_REQUESTS = 'jointokenrequests.k0smotron.io';
export const CLUSTER_TYPE = 'cluster.k0smotron.io';

/** Rejects a value outside `valid` with the list of valid ones (before any request). */
export function oneOf<T extends string>(flag: string, value: string | undefined, valid: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(valid as readonly string[]).includes(value)) {
    throw new CliError(`invalid ${flag} "${value}"`, `valid values: ${valid.join(', ')}`);
  }
  return value as T;
}

/** The same list, but with an empty or missing value allowed. */
export function clusterNames(clusters: Cluster[]): string[] {
  return clusters
    .map(c => c.metadata.name ?? '')
    .filter(Boolean)
    .sort();
}

export async function notFoundHint(
  s: Session,
  namespace: string,
  list: (namespace: string) => Promise<Cluster[]> = ns => s.client.listClusters(ns),
): Promise<string> {
  let names: string[] = [];
  try {
    names = clusterNames(await list(namespace));
  } catch {
    // The hint is best effort: the original error is what matters.
  }
  if (names.length === 0) {
    return `there are no clusters in namespace "${namespace}"; see all with \`kubectl k0smotron list -A\``;
  }
  const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')}, … (${names.length} in all)` : names.join(', ');
  return `clusters in namespace "${namespace}": ${shown}`;
}

/** Gets a Cluster or fails with `cluster "x" not found` and the names that do exist. */
export async function requireCluster(s: Session, name: string, namespace = s.namespace): Promise<Cluster> {
  const cluster = await s.call({ verb: 'get', resource: CLUSTERS, namespace, name }, () => s.client.getCluster(namespace, name));
  if (!cluster) {
    throw new CliError(`cluster "${name}" not found in namespace "${namespace}"`, await notFoundHint(s, namespace));
  }
  return cluster;
}

/** Objects as kubectl prints them: without managedFields. */
export function forOutput<T extends { metadata?: object }>(obj: T): T {
  if (!obj.metadata || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata as { managedFields?: unknown };
  return { ...obj, metadata } as T;
}

export function render(obj: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : stringify(obj, { lineWidth: 0 });
}

export function asList(items: unknown[]): object {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
