import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addMissingPlatforms, platformOf } from './lockfile-platforms';

describe('lockfile platform entries', () => {
  it('reads os, cpu and libc from platform package names', () => {
    expect(platformOf('@rollup/rollup-linux-arm64-musl')).toEqual({ os: ['linux'], cpu: ['arm64'], libc: ['musl'] });
    expect(platformOf('@swc/core-win32-ia32-msvc')).toEqual({ os: ['win32'], cpu: ['ia32'] });
    expect(platformOf('@swc/core-linux-arm-gnueabihf')).toEqual({ os: ['linux'], cpu: ['arm'], libc: ['glibc'] });
    expect(platformOf('@esbuild/darwin-x64')).toEqual({ os: ['darwin'], cpu: ['x64'] });
    expect(platformOf('left-pad')).toBeUndefined();
  });

  it('adds a missing platform entry hoisted, or beside its parent when the name is taken', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/a': { version: '1.0.0', optionalDependencies: { '@x/a-darwin-arm64': '1.0.0' } },
        'node_modules/b': { version: '2.0.0', optionalDependencies: { '@x/a-darwin-arm64': '2.0.0' } },
      },
    };
    expect(addMissingPlatforms(lock)).toEqual(['node_modules/@x/a-darwin-arm64@1.0.0', 'node_modules/b/node_modules/@x/a-darwin-arm64@2.0.0']);
    expect(addMissingPlatforms(lock)).toEqual([]);
  });

  it('the committed package-lock.json needs nothing added (else `npm ci` refuses it)', () => {
    const lock = JSON.parse(readFileSync(join(__dirname, '..', 'package-lock.json'), 'utf8'));
    expect(addMissingPlatforms(lock)).toEqual([]);
  });
});
