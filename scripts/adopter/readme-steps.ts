// Reads the "Install into your Backstage" section of a package's README as steps a machine can
// follow, and applies its code blocks to files the way a person would. The conventions (written
// for people first, the way Backstage's own docs mark code changes):
//
// - The section is the first `##` section of the README. A `###` heading that names the "new
//   frontend system" starts steps for that system; everything else is for any app.
// - ```sh blocks: commands, run in the app's root. `#` comments and blank lines are skipped.
// - A block whose info string has `title="<path>"` changes that file of the app:
//   - YAML (`app-config.yaml`) is merged into the file.
//   - TS/TSX: lines marked `// highlight-add-next-line` (or `{/* highlight-add-next-line */}`),
//     or between `highlight-add-start` and `highlight-add-end`, are added; every other line is
//     context that must already be in the file, in that order; `// ...` (or `{/* ... */}`) stands
//     for lines left out. Added lines go right after the context line before them, or, when a
//     `...` comes between, right before the context line after them. Added imports go after the
//     file's last import.
// - Any other fenced block is for reading only.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export const INSTALL_HEADING = 'Install into your Backstage';

export type FrontendSystem = 'legacy' | 'new';

export type InstallStep =
  { kind: 'command'; command: string; system?: FrontendSystem } | { kind: 'edit'; file: string; lang: string; code: string; system?: FrontendSystem };

