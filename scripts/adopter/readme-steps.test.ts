import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyCodeBlock, mergeYaml, parseNpmInstall, readInstallSteps } from './readme-steps';

const ROOT = join(__dirname, '..', '..');
const TEMPLATE = join(__dirname, 'template');

describe('readInstallSteps', () => {
  it('needs the install section to be the first section', () => {
    expect(() => readInstallSteps('# x\n\n## Config\n\n## Install into your Backstage\n', 'X.md')).toThrow(
      'X.md: the first section must be "## Install into your Backstage", found "## Config"',
    );
    expect(() => readInstallSteps('# x\n\ntext\n', 'X.md')).toThrow('found no "##" section');
  });

  it('reads commands, titled blocks and the frontend system of each, and stops at the next section', () => {
    const md = [
      '# pkg',
      '## Install into your Backstage',
      '1. Install:',
      '   ```sh',
      '   npm install -w packages/backend @k0smotron/x   ',
      '   # a comment',
      '   ```',
      '```ts title="packages/backend/src/index.ts"',
      "backend.add(import('x'));",
      '```',
      '```yaml',
      'read: only',
      '```',
      '### New frontend system',
      '```tsx title="packages/app/src/App.tsx"',
      '  indented',
      '```',
      '## Next',
      '```sh',
      'npm install other',
      '```',
    ].join('\n');
    expect(readInstallSteps(md)).toEqual([
      { kind: 'command', command: 'npm install -w packages/backend @k0smotron/x', system: undefined },
      { kind: 'edit', file: 'packages/backend/src/index.ts', lang: 'ts', code: "backend.add(import('x'));", system: undefined },
      { kind: 'edit', file: 'packages/app/src/App.tsx', lang: 'tsx', code: '  indented', system: 'new' },
    ]);
  });

  it('fails on a block that is not closed', () => {
    expect(() => readInstallSteps('# x\n## Install into your Backstage\n```sh\nnpm install a\n')).toThrow('is not closed');
  });
});

describe('applyCodeBlock', () => {
  const file = ["import { a } from 'a';", '', 'const backend = createBackend();', 'backend.add(one);', 'backend.start();', ''].join('\n');

  it('adds a marked line after the context line before it', () => {
    const block = ['backend.add(one);', '// highlight-add-next-line', 'backend.add(two);'].join('\n');
    expect(applyCodeBlock(file, block)).toContain('backend.add(one);\nbackend.add(two);\nbackend.start();');
  });

  it('after an elision, adds before the context line that follows', () => {
    const block = ['const backend = createBackend();', '// ...', '// highlight-add-next-line', 'backend.add(two);', 'backend.start();'].join('\n');
    expect(applyCodeBlock(file, block)).toContain('backend.add(one);\nbackend.add(two);\nbackend.start();');
  });

  it('puts added imports after the last import, once', () => {
    const block = ['// highlight-add-start', 'import {', '  b,', "} from 'b';", '// highlight-add-end', 'backend.start();'].join('\n');
    const out = applyCodeBlock(file, block);
    expect(out.startsWith("import { a } from 'a';\nimport {\n  b,\n} from 'b';\n")).toBe(true);
    expect(applyCodeBlock(out, block)).toBe(out);
  });

  it('handles JSX markers and blocks', () => {
    const jsx = ['const routes = (', '  <FlatRoutes>', '    <Route path="/" />', '  </FlatRoutes>', ');'].join('\n');
    const block = [
      '<FlatRoutes>',
      '  {/* ... */}',
      '  {/* highlight-add-start */}',
      '  <Route path="/k" />',
      '  {/* highlight-add-end */}',
      '</FlatRoutes>',
    ].join('\n');
    expect(applyCodeBlock(jsx, block)).toContain('<Route path="/" />\n  <Route path="/k" />\n  </FlatRoutes>');
  });

  it('fails, naming the line, when a context line is not in the file (or not in that order)', () => {
    expect(() => applyCodeBlock(file, 'backend.begin();\n// highlight-add-next-line\nx();')).toThrow('the file has no line "backend.begin();"');
    expect(() => applyCodeBlock(file, 'backend.start();\nbackend.add(one);')).toThrow('the file has no line "backend.add(one);"');
  });

  it('fails on added lines after an elision with no context line after them', () => {
    expect(() => applyCodeBlock(file, 'backend.start();\n// ...\n// highlight-add-next-line\nx();')).toThrow('need a context line after them');
  });

  it('fails on an add block that is not ended', () => {
    expect(() => applyCodeBlock(file, '// highlight-add-start\nx();')).toThrow('has no highlight-add-end');
  });
});

