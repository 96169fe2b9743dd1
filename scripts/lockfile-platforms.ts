// The npm registry this project installs from serves only the linux-x64 builds of packages
// that ship one optional package per platform (@swc/core-*, @rollup/rollup-*, esbuild's
// @esbuild/*, …). `npm install` then leaves the other platforms out of package-lock.json, and
// `npm ci` refuses the lockfile as "not in sync". This adds the missing optional platform
// entries (version, os, cpu, optional) so `npm ci` skips them as it does on any registry.
// Run it after every `npm install`: npx tsx scripts/lockfile-platforms.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
  link?: boolean;
  [k: string]: unknown;
}

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'android', 'openharmony'];
const CPU = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

/** os/cpu/libc from a platform package name such as `@rollup/rollup-linux-arm64-musl`. */
export function platformOf(name: string): Pick<LockEntry, 'os' | 'cpu' | 'libc'> | undefined {
  const parts = name.split('/').pop()!.split('-');
  const os = OS.find(o => parts.includes(o) || (o === 'win32' && parts.includes('windows')));
  const cpu = CPU.find(c => parts.includes(c) || (c === 'arm' && parts.some(p => p.startsWith('arm') && p !== 'arm64')));
  if (!os || !cpu) return undefined;
  const libc = parts.includes('musl') ? ['musl'] : parts.includes('gnu') || parts.includes('gnueabihf') ? ['glibc'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc && os === 'linux' ? { libc } : {}) };
}

/** Where node resolves `name` from the package at `from` (innermost node_modules first). */
function resolvedPath(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

export function addMissingPlatforms(lock: { packages: Record<string, LockEntry> }): string[] {
  const added: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      const platform = platformOf(name);
      if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue;
      const found = resolvedPath(lock.packages, path, name);
      if (found && lock.packages[found].version === spec) continue;
      // Hoisted when nothing else takes the name, else beside its parent.
      const target = !found ? `node_modules/${name}` : `${path ? `${path}/` : ''}node_modules/${name}`;
      if (lock.packages[target]) continue;
      lock.packages[target] = { version: spec, optional: true, ...platform };
      added.push(`${target}@${spec}`);
    }
  }
  return added;
}

if (require.main === module) {
  const file = join(__dirname, '..', 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const added = addMissingPlatforms(lock);
  const sorted = Object.fromEntries(
    Object.entries(lock.packages as Record<string, LockEntry>).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
  );
  lock.packages = sorted;
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(`package-lock.json: ${added.length} optional platform entries added\n`);
}