/** The install section's steps, in README order; throws if the README does not start with it. */
export function readInstallSteps(markdown: string, readmeName = 'README.md'): InstallStep[] {
  const lines = markdown.split('\n');
  const firstH2 = lines.findIndex(l => l.startsWith('## '));
  if (firstH2 < 0 || lines[firstH2].slice(3).trim() !== INSTALL_HEADING) {
    const found = firstH2 < 0 ? 'no "##" section' : `"${lines[firstH2]}"`;
    throw new Error(`${readmeName}: the first section must be "## ${INSTALL_HEADING}", found ${found}`);
  }
  const steps: InstallStep[] = [];
  let system: FrontendSystem | undefined;
  for (let i = firstH2 + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('## ')) break;
    if (line.startsWith('### ')) {
      system = /new frontend system/i.test(line) ? 'new' : /legacy/i.test(line) ? 'legacy' : undefined;
      continue;
    }
    const fence = /^(\s*)```(\w*)(.*)$/.exec(line);
    if (!fence) continue;
    const [, indent, lang, info] = fence;
    const body: string[] = [];
    for (i++; i < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[i]); i++) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i].trimStart());
    }
    if (i >= lines.length) throw new Error(`${readmeName}: a code block in "${INSTALL_HEADING}" is not closed`);
    const title = /title="([^"]+)"/.exec(info)?.[1];
    if (lang === 'sh' || lang === 'bash') {
      for (const cmd of body.map(l => l.trim())) {
        if (cmd && !cmd.startsWith('#')) steps.push({ kind: 'command', command: cmd, system });
      }
    } else if (title) {
      steps.push({ kind: 'edit', file: title, lang, code: body.join('\n'), system });
    }
  }
  return steps;
}

/** Deep-merges a README's YAML into an app-config; the README's values win, lists are replaced. */
export function mergeYaml(existing: string, addition: string): string {
  const merge = (a: unknown, b: unknown): unknown => {
    if (isObject(a) && isObject(b)) {
      const out: Record<string, unknown> = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = k in a ? merge(a[k], v) : v;
      return out;
    }
    return b;
  };
  return stringifyYaml(merge(parseYaml(existing) ?? {}, parseYaml(addition) ?? {}));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const ADD_NEXT = /^(\/\/|\{?\/\*)\s*highlight-add-next-line\s*(\*\/\}?)?$/;
const ADD_START = /^(\/\/|\{?\/\*)\s*highlight-add-start\s*(\*\/\}?)?$/;
const ADD_END = /^(\/\/|\{?\/\*)\s*highlight-add-end\s*(\*\/\}?)?$/;
const ELISION = /^(\/\/\s*(\.\.\.|…)|\{\/\*\s*(\.\.\.|…)\s*\*\/\})$/;

type Piece = { kind: 'context'; text: string } | { kind: 'add'; lines: string[] } | { kind: 'elision' };

/** Splits a block into context lines, added lines (imports apart) and elisions. */
function pieces(code: string): { imports: string[]; pieces: Piece[] } {
  const out: Piece[] = [];
  const imports: string[] = [];
  const lines = code.split('\n');
  let adding: 'next' | 'block' | undefined;
  const add = (line: string) => {
    const last = out[out.length - 1];
    if (last?.kind === 'add') last.lines.push(line);
    else out.push({ kind: 'add', lines: [line] });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    if (ADD_NEXT.test(t)) {
      adding = 'next';
      continue;
    }
    if (ADD_START.test(t)) {
      adding = 'block';
      continue;
    }
    if (ADD_END.test(t)) {
      adding = undefined;
      continue;
    }
    if (adding) {
      if (/^import\b/.test(t)) {
        // An import may span lines: up to the line with `from '…'`.
        const stmt = [line];
        while (!/from\s+['"][^'"]+['"];?\s*$/.test(stmt[stmt.length - 1]) && i + 1 < lines.length) stmt.push(lines[++i]);
        imports.push(stmt.join('\n'));
      } else if (t !== '' || adding === 'block') {
        add(line);
      }
      if (adding === 'next') adding = undefined;
      continue;
    }
    if (t === '') continue;
    if (ELISION.test(t)) out.push({ kind: 'elision' });
    else out.push({ kind: 'context', text: t });
  }
  if (adding === 'block') throw new Error('a highlight-add-start has no highlight-add-end');
  return { imports, pieces: out };
}

/**
 * Applies one README code block to a source file: checks every context line is there (in order)
 * and inserts the added lines and imports. Throws, naming the line, when the file does not match.
 */
export function applyCodeBlock(source: string, code: string): string {
  const { imports, pieces: ps } = pieces(code);
  const lines = source.split('\n');
  // Positions are found against the original lines; insertions are collected and made last.
  const inserts: Array<{ at: number; lines: string[] }> = [];
  let cursor = 0; // index after the last matched context line
  let pending: string[] | undefined;
  let elidedBeforePending = false;
  let sawElision = false;
  const flush = (before: number | undefined) => {
    if (!pending) return;
    if (elidedBeforePending) {
      if (before === undefined) throw new Error(`added lines after "…" need a context line after them: ${pending[0].trim()}`);
      inserts.push({ at: before, lines: pending });
    } else {
      inserts.push({ at: cursor, lines: pending });
    }
    pending = undefined;
  };
  for (const p of ps) {
    if (p.kind === 'elision') {
      sawElision = true;
      continue;
    }
    if (p.kind === 'add') {
      pending = [...(pending ?? []), ...p.lines];
      elidedBeforePending = sawElision;
      sawElision = false;
      continue;
    }
    const found = lines.findIndex((l, idx) => idx >= cursor && l.trim() === p.text);
    if (found < 0) throw new Error(`the file has no line "${p.text}" where the README expects it`);
    flush(found);
    cursor = found + 1;
    sawElision = false;
  }
  flush(undefined);
  const newImports = imports.filter(stmt => !source.includes(stmt.trim()));
  if (newImports.length > 0) {
    let lastImport = -1;
    for (let i = 0; i < lines.length; i++) {
      if (/^import\b/.test(lines[i])) {
        lastImport = i;
        while (!/from\s+['"][^'"]+['"];?\s*$|^import\s+['"][^'"]+['"];?\s*$/.test(lines[lastImport]) && lastImport + 1 < lines.length) lastImport++;
        i = lastImport;
      }
    }
    inserts.push({ at: lastImport + 1, lines: newImports });
  }
  // Insert from the bottom up so earlier positions stay valid; equal positions keep README order.
  const sorted = inserts.map((ins, order) => ({ ...ins, order })).sort((a, b) => b.at - a.at || b.order - a.order);
  for (const ins of sorted) lines.splice(ins.at, 0, ...ins.lines);
  return lines.join('\n');
}

/** The `npm install` of a README line, or undefined if the line is another command. */
export function parseNpmInstall(command: string): { workspace?: string; packages: string[] } | undefined {
  const words = command.split(/\s+/);
  if (words[0] !== 'npm' || !['install', 'i', 'add'].includes(words[1])) return undefined;
  let workspace: string | undefined;
  const packages: string[] = [];
  for (let i = 2; i < words.length; i++) {
    if (words[i] === '-w' || words[i] === '--workspace') workspace = words[++i];
    else if (words[i].startsWith('--workspace=')) workspace = words[i].slice('--workspace='.length);
    else if (!words[i].startsWith('-')) packages.push(words[i]);
  }
  return { workspace, packages };
}
