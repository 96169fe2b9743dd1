import { redactText } from '@k0smotron/operator';

// Credentials inside URLs (`postgres://user:password@host`, a kine data source) must not leave
// the backend. Only the userinfo part is replaced: the rest of the URL stays useful.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@]*@/gi;

export const REDACTED = '[redacted]';

/** A deep copy of `value` with the password of every URL in its strings replaced. */
export function redactUrlCredentials<T>(value: T): T {
  return walk(value, 0) as T;
}

function walk(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, `$1:${REDACTED}@`);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map(v => walk(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = walk(v, depth + 1);
  return out;
}

/** One short line for an error that came from a client library: no body, no headers, no secrets. */
export function shortErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split('\n')[0] ?? '';
  const clean = redactText(firstLine);
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