describe('mergeYaml', () => {
  it('merges maps deeply, the addition winning; lists are replaced', () => {
    const out = parseYaml(mergeYaml('a: { b: 1, c: [1] }\nd: 2\n', 'a: { c: [2], e: 3 }\n'));
    expect(out).toEqual({ a: { b: 1, c: [2], e: 3 }, d: 2 });
  });
});

describe('parseNpmInstall', () => {
  it('reads the workspace and the packages', () => {
    expect(parseNpmInstall('npm install -w packages/app @k0smotron/x --save')).toEqual({ workspace: 'packages/app', packages: ['@k0smotron/x'] });
    expect(parseNpmInstall('npm i --workspace=packages/backend a b')).toEqual({ workspace: 'packages/backend', packages: ['a', 'b'] });
    expect(parseNpmInstall('kubectl apply -f x')).toBeUndefined();
  });
});

// The READMEs against the template app, without installing anything: the full check is the
// `adopter` stage (adopter.e2e.ts); this catches a README step that no longer applies in a second.
describe('the plugins READMEs', () => {
  const readmes = [
    'k0smotron-backend',
    'catalog-backend-module-k0smotron',
    'scaffolder-backend-module-k0smotron',
    'k0smotron-common',
    'k0smotron-node',
    'k0smotron',
  ];
  /** Applies the READMEs' edits in order to the template; returns the changed files. */
  const applyReadmes = (names: string[]) => {
    const files = new Map<string, string>();
    const read = (path: string) => files.get(path) ?? readFileSync(join(TEMPLATE, path), 'utf8');
    for (const name of names) {
      const steps = readInstallSteps(readFileSync(join(ROOT, 'plugins', name, 'README.md'), 'utf8'), name);
      expect(steps.filter(s => s.kind === 'command' && parseNpmInstall(s.command))).not.toHaveLength(0);
      for (const step of steps) {
        if (step.kind !== 'edit') continue;
        const path = step.system === 'new' ? step.file.replace(/^packages\/app\//, 'packages/app-next/') : step.file;
        files.set(path, step.lang === 'yaml' ? mergeYaml(read(path), step.code) : applyCodeBlock(read(path), step.code));
      }
    }
    return files;
  };

  it.each(readmes)('%s starts with an install section whose steps apply to a new app', name => {
    expect(() => applyReadmes([name])).not.toThrow();
  });

  it('together wire every plugin into the backend and both frontends', () => {
    const files = applyReadmes(readmes);
    expect(files.get('packages/backend/src/index.ts')).toMatch(/plugin-k0smotron-backend[\s\S]*backend\.start/);
    for (const pkg of ['plugin-k0smotron-backend', 'plugin-catalog-backend-module-k0smotron', 'plugin-scaffolder-backend-module-k0smotron']) {
      expect(files.get('packages/backend/src/index.ts')).toContain(`backend.add(import('@k0smotron/${pkg}'));`);
    }
    expect(files.get('packages/app/src/App.tsx')).toContain('<Route path="/k0smotron" element={<K0smotronClustersPage />} />');
    expect(files.get('packages/app/src/components/catalog/EntityPage.tsx')).toContain('<EntityK0smotronClusterCard />');
    expect(files.get('packages/app-next/src/App.tsx')).toMatch(/features: \[[\s\S]*k0smotronPlugin,[\s\S]*\]/);
    expect(parseYaml(files.get('app-config.yaml') ?? '')).toMatchObject({ k0smotron: { managementClusters: [{ name: expect.any(String) }] } });
  });
});
