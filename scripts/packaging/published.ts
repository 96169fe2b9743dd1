// The published packages: every workspace package not marked private. Release tooling (the
// changesets group, the adopter stage's packing) reads this instead of keeping its own list.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface WorkspacePackage {
  name: string;
  dir: string;
  private: boolean;
}

/** Workspace packages in the order of the root package.json's `workspaces` (globs of one `*`). */
export function workspacePackages(root = REPO_ROOT): WorkspacePackage[] {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs = workspaces.flatMap(pattern => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter(e => e.isDirectory())
      .map(e => `${parent}/${e.name}`)
      .sort();
  });
  return dirs
    .filter(dir => existsSync(join(root, dir, 'package.json')))
    .map(dir => {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; private?: boolean };
      return { name: pkg.name, dir, private: pkg.private === true };
    });
}

export function publishedPackages(root = REPO_ROOT): WorkspacePackage[] {
  return workspacePackages(root).filter(p => !p.private);
}
