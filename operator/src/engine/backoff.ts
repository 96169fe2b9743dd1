// Exponential backoff, per key (work queue retries) and as a single sequence (watch restarts,
// leader election retries).

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1: the delay is multiplied by a random factor in [1 - jitter, 1]. */
  jitter?: number;
  random?: () => number;
}

export function backoffDelay(failures: number, opts: BackoffOptions): number {
  const exp = opts.baseMs * Math.pow(2, Math.max(0, failures));
  const capped = Math.min(opts.maxMs, exp);
  const jitter = opts.jitter ?? 0;
  if (jitter <= 0) return capped;
  const r = (opts.random ?? Math.random)();
  return Math.round(capped * (1 - jitter * r));
}

/** Counts failures per key; `next` returns the delay for the next retry, `forget` resets. */
export class PerKeyBackoff {
  private failures = new Map<string, number>();

  constructor(private readonly opts: BackoffOptions = { baseMs: 5, maxMs: 5 * 60_000 }) {}

  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return backoffDelay(n, this.opts);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** A single backoff sequence (e.g. one watch's restarts). */
export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    return backoffDelay(this.failures++, this.opts);
  }

  reset(): void {
    this.failures = 0;
  }
}
