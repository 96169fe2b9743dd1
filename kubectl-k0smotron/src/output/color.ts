// Colour only when it helps a human: --color=always forces it, --color=never or NO_COLOR turns it
// off, and auto (the default) colours only a terminal.
export type ColorMode = 'auto' | 'always' | 'never';
export const COLOR_MODES: readonly ColorMode[] = ['auto', 'always', 'never'];

export interface Palette {
  enabled: boolean;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
  cyan(s: string): string;
}

export function colorEnabled(mode: ColorMode, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

const wrap = (on: boolean, open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);

export function palette(enabled: boolean): Palette {
  return {
    enabled,
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    red: wrap(enabled, 31, 39),
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    cyan: wrap(enabled, 36, 39),
  };
}

/** Visible width of a string that may contain colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}
