// The release conventions of the published packages, checked on the files that carry them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { publishedPackages, REPO_ROOT } from './published';

const published = publishedPackages();
const names = published.map(p => p.name).sort();
const readJson = (path: string) => JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8'));

describe('published packages', () => {
  it('are the Backstage plugins, the API, the operator and the kubectl plugin', () => {
    expect(names).toEqual([
      '@k0smotron/api',
      '@k0smotron/operator',
      '@k0smotron/plugin-catalog-backend-module-k0smotron',
      '@k0smotron/plugin-k0smotron',
      '@k0smotron/plugin-k0smotron-backend',
      '@k0smotron/plugin-k0smotron-common',
      '@k0smotron/plugin-k0smotron-node',
      '@k0smotron/plugin-scaffolder-backend-module-k0smotron',
      'kubectl-k0smotron',
    ]);
  });

  it.each(published.map(p => [p.name, p.dir]))('%s packs only built files, under one version and licence', (_name, dir) => {
    const pkg = readJson(`${dir}/package.json`);
    expect(pkg.version).toBe(readJson('crds/package.json').version);
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.files).toBeDefined();
    expect((pkg.files as string[]).some(f => f.startsWith('src'))).toBe(false);
    if (pkg.backstage) {
      // Backstage's convention: the repository runs the sources, npm gets dist/.
      expect(pkg.publishConfig).toMatchObject({ access: 'public', types: 'dist/index.d.ts' });
      expect(pkg.publishConfig.main).toMatch(/^dist\/index\.(cjs|esm)\.js$/);
      expect(pkg.scripts).toMatchObject({ build: 'backstage-cli package build', postpack: 'backstage-cli package postpack' });
      expect(pkg.scripts.prepack).toMatch(/scripts\/packaging\/prepack\.ts$/);
    }
  });

  it.each(published.filter(p => readJson(`${p.dir}/package.json`).backstage).map(p => [p.name, p.dir]))('%s has a committed API report', (_name, dir) => {
    expect(existsSync(join(REPO_ROOT, dir, 'report.api.md'))).toBe(true);
  });
});

describe('changesets', () => {
  const config = readJson('.changeset/config.json');
  const changesets = readdirSync(join(REPO_ROOT, '.changeset')).filter(f => f.endsWith('.md') && f !== 'README.md');

  it('version every published package together, and nothing private', () => {
    expect([...config.fixed[0]].sort()).toEqual(names);
    expect(config.fixed).toHaveLength(1);
    expect(config.access).toBe('public');
    expect(config.privatePackages).toEqual({ version: false, tag: false });
  });

  it.each(changesets)('%s names published packages and a bump, and says what changed', file => {
    const text = readFileSync(join(REPO_ROOT, '.changeset', file), 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n\n(\S[\s\S]*)$/.exec(text);
    expect(match).not.toBeNull();
    const bumps = parse(match![1]) as Record<string, string>;
    expect(Object.keys(bumps).length).toBeGreaterThan(0);
    for (const [name, bump] of Object.entries(bumps)) {
      expect(names).toContain(name);
      expect(['patch', 'minor', 'major']).toContain(bump);
    }
    expect(match![2].trim().length).toBeGreaterThan(20);
  });
});
