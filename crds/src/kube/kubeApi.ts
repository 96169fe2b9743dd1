// The one layer every Kubernetes request goes through, to the management cluster and to every
// child API server alike: authentication and TLS from the caller's KubeConfig, a keep-alive agent
// per instance (destroyed on close so nothing outlives `stop()`), a timeout and an abort signal per
// request, discovery of resource paths, errors with status and reason (failures before any answer
// are told apart: unreachable, TLS, timeout, aborted), and a count of every request by verb,
// resource and status code. Tests read the counts to prove that a no-op reconcile writes nothing.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { builtinResource } from './builtins';

/** A kind of object as the API names it: `{ apiVersion: "apps/v1", kind: "StatefulSet" }`. */
export interface GroupVersionKind {
  apiVersion: string; // "v1", "apps/v1", "k0smotron.io/v1beta2"
  kind: string;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete']);

export type ApiErrorReason =
  | 'NotFound'
  | 'Conflict'
  | 'Gone'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Invalid'
  | 'TooManyRequests'
  | 'ServerError'
  | 'Unreachable'
  | 'TLSError'
  | 'Timeout'
  | 'Aborted'
  | 'Other';

export class ApiError extends Error {
  /** The network error's code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) when no answer came. */
  readonly code?: string;

  constructor(
    message: string,
    readonly status: number,
    readonly reason: ApiErrorReason,
    readonly body?: unknown,
    /** The network error behind a failure without an answer (status 0). */
    cause?: Error,
  ) {
    super(message, cause ? { cause } : undefined);
    this.name = 'ApiError';
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (code) this.code = code;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409;
}
/** The request was refused before it was sent, or cut while in flight, because its signal aborted. */
export function isAborted(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'Aborted';
}

/** Codes Node gives a TLS handshake that failed: the server's certificate or the session itself. */
const TLS_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'EPROTO',
]);

/** The request's timeout ran out before the answer was complete. */
class RequestTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
    this.name = 'RequestTimeoutError';
    (this as NodeJS.ErrnoException).code = 'ETIMEDOUT';
  }
}

/** Why a request got no answer, from the error Node gave it. */
export function networkErrorReason(err: Error): ApiErrorReason {
  if (err instanceof RequestTimeoutError) return 'Timeout';
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ETIMEDOUT') return 'Timeout';
  // A server that rejects the client certificate ends the handshake with an alert, which Node
  // reports with OpenSSL's text ("...:tlsv13 alert certificate required") rather than a code.
  if (TLS_ERROR_CODES.has(code) || /^ERR_(SSL|TLS)_/.test(code) || /certificate|tls|ssl/i.test(err.message)) return 'TLSError';
  return 'Unreachable';
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'aborted';
}

function reasonFor(status: number): ApiErrorReason {
  switch (status) {
    case 0:
      return 'Unreachable';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 504:
      return 'Timeout';
    default:
      return status >= 500 ? 'ServerError' : 'Other';
  }
}

export interface ResourceInfo {
  /** "/api/v1" or "/apis/<group>/<version>" */
  prefix: string;
  plural: string;
  namespaced: boolean;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /**
   * Once aborted, the request is not sent (checked right before the first byte is written, after
   * every await), and a request already on the wire is destroyed. Leader fencing relies on both.
   */
  signal?: AbortSignal;
  /**
   * Runs synchronously right before the request is written; throwing refuses it unsent. Leader
   * fencing uses it to refuse writes past the lease's renew deadline even when the timer that
   * aborts `signal` has not fired yet (a busy event loop runs timers late).
   */
  beforeSend?: () => void;
  /** Time without progress before the request is given up as 'Timeout' (default: the client's, 30 s); 0 means none. */
  timeoutMs?: number;
}

