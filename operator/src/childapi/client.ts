// A minimal client for a child API server: JSON over HTTPS with a client certificate, a timeout
// on every request, and errors that say which kind of failure it was (the conditions use it).
import { request as httpsRequest } from 'node:https';
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

export const DEFAULT_CHILD_TIMEOUT_MS = 10_000;

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'EPROTO',
]);

function reasonForStatus(status: number): ChildApiErrorReason {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  return 'Other';
}

export class ChildApiClient {
  constructor(
    readonly target: ChildApiTarget,
    private readonly creds: ChildCredentials,
    private readonly timeoutMs = DEFAULT_CHILD_TIMEOUT_MS,
  ) {}

  /** One request; non-2xx answers throw ChildApiError with the API's own message. */
  request<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ChildResponse<T>> {
    const url = new URL(this.target.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const where = `${this.target.server} (${this.target.via})`;
    // A reconcile fenced after losing the lease must not reach a child either: refuse unsent.
    if (opts.signal?.aborted) return Promise.reject(new ChildApiError(`${method} ${path} on ${where}: aborted (not sent)`, 'Unreachable'));
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          ca: this.creds.caPem,
          cert: this.creds.certPem,
          key: this.creds.keyPem,
          servername: this.target.tlsServerName ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          timeout: timeoutMs,
          signal: opts.signal,
          agent: false,
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', err => reject(new ChildApiError(`reading the answer of ${where}: ${err.message}`, 'Unreachable')));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON (e.g. a proxy's HTML page): keep the text for the message
            }
            if (status >= 200 && status < 300) return resolve({ status, body: parsed as T });
            const apiMessage =
              typeof parsed === 'object' && parsed && 'message' in parsed ? String((parsed as { message: unknown }).message) : text.slice(0, 200);
            reject(new ChildApiError(`${method} ${path} on ${where}: ${status} ${apiMessage}`, reasonForStatus(status), status));
          });
        },
      );
      req.on('timeout', () => {
        req.destroy(new ChildApiError(`${where} did not answer within ${timeoutMs / 1000} s`, 'Timeout'));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ChildApiError) return reject(err);
        const code = err.code ?? '';
        const reason: ChildApiErrorReason = TLS_CODES.has(code) || /certificate|tls|ssl/i.test(err.message) ? 'TLSError' : 'Unreachable';
        reject(new ChildApiError(`cannot reach ${where}: ${code || err.message}${code ? ` (${err.message})` : ''}`, reason));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}
