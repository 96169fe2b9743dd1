// Secrets (keys, tokens, kubeconfigs, credentials in URLs) never reach logs or events. Callers
// should not pass them in the first place; this is the net under that rule.

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const BOOTSTRAP_TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;
const LONG_BASE64 = /[A-Za-z0-9+/_-]{64,}={0,2}/g;
const SECRET_KEY_NAME = /(token|password|passwd|secret|private.?key|kubeconfig|credential|datasource)/i;

export const REDACTED = '[redacted]';

export function redactText(text: string): string {
  return text
    .replace(PEM, REDACTED)
    .replace(URL_CREDENTIALS, `$1:${REDACTED}@`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(BOOTSTRAP_TOKEN, REDACTED)
    .replace(LONG_BASE64, REDACTED);
}

/** Deep copy of log fields with secret-looking keys and values redacted. */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return { message: redactText(value.message), name: value.name };
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map(v => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY_NAME.test(k) && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number' ? REDACTED : redactFields(v, depth + 1);
  }
  return out;
}
