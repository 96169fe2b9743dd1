// The `./testing` entry points of our packages are the repository's own test support: they run
// the operator against the local test cluster and import the private `@k0smotron/testenv`, which
// is never published. They stay in each package's `exports` so the repository's tests import
// them the way they import everything else (through exports, never by path), and are taken out of
// what npm packs: the published exports map, its typesVersions, and the built files.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const DEV_ENTRY_POINT = './testing';

interface PackageJson {
  exports?: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  [key: string]: unknown;
}

/** The package.json npm should pack: the same, without the dev-only entry point. */
export function withoutDevEntryPoint(pkg: PackageJson): PackageJson {
  const out: PackageJson = { ...pkg };
  if (pkg.exports) out.exports = Object.fromEntries(Object.entries(pkg.exports).filter(([mount]) => mount !== DEV_ENTRY_POINT));
  if (pkg.typesVersions) {
    const name = DEV_ENTRY_POINT.slice(2);
    out.typesVersions = Object.fromEntries(
      Object.entries(pkg.typesVersions).map(([range, map]) => [range, Object.fromEntries(Object.entries(map).filter(([k]) => k !== name))]),
    );
  }
  return out;
}

/** Built files that belong to test support: `dist/testing.*` and every `testing/` folder. */
export function devOnlyDistFiles(distDir: string): string[] {
  if (!existsSync(distDir)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'testing') found.push(path);
        else walk(path);
      } else if (dir === distDir && /^testing\.(cjs|esm)\.js(\.map)?$|^testing\.d\.ts$/.test(e.name)) found.push(path);
    }
  };
  walk(distDir);
  return found.sort();
}

/** Applies both to the package in `packageDir` (run after `backstage-cli package prepack`). */
export function stripDevEntryPoint(packageDir: string): string[] {
  const pkgPath = join(packageDir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as PackageJson;
  writeFileSync(pkgPath, `${JSON.stringify(withoutDevEntryPoint(pkg), null, 2)}\n`);
  const removed = devOnlyDistFiles(join(packageDir, 'dist'));
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  return removed.map(p => relative(packageDir, p));
}