export interface KubeApiOptions {
  /** How long past its timeoutSeconds a silent watch is declared dead (default 30 s). */
  watchGraceMs?: number;
  /**
   * How long a kept-alive connection may sit idle before it is closed (default 30 s). A client
   * that visits a server in short bursts (a probe every minute) closes early and holds no socket
   * between visits.
   */
  idleSocketMs?: number;
  /** Timeout of every request that sets none of its own; 0 means none (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * Called right before each request (and watch) goes out, with its method and URL: what a CLI
   * prints at `-v 6`. Credentials travel in headers and TLS, never in the URL.
   */
  onSend?: (method: string, url: string) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export type WatchEventHandler = (type: string, object: Record<string, unknown>) => void;

export class KubeApi {
  private readonly server: URL;
  private agent: http.Agent | undefined;
  private watchAgent: http.Agent | undefined;
  private readonly discovered = new Map<string, Map<string, ResourceInfo>>();
  private readonly discovering = new Map<string, Promise<Map<string, ResourceInfo>>>();
  private readonly counts = new Map<string, number>();
  private closed = false;
  private readonly watchGraceMs: number;
  private readonly idleSocketMs: number;
  private readonly requestTimeoutMs: number;
  private readonly onSend?: (method: string, url: string) => void;

  constructor(
    private readonly kc: KubeConfig,
    private readonly onRequest?: (verb: string, resource: string, code: number) => void,
    opts: KubeApiOptions = {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster: set current-context to a context with a cluster');
    this.server = new URL(cluster.server);
    this.watchGraceMs = opts.watchGraceMs ?? 30_000;
    this.idleSocketMs = opts.idleSocketMs ?? 30_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.onSend = opts.onSend;
  }

  /** The API server's URL, as the KubeConfig names it. */
  get serverUrl(): string {
    return this.server.href.replace(/\/$/, '');
  }

  /** Requests so far, keyed "verb resource code", e.g. "patch statefulsets 200". */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Cut every open watch connection, as a network failure would (tests of informer restarts). */
  resetWatchConnections(): void {
    const sockets = this.watchAgent?.sockets ?? {};
    for (const list of Object.values(sockets)) for (const s of list ?? []) s.destroy();
  }

  /** Destroy the agents' sockets; in-flight requests fail. */
  close(): void {
    this.closed = true;
    this.agent?.destroy();
    this.watchAgent?.destroy();
  }

  /** Where a kind is served: known for the built-in kinds, else from the server's discovery (cached). */
  async resource(gvk: GroupVersionKind): Promise<ResourceInfo> {
    const prefix = gvk.apiVersion.includes('/') ? `/apis/${gvk.apiVersion}` : `/api/${gvk.apiVersion}`;
    const builtin = builtinResource(gvk.apiVersion, gvk.kind);
    if (builtin) return { prefix, plural: builtin.plural, namespaced: builtin.namespaced };
    let kinds = this.discovered.get(prefix);
    if (!kinds?.has(gvk.kind)) kinds = await this.discover(prefix);
    const info = kinds.get(gvk.kind);
    if (!info) {
      throw new ApiError(
        `the API server does not serve kind ${gvk.kind} in ${gvk.apiVersion}: install its CustomResourceDefinition (kubectl apply -f crds/)`,
        404,
        'NotFound',
      );
    }
    return info;
  }

  async path(gvk: GroupVersionKind, namespace?: string, name?: string, subresource?: string): Promise<string> {
    const info = await this.resource(gvk);
    let p = info.prefix;
    if (info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${info.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  async request<T>(verb: Verb, resource: string, method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.requestWithStatus<T>(verb, resource, method, path, opts)).body;
  }

  /** `request`, answering the 2xx status code too (201 Created versus 200 OK). */
  async requestWithStatus<T>(verb: Verb, resource: string, method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const { status, text } = await this.send(verb, resource, method, path, opts);
    const body = parseJson(text);
    if (status < 200 || status >= 300) throw toApiError(status, body, method, path);
    return { status, body: body as T };
  }

  /**
   * Stream a watch. Resolves when the server ends the stream or `signal` aborts; rejects on a
   * non-200 answer or a broken connection. ERROR events are passed to `onEvent`.
   */
  async watch(resource: string, path: string, query: RequestOptions['query'], onEvent: WatchEventHandler, signal: AbortSignal): Promise<void> {
    const url = this.url(path, { ...query, watch: true });
    const options = await this.options('GET', url, true);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => {
        req.destroy();
        finish();
      };
      const req = this.transport(url).request(url, options, res => {
        const code = res.statusCode ?? 0;
        this.count('watch', resource, code);
        if (code !== 200) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => finish(toApiError(code, parseJson(text), 'GET', path)));
          res.on('error', e => finish(e));
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line) continue;
            let ev: { type?: string; object?: Record<string, unknown> };
            try {
              ev = JSON.parse(line);
            } catch {
              continue;
            }
            if (ev.type && ev.object) {
              try {
                onEvent(ev.type, ev.object);
              } catch (e) {
                req.destroy();
                return finish(e instanceof Error ? e : new Error(String(e)));
              }
            }
          }
        });
        res.on('end', () => finish());
        res.on('close', () => finish(res.complete ? undefined : new ApiError(`watch ${path}: connection closed`, 0, 'Unreachable')));
        res.on('error', e => finish(e));
      });
      req.on('error', e => {
        if (!settled) this.count('watch', resource, 0);
        finish(new ApiError(`watch ${path}: ${e.message}`, 0, networkErrorReason(e), undefined, e));
      });
      // A half-open connection sends nothing forever; the server ends every watch after
      // timeoutSeconds, so silence well beyond that means the connection is gone.
      const serverTimeout = Number(query?.timeoutSeconds ?? 0);
      if (serverTimeout > 0) {
        req.setTimeout(serverTimeout * 1000 + this.watchGraceMs, () => req.destroy(new Error('watch stalled: no data past its timeout')));
      }
      req.on('socket', socket => socket.setKeepAlive(true, 30_000));
      signal.addEventListener('abort', onAbort, { once: true });
      this.onSend?.('GET', url.href);
      req.end();
    });
  }

  private async discover(prefix: string): Promise<Map<string, ResourceInfo>> {
    const inflight = this.discovering.get(prefix);
    if (inflight) return inflight;
    const p = (async () => {
      const list = await this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>('get', 'discovery', 'GET', prefix);
      const kinds = new Map<string, ResourceInfo>();
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        kinds.set(r.kind, { prefix, plural: r.name, namespaced: r.namespaced });
      }
      this.discovered.set(prefix, kinds);
      return kinds;
    })();
    this.discovering.set(prefix, p);
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        const empty = new Map<string, ResourceInfo>();
        this.discovered.set(prefix, empty);
        return empty;
      }
      throw e;
    } finally {
      this.discovering.delete(prefix);
    }
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.server.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private transport(url: URL): typeof https | typeof http {
    return url.protocol === 'http:' ? http : https;
  }

  private async options(method: string, url: URL, forWatch: boolean): Promise<https.RequestOptions> {
    if (this.closed) throw new ApiError(`the client of ${this.serverUrl} is closed (its owner is stopping): no more requests`, 0, 'Unreachable');
    const auth: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    const headers: Record<string, string> = { Accept: 'application/json' };
    for (const [k, v] of Object.entries(auth.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (auth.auth) headers.Authorization = 'Basic ' + Buffer.from(auth.auth).toString('base64');
    const proxied = !!this.kc.getCurrentCluster()?.proxyUrl;
    let agent: http.Agent;
    if (proxied) {
      // client-node builds the proxy agent; no keep-alive there, so nothing to keep or destroy.
      agent = auth.agent as http.Agent;
    } else if (forWatch) {
      agent = this.watchAgent ??= this.makeAgent(url, auth, false);
    } else {
      agent = this.agent ??= this.makeAgent(url, auth, true);
    }
    return { method, headers, agent };
  }

  private makeAgent(url: URL, auth: https.RequestOptions, keepAlive: boolean): http.Agent {
    // LIFO reuse and a 30 s idle timeout: fewer sockets the server has already closed.
    const pool = { keepAlive, maxSockets: keepAlive ? 32 : Infinity, scheduling: 'lifo' as const, ...(keepAlive ? { timeout: this.idleSocketMs } : {}) };
    if (url.protocol === 'http:') return new http.Agent(pool);
    return new https.Agent({
      ...pool,
      maxSockets: keepAlive ? 32 : Infinity,
      ca: auth.ca,
      cert: auth.cert,
      key: auth.key,
      pfx: auth.pfx,
      passphrase: auth.passphrase,
      servername: auth.servername ?? undefined,
      ...(auth.rejectUnauthorized !== undefined ? { rejectUnauthorized: auth.rejectUnauthorized } : {}),
    });
  }

  private count(verb: string, resource: string, code: number): void {
    const key = `${verb} ${resource} ${code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.onRequest?.(verb, resource, code);
  }

  private async send(verb: Verb, resource: string, method: string, path: string, opts: RequestOptions): Promise<{ status: number; text: string }> {
    try {
      return await this.sendOnce(verb, resource, method, path, opts);
    } catch (err) {
      // A kept-alive socket the server closed meanwhile fails before any answer: retry once on a
      // fresh connection (what Node's documentation recommends for `reusedSocket`).
      if (err instanceof StaleSocketError) return this.sendOnce(verb, resource, method, path, opts);
      throw err;
    }
  }

  private async sendOnce(verb: Verb, resource: string, method: string, path: string, opts: RequestOptions): Promise<{ status: number; text: string }> {
    const url = this.url(path, opts.query);
    const options = await this.options(method, url, false);
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (payload !== undefined) {
      (options.headers as Record<string, string>)['Content-Type'] = opts.contentType ?? 'application/json';
      (options.headers as Record<string, string>)['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const signal = opts.signal;
      // Nothing may be awaited between these checks and `req.end()` below: that is what makes a
      // fenced write fail instead of slipping out.
      if (signal?.aborted) return reject(new ApiError(`${method} ${path}: not sent: ${abortReason(signal)}`, 0, 'Aborted'));
      if (opts.beforeSend) {
        try {
          opts.beforeSend();
        } catch (e) {
          return reject(new ApiError(`${method} ${path}: not sent: ${e instanceof Error ? e.message : String(e)}`, 0, 'Aborted'));
        }
      }
      let settled = false;
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        req.destroy(new Error(`cut in flight: ${signal ? abortReason(signal) : 'aborted'}`));
      };
      const done = (err: Error | undefined, value?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (!aborted && req.reusedSocket && !gotResponse && (code === 'ECONNRESET' || code === 'EPIPE')) {
            return reject(new StaleSocketError(err.message));
          }
          this.count(verb, resource, 0);
          reject(new ApiError(`${method} ${path}: ${err.message}`, 0, aborted ? 'Aborted' : networkErrorReason(err), undefined, err));
        } else {
          this.count(verb, resource, value!.status);
          resolve(value!);
        }
      };
      let gotResponse = false;
      const req = this.transport(url).request(url, options, res => {
        gotResponse = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done(undefined, { status: res.statusCode ?? 0, text }));
        res.on('error', e => done(e));
      });
      const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new RequestTimeoutError(timeoutMs)));
      req.on('error', e => done(e));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onSend?.(method, url.href);
      req.end(payload);
    });
  }
}

class StaleSocketError extends Error {}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(status: number, body: unknown, method: string, path: string): ApiError {
  const message =
    body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : `HTTP ${status}`;
  return new ApiError(`${method} ${path}: ${message}`, status, reasonFor(status), body);
}

/**
 * Sum of write requests (create/update/patch/delete) in `requestCounts()` output, leaving out
 * resources in `exclude` (e.g. `leases`, renewed every 2 s under leader election, or `events`).
 */
export function writeRequests(counts: Record<string, number>, opts: { exclude?: string[] } = {}): number {
  let n = 0;
  for (const [key, count] of Object.entries(counts)) {
    const [verb, resource] = key.split(' ');
    if (WRITE_VERBS.has(verb) && !(opts.exclude ?? []).includes(resource.split('/')[0])) n += count;
  }
  return n;
}
