// Go `time.ParseDuration`, the syntax of `JoinTokenRequest.spec.expiry` (upstream passes it to
// `k0s token create --expiry`). Kept exact so a manifest valid upstream means the same here.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// The micro signs are escaped: the kubectl plugin's bundle must stay ASCII, and esbuild leaves regex literals as written.
const PART = /^([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;

export class DurationError extends Error {}

/** Milliseconds of a Go duration such as `24h`, `1h30m`, `90s`, `0s` or `0`. */
export function parseGoDuration(text: string, field = 'duration'): number {
  let rest = text.trim();
  const fail = (why: string) => new DurationError(`${field}: "${text}" is not a valid duration (${why}); use e.g. 24h, 1h30m, 90s or 0s`);
  if (rest === '') throw fail('empty');
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw fail('no number');
  let total = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    if (!m) throw fail(/^[0-9.]+$/.test(rest) ? 'missing unit (ns, us, ms, s, m, h)' : `unexpected "${rest}"`);
    const [whole, num, unit] = m;
    if (num === '' || num === '.') throw fail('a unit without a number');
    total += Number(num) * UNIT_MS[unit];
    rest = rest.slice(whole.length);
  }
  return sign * total;
}

/** The expiry of a join token: ms until it stops working, or `undefined` for never (`0s`). */
export function parseTokenExpiry(text: string | undefined, fallback: string): number | undefined {
  const ms = parseGoDuration(text ?? fallback, 'spec.expiry');
  if (ms < 0) throw new DurationError(`spec.expiry: "${text}" is negative; use a positive duration such as 24h, or 0s for never`);
  return ms === 0 ? undefined : ms;
}

/**
 * A flag or setting that must be a duration: milliseconds, or undefined when the text is not a
 * Go duration or is negative (the caller words the error for its own flag or key).
 */
export function tryParseGoDuration(text: string): number | undefined {
  try {
    const ms = parseGoDuration(text);
    return ms < 0 ? undefined : ms;
  } catch (err) {
    if (err instanceof DurationError) return undefined;
    throw err;
  }
}

/**
 * A Go duration for people and for flags: `1h2m3s`, zero parts left out, whole seconds (rounded);
 * under half a second is `0s`. Parses back with parseGoDuration.
 */
export function formatGoDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  if (s <= 0) return '0s';
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
