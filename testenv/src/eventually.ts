// Polling for tests against a real API server: try until the check gives a value, and when time
// runs out say what was awaited and the last error seen, not just "timeout".

export interface PollOptions {
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Pause between attempts (ms). */
  everyMs: number;
}

/**
 * `fn` answers `undefined`, `null` or `false` for "not yet" (or throws, which also means not yet);
 * any other value ends the wait and is returned.
 */
export type PollCheck<T> = () => Promise<T | undefined | null | false> | T | undefined | null | false;

export type Poll = <T>(what: string, fn: PollCheck<T>, timeoutMs?: number, everyMs?: number) => Promise<T>;

/** A polling function with a suite's own defaults (pods on hollow nodes take longer than a write). */
export function poller(defaults: PollOptions): Poll {
  return async <T>(what: string, fn: PollCheck<T>, timeoutMs = defaults.timeoutMs, everyMs = defaults.everyMs): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v !== undefined && v !== null && v !== false) return v;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) {
        const cause = lastError instanceof Error ? `: ${lastError.message}` : lastError !== undefined ? `: ${String(lastError)}` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
      }
      await new Promise(r => setTimeout(r, everyMs));
    }
  };
}

/** Polls every 100 ms for up to 30 s. */
export const eventually: Poll = poller({ timeoutMs: 30_000, everyMs: 100 });
