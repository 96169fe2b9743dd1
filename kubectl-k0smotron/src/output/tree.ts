// The ownership tree of `describe`, drawn like `clusterctl describe cluster`: one row per object
// with READY / REASON / SINCE / MESSAGE, `├─ └─ │` connectors, and ready siblings of the same
// kind folded into one row unless grouping is off.
import type { Palette } from './color';
import { renderTable } from './table';

export type Readiness = 'True' | 'False' | 'Unknown' | '';

export interface TreeNode {
  kind: string;
  name: string;
  ready: Readiness;
  reason?: string;
  /** When the readiness last changed, or the creation time. */
  since?: string;
  message?: string;
  children: TreeNode[];
}

export interface TreeOptions {
  grouping: boolean;
  now: Date;
  palette: Palette;
  age: (ts: string | undefined, now: Date) => string;
}

/** Fold ready, childless siblings of the same kind into one `Kind (n)` row. */
export function groupChildren(children: TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const byKind = new Map<string, TreeNode[]>();
  for (const c of children) {
    if (c.ready === 'True' && c.children.length === 0 && !c.message) {
      const list = byKind.get(c.kind) ?? [];
      list.push(c);
      byKind.set(c.kind, list);
    }
  }
  const folded = new Set<string>();
  for (const c of children) {
    const same = byKind.get(c.kind);
    if (same && same.length > 2 && same.includes(c)) {
      if (folded.has(c.kind)) continue;
      folded.add(c.kind);
      const since = same
        .map(s => s.since)
        .filter((s): s is string => !!s)
        .sort()
        .at(-1);
      out.push({
        kind: c.kind,
        name: `(${same.length})`,
        ready: 'True',
        since,
        message: same.map(s => s.name).join(', '),
        children: [],
      });
    } else {
      out.push(c);
    }
  }
  return out;
}

function readyCell(r: Readiness, p: Palette): string {
  if (r === 'True') return p.green('True');
  if (r === 'False') return p.red('False');
  if (r === 'Unknown') return p.yellow('Unknown');
  return '';
}

export function renderTree(root: TreeNode, opts: TreeOptions): string {
  const rows: string[][] = [];
  const walk = (node: TreeNode, prefix: string, connector: string) => {
    const label = `${prefix}${connector}${opts.palette.bold(`${node.kind}/`)}${node.name}`;
    rows.push([
      label,
      readyCell(node.ready, opts.palette),
      node.reason ?? '',
      node.since ? opts.age(node.since, opts.now) : '',
      truncate(node.message ?? '', 80),
    ]);
    const kids = opts.grouping ? groupChildren(node.children) : node.children;
    const childPrefix = prefix + (connector === '' ? '' : connector === '└─' ? '  ' : '│ ');
    kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1 ? '└─' : '├─'));
  };
  walk(root, '', '');
  return renderTable(['NAME', 'READY', 'REASON', 'SINCE', 'MESSAGE'], rows);
}

function truncate(s: string, n: number): string {
  const line = s.split('\n')[0];
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
