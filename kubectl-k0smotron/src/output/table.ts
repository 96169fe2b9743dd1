// kubectl's table layout: upper-case headers, columns padded to the widest cell plus three
// spaces, no trailing spaces. Cells may contain colour codes (padding ignores them).
import { visibleLength } from './color';

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map(r => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visibleLength(c) + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Key/value lines aligned on the colon, like the sections of `kubectl cnpg status`. */
export function renderKeyValues(pairs: [string, string][]): string {
  const w = Math.max(0, ...pairs.map(([k]) => visibleLength(k)));
  return pairs.map(([k, v]) => `${k}:${' '.repeat(w - visibleLength(k) + 1)}${v}`.trimEnd()).join('\n') + '\n';
}
