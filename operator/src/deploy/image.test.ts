import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { keepDebianPath } from '../../scripts/build-image';
import { caBundle, ociArchive, tar, withParents, type TarEntry } from './image';

const long = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}/file.txt`;
const entries: TarEntry[] = [
  { path: 'z/last', type: 'file', mode: 0o644, content: Buffer.from('z') },
  { path: 'bin/tool', type: 'file', mode: 0o755, content: Buffer.from('#!/bin/true\n') },
  { path: 'lib64/ld.so', type: 'symlink', mode: 0o777, linkname: '/lib/x/ld.so' },
  { path: long, type: 'file', mode: 0o600, content: Buffer.alloc(1000, 1) },
];

describe('tar', () => {
  it('GNU tar reads it back: sorted entries, 0:0, modes, a long path, a symlink, one mtime', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k0smotron-tar-'));
    try {
      writeFileSync(path.join(dir, 'x.tar'), tar(withParents(entries), 1700000000));
      const list = spawnSync('tar', ['--numeric-owner', '--full-time', '-tvf', path.join(dir, 'x.tar')], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      });
      expect(list.status).toBe(0);
      const lines = list.stdout.trim().split('\n');
      expect(lines.map(l => l.split(/\s+/)[5])).toEqual([
        `${'a'.repeat(60)}/`,
        `${'a'.repeat(60)}/${'b'.repeat(60)}/`,
        `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}/`,
        long,
        'bin/',
        'bin/tool',
        'lib64/',
        'lib64/ld.so',
        'z/',
        'z/last',
      ]);
      expect(new Set(lines.map(l => l.split(/\s+/)[1]))).toEqual(new Set(['0/0']));
      expect(new Set(lines.map(l => l.split(/\s+/)[4]))).toEqual(new Set(['22:13:20']));
      const out = path.join(dir, 'out');
      spawnSync('mkdir', [out]);
      expect(spawnSync('tar', ['-xf', path.join(dir, 'x.tar'), '-C', out]).status).toBe(0);
      expect(readFileSync(path.join(out, long))).toEqual(Buffer.alloc(1000, 1));
      expect(statSync(path.join(out, 'bin/tool')).mode & 0o777).toBe(0o755);
      expect(readlinkSync(path.join(out, 'lib64/ld.so'))).toBe('/lib/x/ld.so');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses duplicates and paths ustar cannot hold', () => {
    expect(() => tar([entries[0]!, entries[0]!], 0)).toThrow(/duplicate entry z\/last/);
    expect(() => tar([{ path: 'x'.repeat(120), type: 'file', mode: 0o644, content: Buffer.alloc(0) }], 0)).toThrow(/path too long/);
  });
});

describe('OCI archive', () => {
  const spec = { mtime: 1700000000, layers: [{ comment: 'one', entries: [entries[1]!] }] };

  it('is a pure function of its input; the time is part of it', () => {
    expect(ociArchive(spec).manifestDigest).toBe(ociArchive(spec).manifestDigest);
    expect(ociArchive(spec).archive.equals(ociArchive(spec).archive)).toBe(true);
    expect(ociArchive({ ...spec, mtime: 1700000001 }).manifestDigest).not.toBe(ociArchive(spec).manifestDigest);
    expect(ociArchive(spec).config.created).toBe('2023-11-14T22:13:20.000Z');
  });
});

describe('root filesystem parts', () => {
  it('keeps libraries and copyright files of the Debian packages, not docs, man pages or the CA update script', () => {
    for (const p of ['lib/x86_64-linux-gnu/libc.so.6', 'usr/lib/x86_64-linux-gnu/libstdc++.so.6', 'usr/share/doc/libc6/copyright', 'usr/share/doc', 'lib64'])
      expect([p, keepDebianPath(p)]).toEqual([p, true]);
    for (const p of [
      'usr/share/doc/libc6/changelog.Debian.gz',
      'usr/share/man/man8/ld.so.8.gz',
      'usr/sbin/update-ca-certificates',
      'usr/share/locale/de',
      'etc/ssl/certs',
    ])
      expect([p, keepDebianPath(p)]).toEqual([p, false]);
  });

  it('the CA bundle is every certificate in name order, each ending in a newline; none is an error', () => {
    const b = caBundle([
      { name: 'b.crt', pem: Buffer.from('B') },
      { name: 'a.crt', pem: Buffer.from('A\n') },
    ]);
    expect(b.content!.toString()).toBe('A\nB\n');
    expect(() => caBundle([])).toThrow(/no certificates/);
  });
});
