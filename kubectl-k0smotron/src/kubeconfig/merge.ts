// Merging a Cluster's kubeconfig (the per-user one, or the admin one with --admin) into the
// user's kubeconfig (pure: documents in, document out). Entries get one name, `k0smotron-<namespace>-<cluster>` unless given; the context carries
// an extension naming the Cluster, so merging the same Cluster again replaces our own entries,
// while an entry of the same name that we did not write is never overwritten.
import { parse, stringify } from 'yaml';
import { CliError } from '../errors';

export const OWNER_EXTENSION = 'k0smotron.io/cluster';

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}
type Entry = Named<unknown> & Record<string, unknown>;

interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: Entry[];
  users?: Entry[];
  contexts?: Entry[];
  'current-context'?: string;
  preferences?: unknown;
  [key: string]: unknown;
}

export interface MergeInput {
  /** The user's kubeconfig text ('' when the file does not exist yet). */
  existing: string;
  /** The Cluster's kubeconfig text (its current context is the one merged). */
  source: string;
  namespace: string;
  cluster: string;
  /** Name of the new context (and its cluster and user entries). */
  contextName?: string;
  /** Make it the current context; without it `current-context` is never touched. */
  use?: boolean;
}

export interface MergeResult {
  text: string;
  contextName: string;
  /** True when the entries replaced earlier ones of the same Cluster. */
  replaced: boolean;
  /** True when nothing changed. */
  unchanged: boolean;
}

export function defaultContextName(namespace: string, cluster: string): string {
  return `k0smotron-${namespace}-${cluster}`;
}

function ownerOf(ctx: Entry | undefined): string | undefined {
  const exts = (ctx?.context as { extensions?: { name?: string; extension?: unknown }[] } | undefined)?.extensions;
  const ext = exts?.find(e => e.name === OWNER_EXTENSION)?.extension;
  if (ext && typeof ext === 'object' && typeof (ext as { cluster?: unknown }).cluster === 'string') {
    return (ext as { cluster: string }).cluster;
  }
  return undefined;
}

function parseDoc(text: string, what: string): KubeconfigDoc {
  if (text.trim() === '') return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], preferences: {} };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'fix or move the file, then try again');
  }
  if (!doc || typeof doc !== 'object') throw new CliError(`${what} is not a kubeconfig`, 'fix or move the file, then try again');
  return doc as KubeconfigDoc;
}

export function mergeKubeconfig(input: MergeInput): MergeResult {
  const target = parseDoc(input.existing, 'the kubeconfig');
  const source = parseDoc(input.source, "the cluster's kubeconfig");
  const name = input.contextName ?? defaultContextName(input.namespace, input.cluster);
  const owner = `${input.namespace}/${input.cluster}`;

  const sourceCtxName = source['current-context'] ?? source.contexts?.[0]?.name;
  const sourceCtx = source.contexts?.find(c => c.name === sourceCtxName) ?? source.contexts?.[0];
  const sourceCtxBody = (sourceCtx?.context ?? {}) as { cluster?: string; user?: string };
  const sourceCluster = source.clusters?.find(c => c.name === sourceCtxBody.cluster) ?? source.clusters?.[0];
  const sourceUser = source.users?.find(u => u.name === sourceCtxBody.user) ?? source.users?.[0];
  if (!sourceCluster?.cluster || !sourceUser?.user) {
    throw new CliError("the cluster's kubeconfig has no cluster or user entry", 'check the operator logs; the Secret may be incomplete');
  }

  target.clusters ??= [];
  target.users ??= [];
  target.contexts ??= [];
  const existingCtx = target.contexts.find(c => c.name === name);
  const ours = existingCtx !== undefined && ownerOf(existingCtx) === owner;
  if (existingCtx && !ours) {
    throw new CliError(
      `context "${name}" already exists in the kubeconfig and was not created for cluster ${owner}`,
      'choose another name with --context-name NAME',
    );
  }
  // Cluster and user entries of the same name are only replaced when our own context uses them.
  const ourCtxBody = (existingCtx?.context ?? {}) as { cluster?: string; user?: string };
  for (const [list, kind, usedByUs] of [
    [target.clusters, 'cluster', ourCtxBody.cluster === name],
    [target.users, 'user', ourCtxBody.user === name],
  ] as const) {
    if (list.some(e => e.name === name) && !(ours && usedByUs)) {
      throw new CliError(
        `a ${kind} entry named "${name}" already exists in the kubeconfig and was not created for cluster ${owner}`,
        'choose another name with --context-name NAME',
      );
    }
  }

  const before = stringify(target);
  const upsert = (list: Entry[], entry: Entry) => {
    const i = list.findIndex(e => e.name === entry.name);
    if (i >= 0) list[i] = entry;
    else list.push(entry);
  };
  upsert(target.clusters, { name, cluster: sourceCluster.cluster });
  upsert(target.users, { name, user: sourceUser.user });
  upsert(target.contexts, {
    name,
    context: {
      cluster: name,
      user: name,
      extensions: [{ name: OWNER_EXTENSION, extension: { cluster: owner } }],
    },
  });
  // Switching context silently (even in a file without one) would send the user's next kubectl
  // command to another cluster than they think.
  if (input.use) target['current-context'] = name;
  target.apiVersion ??= 'v1';
  target.kind ??= 'Config';
  const text = stringify(target);
  return { text, contextName: name, replaced: ours, unchanged: before === text };
}
