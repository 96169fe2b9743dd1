// A client for a child API server with the operator's identity. Requests go through the same
// layer as the management cluster's (KubeApi, fed a KubeConfig naming the child's server, CA and
// the operator's client certificate), so TLS, timeouts, abort and the classification of failures
// live in one place. What this file adds is the child's own error vocabulary: the reasons the
// Cluster and JoinTokenRequest conditions show, which are user-visible API and stay as they are.
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, KubeApi, type ApiErrorReason, type Verb } from '@k0smotron/api/kube';
import type { ChildApiTarget } from './resolver';

export type ChildApiErrorReason = 'Unreachable' | 'Timeout' | 'TLSError' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Conflict' | 'Other';

export class ChildApiError extends Error {
  constructor(
    message: string,
    readonly reason: ChildApiErrorReason,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ChildApiError';
  }
}

export interface ChildCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ChildResponse<T> {
  status: number;
  body: T;
}

/** The HTTP methods the operator uses on a child API server. */
export type ChildApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const DEFAULT_CHILD_TIMEOUT_MS = 10_000;
/**
 * A connection to a child is kept this long after its last answer: long enough for the requests
 * of one visit (the probe's two reads, a token's read then write) to share one TLS handshake,
 * short enough that no socket is held per Cluster between visits a minute apart.
 */
export const CHILD_IDLE_SOCKET_MS = 5_000;

const b64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

/** The KubeConfig of a child API server as the operator sees it: its address, its CA, the operator's client certificate. */
export function childKubeConfig(target: ChildApiTarget, creds: ChildCredentials): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'child',
        server: target.server,
        caData: b64(creds.caPem),
        skipTLSVerify: false,
        ...(target.tlsServerName ? { tlsServerName: target.tlsServerName } : {}),
      },
    ],
    users: [{ name: 'operator', certData: b64(creds.certPem), keyData: b64(creds.keyPem) }],
    contexts: [{ name: 'child', cluster: 'child', user: 'operator' }],
    currentContext: 'child',
  });
  return kc;
}

/** The request layer for one child and one set of credentials; its idle connection closes after CHILD_IDLE_SOCKET_MS. */
export function childKubeApi(target: ChildApiTarget, creds: ChildCredentials): KubeApi {
  return new KubeApi(childKubeConfig(target, creds), undefined, { idleSocketMs: CHILD_IDLE_SOCKET_MS });
}

/**
 * KubeApi's reason for a failure, in the child's terms. Only 401/403/404/409 answers have a
 * reason of their own (a 504 is 'Other', not 'Timeout': the child did answer); a request cut by
 * its abort signal is 'Unreachable', as the reconcile that sent it is gone anyway.
 */
export function childApiErrorReason(reason: ApiErrorReason, status: number): ChildApiErrorReason {
  switch (reason) {
    case 'Unauthorized':
    case 'Forbidden':
    case 'NotFound':
    case 'Conflict':
      return reason;
    case 'Unreachable':
    case 'TLSError':
      return status === 0 ? reason : 'Other';
    case 'Timeout':
      return status === 0 ? 'Timeout' : 'Other';
    case 'Aborted':
      return 'Unreachable';
    default:
      return 'Other';
  }
}

function answerMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/** The ChildApiError for a failed request: the child's reason and a message naming the server. */
export function toChildApiError(err: ApiError, req: { method: string; path: string; where: string; timeoutMs: number }): ChildApiError {
  const reason = childApiErrorReason(err.reason, err.status);
  const { method, path, where } = req;
  if (err.status > 0) return new ChildApiError(`${method} ${path} on ${where}: ${err.status} ${answerMessage(err.body)}`, reason, err.status);
  if (err.reason === 'Timeout') return new ChildApiError(`${where} did not answer within ${req.timeoutMs / 1000} s`, reason);
  if (err.reason === 'Aborted') return new ChildApiError(`${where}: ${err.message}`, reason);
  // Node's network errors come from another realm under some test runners: no `instanceof Error`.
  const cause = err.cause as { message?: unknown } | undefined;
  const detail = typeof cause?.message === 'string' ? cause.message : err.message;
  return new ChildApiError(`cannot reach ${where}: ${err.code ? `${err.code} (${detail})` : detail}`, reason);
}

const VERB: Record<ChildApiMethod, Verb> = { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** The resource a path names, for the request counts: `/api/v1/namespaces/kube-system/secrets/x` → `secrets`. */
export function resourceOfPath(path: string): string {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  const resource = rest[0] === 'namespaces' && rest.length >= 3 ? rest[2] : rest[0];
  return resource ?? 'discovery';
}

export class ChildApiClient {
  constructor(
    readonly target: ChildApiTarget,
    /** What `api` presents: the same object for every client of a Cluster until it is renewed. */
    private readonly creds: ChildCredentials,
    private readonly api: KubeApi,
    private readonly timeoutMs = DEFAULT_CHILD_TIMEOUT_MS,
  ) {}

  /** One request; non-2xx answers and failures without an answer throw ChildApiError. */
  async request<T = unknown>(
    method: ChildApiMethod,
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ChildResponse<T>> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    try {
      return await this.api.requestWithStatus<T>(VERB[method], resourceOfPath(path), method, path, { body, signal: opts.signal, timeoutMs });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw toChildApiError(err, { method, path, where: `${this.target.server} (${this.target.via})`, timeoutMs });
    }
  }

  /** Requests so far, keyed "verb resource code" (see KubeApi.requestCounts). */
  requestCounts(): Record<string, number> {
    return this.api.requestCounts();
  }

  /** Close the connection now rather than after CHILD_IDLE_SOCKET_MS; later requests fail. */
  close(): void {
    this.api.close();
  }
}
