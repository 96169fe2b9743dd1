import { ApiException } from '@kubernetes/client-node';
import { ApiError } from '../kube/kubeApi';

export type K0smotronApiErrorReason = 'NotFound' | 'Forbidden' | 'Unauthorized' | 'Conflict' | 'Invalid' | 'CrdMissing' | 'Unreachable' | 'Other';

export interface K0smotronApiErrorCause {
  field: string;
  message: string;
}

/** Every failure of K0smotronClient, classified so callers can react (and print a fix). */
export class K0smotronApiError extends Error {
  override readonly name = 'K0smotronApiError';
  /** HTTP status; 0 when the server was never reached. */
  readonly status: number;
  readonly reason: K0smotronApiErrorReason;
  /** The API server URL, set for Unreachable (and whenever known). */
  readonly server?: string;
  /** Per-field problems of an Invalid (422) answer. */
  readonly causes?: K0smotronApiErrorCause[];

  constructor(init: { message: string; status: number; reason: K0smotronApiErrorReason; server?: string; causes?: K0smotronApiErrorCause[]; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    if (init.server !== undefined) this.server = init.server;
    if (init.causes !== undefined) this.causes = init.causes;
  }
}

/** What the failed call was about, for messages such as "cannot create clusters.k0smotron.io". */
export interface RequestContext {
  verb: 'get' | 'list' | 'create' | 'patch' | 'delete';
  /** e.g. `clusters.k0smotron.io`, `secrets`. */
  resource: string;
  namespace?: string;
  name?: string;
  server: string;
  /** True for our custom resources: a bare 404 then means the CRD is not installed. */
  custom: boolean;
}

/** A metav1.Status as the API server sends it on errors. */
interface KubeStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { field?: string; message?: string; reason?: string }[];
  };
}

/** How to install the API from a checkout (crds/ also holds package.json, so not `-f crds/`). */
export const INSTALL_CRDS_COMMAND =
  'kubectl apply -f crds/k0smotron.io_clusters.yaml -f crds/k0smotron.io_jointokenrequests.yaml -f crds/k0smotron.io_k0smotronclusters.yaml';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

function parseStatus(body: unknown): KubeStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (value && typeof value === 'object' && (value as KubeStatus).kind === 'Status') return value as KubeStatus;
  return undefined;
}

function describe(ctx: RequestContext): string {
  const where = ctx.namespace ? ` in namespace ${ctx.namespace}` : '';
  return `${ctx.resource}${ctx.name ? ` "${ctx.name}"` : ''}${where}`;
}

function networkCode(err: unknown): string | undefined {
  // node-fetch FetchError / undici errors carry the errno code, sometimes on `cause`.
  const e = err as { code?: unknown; errno?: unknown; type?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (!e || typeof e !== 'object') return undefined;
  if (e.type === 'request-timeout' || e.name === 'AbortError' || e.name === 'TimeoutError') return 'ETIMEDOUT';
  for (const c of [e.code, e.errno, e.cause?.code]) {
    if (typeof c === 'string' && UNREACHABLE_CODES.has(c)) return c;
  }
  if (e.type === 'system' && typeof e.code === 'string') return e.code;
  return undefined;
}

/** Turns whatever the client library threw into a K0smotronApiError with a helpful message. */
export function toK0smotronApiError(err: unknown, ctx: RequestContext): K0smotronApiError {
  if (err instanceof K0smotronApiError) return err;
  const server = ctx.server;

  // An answer from the API server, through the request layer or client-node's generated client.
  const answer =
    err instanceof ApiError && err.status > 0
      ? { status: err.status, rawBody: err.body }
      : err instanceof ApiException
        ? { status: err.code, rawBody: err.body as unknown }
        : undefined;
  if (answer) {
    const { status, rawBody } = answer;
    const body = parseStatus(rawBody);
    const serverMessage = body?.message ?? (typeof rawBody === 'string' ? rawBody.trim() : `HTTP ${status}`);
    switch (status) {
      case 404: {
        // A missing object answers with a Status naming it; a missing CRD answers with a
        // bare "404 page not found" or "the server could not find the requested resource".
        const objectMissing = body?.reason === 'NotFound' && !!body.details?.name;
        if (ctx.custom && !objectMissing) {
          return new K0smotronApiError({
            status,
            reason: 'CrdMissing',
            server,
            message:
              `the k0smotron.io API (${ctx.resource}) is not installed on ${server}: ` +
              `the server could not find the requested resource. Install the CRDs: ${INSTALL_CRDS_COMMAND}`,
            cause: err,
          });
        }
        return new K0smotronApiError({ status, reason: 'NotFound', server, message: `${describe(ctx)} not found`, cause: err });
      }
      case 401:
        return new K0smotronApiError({
          status,
          reason: 'Unauthorized',
          server,
          message: `${server} rejected the credentials of the current kubeconfig (401 Unauthorized): log in again or pick another context`,
          cause: err,
        });
      case 403:
        return new K0smotronApiError({
          status,
          reason: 'Forbidden',
          server,
          message: `forbidden: cannot ${ctx.verb} ${describe(ctx)}: ${serverMessage}`,
          cause: err,
        });
      case 409:
        return new K0smotronApiError({
          status,
          reason: 'Conflict',
          server,
          message: body?.reason === 'AlreadyExists' ? `${describe(ctx)} already exists` : `conflict: ${serverMessage}`,
          cause: err,
        });
      case 422: {
        const causes = (body?.details?.causes ?? []).map(c => ({
          field: c.field ?? '',
          message: c.message ?? c.reason ?? '',
        }));
        const list = causes.length ? causes.map(c => `\n  ${c.field ? `${c.field}: ` : ''}${c.message}`).join('') : ` ${serverMessage}`;
        return new K0smotronApiError({
          status,
          reason: 'Invalid',
          server,
          causes,
          message: `${describe(ctx)} is invalid:${list}`,
          cause: err,
        });
      }
      default:
        return new K0smotronApiError({
          status,
          reason: 'Other',
          server,
          message: `cannot ${ctx.verb} ${describe(ctx)}: ${serverMessage} (HTTP ${status})`,
          cause: err,
        });
    }
  }

  if (err instanceof ApiError && err.reason === 'TLSError') {
    return new K0smotronApiError({
      status: 0,
      reason: 'Unreachable',
      server,
      message: `the TLS handshake with ${server} failed (${err.code ?? err.message}): check the kubeconfig's certificate authority and server name`,
      cause: err,
    });
  }
  const code =
    err instanceof ApiError
      ? (err.code ?? (err.reason === 'Timeout' ? 'ETIMEDOUT' : err.reason === 'Unreachable' ? 'no connection' : undefined))
      : networkCode(err);
  if (code) {
    return new K0smotronApiError({
      status: 0,
      reason: 'Unreachable',
      server,
      message: `cannot reach the Kubernetes API at ${server} (${code}): is the cluster running and the kubeconfig context right?`,
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new K0smotronApiError({ status: 0, reason: 'Other', server, message: `cannot ${ctx.verb} ${describe(ctx)}: ${message}`, cause: err });
}
