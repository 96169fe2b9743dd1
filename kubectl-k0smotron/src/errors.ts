// Every failure the plugin reports is a CliError: one line saying what went wrong and one hint
// saying what to do. Errors from the API are translated here, with the operation that failed.

export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * True for a CliError from any copy of this module: the bundle compiles the commands separately
 * (see scripts/build.ts), so `instanceof` does not hold across that boundary.
 */
export function isCliError(e: unknown): e is CliError {
  return e instanceof Error && e.name === 'CliError';
}

/** What the plugin was doing when a request failed: used to word the error. */
export interface Operation {
  verb: 'get' | 'list' | 'create' | 'patch' | 'delete' | 'watch' | 'update';
  /** Plural resource, e.g. `clusters.k0smotron.io`, `secrets`. */
  resource: string;
  namespace?: string;
  name?: string;
}

/** The subset of K0smotronApiError / client-node ApiException / fetch errors we read. */
interface ErrorLike {
  name?: string;
  message?: string;
  status?: number;
  code?: number | string;
  reason?: string;
  server?: string;
  body?: unknown;
  causes?: { field: string; message: string }[];
  cause?: unknown;
  type?: string;
  errno?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH']);

function aborted(e: ErrorLike | undefined, depth = 0): boolean {
  if (!e || depth > 4) return false;
  if (e.type === 'aborted' || e.type === 'request-timeout' || e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  // The request layer's own timeout (an ApiError, possibly the cause of a K0smotronApiError).
  if (e.name === 'ApiError' && e.reason === 'Timeout') return true;
  return aborted(e.cause as ErrorLike | undefined, depth + 1);
}

function networkCode(e: ErrorLike | undefined, depth = 0): string | undefined {
  if (!e || depth > 4) return undefined;
  if (depth === 0 && aborted(e)) return 'TIMEOUT';
  for (const c of [e.code, e.errno]) if (typeof c === 'string' && NETWORK_CODES.has(c)) return c;
  if (e.type === 'aborted' || e.name === 'AbortError' || e.name === 'TimeoutError') return 'TIMEOUT';
  if (typeof e.message === 'string') {
    const m = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH)\b/.exec(e.message);
    if (m) return m[1];
    if (/aborted|timed? ?out/i.test(e.message) && e.status === undefined && typeof e.code !== 'number') return 'TIMEOUT';
  }
  return networkCode(e.cause as ErrorLike | undefined, depth + 1);
}

/** The request layer's TLS failure in the error or its causes: Node's code, or its message. */
function tlsFailure(e: ErrorLike | undefined, depth = 0): string | undefined {
  if (!e || depth > 4) return undefined;
  if (e.name === 'ApiError' && e.reason === 'TLSError') return typeof e.code === 'string' ? e.code : firstLine(e.message ?? 'TLS error');
  return tlsFailure(e.cause as ErrorLike | undefined, depth + 1);
}

function httpStatus(e: ErrorLike): number | undefined {
  if (typeof e.status === 'number') return e.status;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

function bodyMessage(e: ErrorLike): string | undefined {
  let body: unknown = e.body;
  if (typeof e.body === 'string') {
    const text = e.body;
    try {
      body = JSON.parse(text);
    } catch {
      return text.trim() || undefined;
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

export interface ApiErrorContext {
  /** The API server URL, for "unreachable" errors. */
  server: string;
  /** Request timeout in ms (0 = none), for the timeout message. */
  requestTimeoutMs?: number;
}

const RESOURCE_KIND: Record<string, string> = {
  'clusters.k0smotron.io': 'cluster',
  'jointokenrequests.k0smotron.io': 'join token request',
};

/** Translate any error thrown by a request into a CliError (CliErrors pass through). */
export function toCliError(err: unknown, op: Operation, ctx: ApiErrorContext): CliError {
  if (isCliError(err)) return err;
  const e = (err ?? {}) as ErrorLike;
  const where = op.namespace ? ` in namespace "${op.namespace}"` : '';
  const target = op.name ? `${op.resource} "${op.name}"` : op.resource;

  const tls = tlsFailure(e);
  if (tls) {
    return new CliError(
      `the TLS handshake with the Kubernetes API at ${e.server ?? ctx.server} failed (${tls})`,
      "check the context's certificate-authority data, its server name and its client certificate",
    );
  }
  const net = networkCode(e);
  if (e.reason === 'Unreachable' || net) {
    const server = e.server ?? ctx.server;
    if (net === 'TIMEOUT') {
      const after = ctx.requestTimeoutMs ? ` after ${ctx.requestTimeoutMs / 1000}s` : '';
      return new CliError(`the Kubernetes API at ${server} did not answer${after}`, 'check that the cluster is up, or raise --request-timeout');
    }
    return new CliError(
      `cannot reach the Kubernetes API at ${server}${net ? ` (${net})` : ''}`,
      'check that the cluster is running and that --kubeconfig/--context select the right one',
    );
  }
  const status = httpStatus(e);
  const reason = e.reason;
  if (
    reason === 'CrdMissing' ||
    (status === 404 &&
      op.resource.endsWith('.k0smotron.io') &&
      /the server could not find the requested resource|page not found/i.test(bodyMessage(e) ?? e.message ?? ''))
  ) {
    return new CliError('the k0smotron.io API is not installed on this cluster (no Cluster CRD)', 'run `kubectl k0smotron install`');
  }
  if (reason === 'Forbidden' || status === 403) {
    return new CliError(
      `forbidden: you cannot ${op.verb} ${op.resource}${op.name ? ` "${op.name}"` : ''}${where}`,
      `ask an administrator for the RBAC permission "${op.verb}" on ${op.resource}${op.namespace ? ` in "${op.namespace}"` : ''}, or check \`kubectl auth can-i ${op.verb} ${op.resource}${op.namespace ? ` -n ${op.namespace}` : ''}\``,
    );
  }
  if (reason === 'Unauthorized' || status === 401) {
    return new CliError(
      `unauthorized: the API server at ${ctx.server} rejected your credentials`,
      'refresh the credentials of the current kubeconfig context, or pick another with --context',
    );
  }
  if (reason === 'NotFound' || status === 404) {
    const kind = RESOURCE_KIND[op.resource] ?? op.resource;
    return new CliError(`${kind} "${op.name ?? ''}" not found${where}`);
  }
  if (reason === 'Conflict' || status === 409) {
    if (op.verb === 'create') {
      const kind = RESOURCE_KIND[op.resource] ?? op.resource;
      return new CliError(`${kind} "${op.name}" already exists${where}`, 'choose another name, or delete the existing one first');
    }
    return new CliError(`${target} was changed by someone else${where}`, 'run the command again');
  }
  if (reason === 'Invalid' || status === 422) {
    const causes = e.causes?.length ? e.causes.map(c => `${c.field}: ${c.message}`).join('; ') : (bodyMessage(e) ?? e.message);
    return new CliError(`the API server rejected ${target}: ${causes}`, 'fix the fields named above and try again');
  }
  const msg = bodyMessage(e) ?? e.message ?? String(err);
  return new CliError(`${op.verb} ${target}${where} failed${status ? ` (HTTP ${status})` : ''}: ${firstLine(msg)}`);
}

export function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Prints a failure as `error: …` and `hint: …` on stderr. */
export function reportError(err: unknown, io: { stderr: NodeJS.WritableStream }): void {
  const e = isCliError(err) ? err : toUnexpected(err);
  const oneLine = e.message.split('\n')[0];
  io.stderr.write(`error: ${oneLine}\n`);
  if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
}

/** A yargs or unforeseen error as a CliError, worded for the user. */
export function toUnexpected(err: unknown): CliError {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (m) return new CliError(`unknown command, flag or argument: ${m[1]}`, 'run `kubectl k0smotron --help` for usage');
  if ((err as { name?: string }).name === 'YError' || /^(Not enough|Missing required|Invalid values|Did you mean)/.test(msg)) {
    return new CliError(
      msg.split('\n')[0].replace(/^./, c => c.toLowerCase()),
      'run `kubectl k0smotron COMMAND --help` for usage',
    );
  }
  return new CliError(msg, 'rerun with -v=6 to see the requests made');
}
