// Typed access to the built-in kinds k0smotron reads and writes, on the one request layer, with
// paths known without discovery (builtins.ts). Objects come back as the API server sends them: `Wire<T>` is client-node's model type with every Date as
// the RFC 3339 string that is actually on the wire (only client-node's generated client makes
// Dates, and nothing here goes through it).
import type { KubernetesObject } from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, type BuiltinKind, type BuiltinKinds } from './builtins';
import { isNotFound, type KubeApi, type RequestOptions } from './kubeApi';

/** A client-node model type as JSON carries it: Dates are strings. */
export type Wire<T> = T extends Date ? string : T extends ReadonlyArray<infer U> ? Array<Wire<U>> : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** The path of a built-in kind's collection (no name) or object; a collection across namespaces without one. */
export function builtinPath(kind: BuiltinKind, namespace?: string, name?: string): string {
  const r = BUILTIN_RESOURCES[kind];
  let p = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  if (r.namespaced && namespace !== undefined) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  return name === undefined ? p : `${p}/${encodeURIComponent(name)}`;
}

/** The resource name requests are counted and worded by: `secrets`, `statefulsets.apps`. */
function resourceName(kind: BuiltinKind): string {
  const r = BUILTIN_RESOURCES[kind];
  const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
  return group ? `${r.plural}.${group}` : r.plural;
}

export interface ListObjectsOptions {
  /** Undefined lists across all namespaces (namespaced kinds). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WriteObjectOptions {
  fieldManager: string;
  /** Validate and default on the server without persisting (`--dry-run=server`). */
  dryRun?: boolean;
}

/** Reads and writes built-in objects (and server-side applies any object) through a KubeApi. */
export class KubeObjects {
  constructor(readonly api: KubeApi) {}

  /** The object, or undefined when it does not exist; any other failure is the request's ApiError. */
  async get<K extends BuiltinKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    guard: Pick<RequestOptions, 'signal' | 'timeoutMs'> = {},
  ): Promise<Wire<BuiltinKinds[K]> | undefined> {
    try {
      return await this.api.request<Wire<BuiltinKinds[K]>>('get', resourceName(kind), 'GET', builtinPath(kind, namespace, name), guard);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<K extends BuiltinKind>(
    kind: K,
    opts: ListObjectsOptions = {},
    guard: Pick<RequestOptions, 'signal' | 'timeoutMs'> = {},
  ): Promise<Array<Wire<BuiltinKinds[K]>>> {
    const list = await this.api.request<{ items?: Array<Wire<BuiltinKinds[K]>> }>('list', resourceName(kind), 'GET', builtinPath(kind, opts.namespace), {
      ...guard,
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
    });
    return list.items ?? [];
  }

  async create<K extends BuiltinKind>(
    kind: K,
    namespace: string | undefined,
    body: Wire<BuiltinKinds[K]>,
    opts: WriteObjectOptions,
  ): Promise<Wire<BuiltinKinds[K]>> {
    const r = BUILTIN_RESOURCES[kind];
    return this.api.request('create', resourceName(kind), 'POST', builtinPath(kind, namespace), {
      body: { ...body, apiVersion: r.apiVersion, kind },
      query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /**
   * Server-side apply of any object (its path found by discovery unless it is a built-in kind),
   * forcing conflicts as `kubectl apply --server-side --force-conflicts` does.
   */
  async apply<T extends KubernetesObject>(obj: T, opts: WriteObjectOptions): Promise<T> {
    const { apiVersion, kind } = obj;
    const name = obj.metadata?.name;
    if (!apiVersion || !kind || !name) throw new Error(`cannot apply an object without apiVersion, kind and metadata.name (${kind ?? '?'} ${name ?? '?'})`);
    const { plural } = await this.api.resource({ apiVersion, kind });
    const path = await this.api.path({ apiVersion, kind }, obj.metadata?.namespace, name);
    return this.api.request('patch', plural, 'PATCH', path, {
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: opts.fieldManager, force: true, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }
}
