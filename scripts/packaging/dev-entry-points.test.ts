import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devOnlyDistFiles, stripDevEntryPoint, withoutDevEntryPoint } from './dev-entry-points';

describe('the packed package.json', () => {
  it('drops ./testing from exports and typesVersions and keeps every other entry', () => {
    const pkg = {
      name: '@k0smotron/operator',
      exports: {
        '.': { require: './dist/index.cjs.js' },
        './pki': { require: './dist/pki.cjs.js' },
        './testing': { require: './dist/testing.cjs.js' },
        './package.json': './package.json',
      },
      typesVersions: { '*': { pki: ['dist/pki.d.ts'], testing: ['dist/testing.d.ts'] } },
    };
    expect(withoutDevEntryPoint(pkg)).toEqual({
      name: '@k0smotron/operator',
      exports: { '.': { require: './dist/index.cjs.js' }, './pki': { require: './dist/pki.cjs.js' }, './package.json': './package.json' },
      typesVersions: { '*': { pki: ['dist/pki.d.ts'] } },
    });
    // The input is not changed: postpack restores from the file, not from this object.
    expect(pkg.exports['./testing']).toBeDefined();
  });

  it('leaves a package without exports alone', () => {
    expect(withoutDevEntryPoint({ name: 'x', main: 'dist/index.cjs.js' })).toEqual({ name: 'x', main: 'dist/index.cjs.js' });
  });
});

describe('built test support', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prepack-'));
    const files = [
      'dist/index.cjs.js',
      'dist/testing.cjs.js',
      'dist/testing.cjs.js.map',
      'dist/testing.d.ts',
      'dist/testingUtils.cjs.js',
      'dist/cluster/testing/helpers.cjs.js',
      'dist/cluster/controller.cjs.js',
    ];
    for (const f of files) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', exports: { '.': './dist/index.cjs.js', './testing': './dist/testing.cjs.js' } }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is dist/testing.* and every testing/ folder, nothing else', () => {
    expect(devOnlyDistFiles(join(dir, 'dist')).map(p => p.slice(dir.length + 1))).toEqual([
      'dist/cluster/testing',
      'dist/testing.cjs.js',
      'dist/testing.cjs.js.map',
      'dist/testing.d.ts',
    ]);
  });

  it('is removed with the export by stripDevEntryPoint', () => {
    expect(stripDevEntryPoint(dir)).toHaveLength(4);
    expect(existsSync(join(dir, 'dist/cluster/controller.cjs.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist/testingUtils.cjs.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist/testing.cjs.js'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports).toEqual({ '.': './dist/index.cjs.js' });
  });

  it('finds nothing when there is no build', () => {
    expect(devOnlyDistFiles(join(dir, 'missing'))).toEqual([]);
  });
});
