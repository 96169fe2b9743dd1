import { useCallback, useEffect, useRef, useState } from 'react';

export interface PolledState<T> {
  value?: T;
  /** True only until the first answer (or after the inputs change). */
  loading: boolean;
  /** The last failure; `value` keeps the last good answer so a blip does not blank the view. */
  error?: Error;
  reload: () => void;
}

/**
 * Runs `fn` now and then every `intervalMs` (0: never again) until unmounted or `deps` change.
 * A slow answer never overlaps the next poll, and answers for old inputs are dropped.
 */
export function usePolledAsync<T>(fn: () => Promise<T>, deps: unknown[], intervalMs: number): PolledState<T> {
  const [state, setState] = useState<{ value?: T; error?: Error; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const fnRef = useRef(fn);
  fnRef.current = fn;

  const run = useCallback(
    async (gen: number) => {
      clearTimeout(timer.current);
      try {
        const value = await fnRef.current();
        if (gen === generation.current) setState({ value, loading: false });
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        if (gen === generation.current) setState(s => ({ value: s.value, error, loading: false }));
      }
      if (gen === generation.current && intervalMs > 0) {
        timer.current = setTimeout(() => run(gen), intervalMs);
      }
    },
    [intervalMs],
  );

  useEffect(() => {
    const gen = ++generation.current;
    setState({ loading: true });
    run(gen);
    return () => {
      // The counter's value now, not the one at mount, is what must move on: any answer still
      // in flight (for these or older inputs) is then dropped. It is this hook's own counter,
      // not a ref React attaches to a DOM node, so reading it here at cleanup is the intent.
      generation.current += 1;
      clearTimeout(timer.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `deps` is the caller's list of inputs, as useEffect's own
  }, [run, ...deps]);

  const reload = useCallback(() => {
    const gen = ++generation.current;
    run(gen);
  }, [run]);

  return { ...state, reload };
}
