import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  archiveName,
  archiveTime,
  archiveUri,
  gzipReproducible,
  renderKrewManifest,
  sha256Hex,
  tarArchive,
  validateKrewManifest,
  KREW_API_VERSION,
  PLUGIN_NAME,
  type ArchiveFile,
} from './release';

const template = readFileSync(join(__dirname, '..', 'krew', `${PLUGIN_NAME}.yaml`), 'utf8');
const SHA = 'ab'.repeat(32);
const URI = 'https://downloads.example.test/k/v1.2.3/kubectl-k0smotron-v1.2.3.tar.gz';

const files: ArchiveFile[] = [
  { name: 'kubectl-k0smotron', mode: 0o755, data: Buffer.from('#!/usr/bin/env node\nconsole.log(1);\n') },
  { name: 'LICENSE', mode: 0o644, data: Buffer.alloc(1500, 'L') },
  { name: 'empty', mode: 0o600, data: Buffer.alloc(0) },
];

describe('tarArchive', () => {
  it('writes an archive tar reads back: sorted names, modes, owner 0:0, the given time, the contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-tar-'));
    const tarFile = join(dir, 'a.tar');
    const tar = tarArchive(files, 1_700_000_000);
    expect(tar.length % 10240).toBe(0);
    writeFileSync(tarFile, tar);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', tarFile], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(listing.split('\n').map(l => l.replace(/\s+/g, ' '))).toEqual([
      '-rw-r--r-- 0/0 1500 2023-11-14 22:13:20 LICENSE',
      '-rw------- 0/0 0 2023-11-14 22:13:20 empty',
      '-rwxr-xr-x 0/0 36 2023-11-14 22:13:20 kubectl-k0smotron',
      '',
    ]);
    execFileSync('tar', ['-xf', tarFile, '-C', dir]);
    for (const f of files) {
      expect(readFileSync(join(dir, f.name))).toEqual(f.data);
      expect(statSync(join(dir, f.name)).mode & 0o777).toBe(f.mode);
    }
  });

  it('gives the same bytes whatever order the files come in', () => {
    expect(tarArchive([...files].reverse(), 0).equals(tarArchive(files, 0))).toBe(true);
    expect(tarArchive(files, 0).equals(tarArchive(files, 1))).toBe(false);
  });

  it('refuses paths, long names and duplicates', () => {
    expect(() => tarArchive([{ name: 'bin/x', mode: 0o755, data: Buffer.alloc(1) }], 0)).toThrow('tar: file name "bin/x" is not a plain name');
    expect(() => tarArchive([{ name: 'x'.repeat(101), mode: 0o755, data: Buffer.alloc(1) }], 0)).toThrow('is not a plain name of at most 100 characters');
    expect(() => tarArchive([files[0], files[0]], 0)).toThrow('tar: kubectl-k0smotron is listed twice');
  });
});

describe('gzipReproducible', () => {
  it('records no time and Unix as the OS, and round-trips', () => {
    const gz = gzipReproducible(Buffer.from('hello'));
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]); // gzip, deflate, no name or comment
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(3);
    expect(gunzipSync(gz).toString()).toBe('hello');
    expect(sha256Hex(gzipReproducible(Buffer.from('hello')))).toBe(sha256Hex(gz));
  });
});

describe('archiveUri', () => {
  it('appends the archive name to the base URL, with {tag} as vVERSION', () => {
    expect(archiveName('1.2.3')).toBe('kubectl-k0smotron-v1.2.3.tar.gz');
    expect(archiveUri('https://downloads.example.test/k/{tag}', '1.2.3')).toBe(URI);
    expect(archiveUri('https://downloads.example.test/k/{tag}/', '1.2.3')).toBe(URI);
    expect(archiveUri('http://mirror.example.test', '1.2.3')).toBe('http://mirror.example.test/kubectl-k0smotron-v1.2.3.tar.gz');
  });

  it('refuses what krew cannot download or should not publish', () => {
    expect(() => archiveUri('downloads/k', '1.2.3')).toThrow('--base-url "downloads/k" is not a URL');
    expect(() => archiveUri('file:///tmp/k', '1.2.3')).toThrow('--base-url must be an http(s) URL (krew downloads the archive from it), not file:');
    expect(() => archiveUri('https://example.test/k?x=1', '1.2.3')).toThrow('--base-url must not have a query or fragment');
    expect(() => archiveUri('https://user:pw@example.test/k', '1.2.3')).toThrow('--base-url must not hold credentials');
  });
});

describe('archiveTime', () => {
  it('takes SOURCE_DATE_EPOCH, else 0', () => {
    expect(archiveTime({})).toBe(0);
    expect(archiveTime({ SOURCE_DATE_EPOCH: '1700000000' })).toBe(1_700_000_000);
    expect(() => archiveTime({ SOURCE_DATE_EPOCH: '2024-01-01' })).toThrow('SOURCE_DATE_EPOCH must be whole seconds since 1970, not "2024-01-01"');
  });
});

describe('the krew manifest', () => {
  it('is the template with version, uri and sha256 filled in, and valid for krew', () => {
    const text = renderKrewManifest(template, { version: 'v1.2.3', uri: URI, sha256: SHA });
    const m = validateKrewManifest(text, PLUGIN_NAME);
    expect(m.apiVersion).toBe(KREW_API_VERSION);
    expect(m.kind).toBe('Plugin');
    expect(m.spec.version).toBe('v1.2.3');
    expect(m.spec.platforms.map(p => p.selector.matchLabels)).toEqual([{ os: 'linux' }, { os: 'darwin' }]);
    for (const p of m.spec.platforms) {
      expect(p).toMatchObject({ uri: URI, sha256: SHA, bin: 'kubectl-k0smotron' });
      expect(p.files).toEqual([
        { from: 'kubectl-k0smotron', to: '.' },
        { from: 'kubectl_complete-k0smotron', to: '.' },
        { from: 'LICENSE', to: '.' },
      ]);
    }
    expect(text).not.toContain('{{');
  });

  it('escapes values as YAML strings', () => {
    const text = renderKrewManifest('a: \'{{ uri }}\'\nb: "{{ version }}"\n', { version: 'v1"2', uri: "x'y", sha256: SHA });
    expect(text).toBe('a: "x\'y"\nb: "v1\\"2"\n');
  });

  it('refuses unknown and unquoted placeholders', () => {
    const values = { version: 'v1.2.3', uri: URI, sha256: SHA };
    expect(() => renderKrewManifest("x: '{{ homepage }}'\n", values)).toThrow(
      'krew template: unknown placeholder {{ homepage }} (known: version, uri, sha256)',
    );
    expect(() => renderKrewManifest('x: {{ uri }}\n', values)).toThrow("krew template: {{ uri }} is not a whole quoted value ('{{ name }}')");
  });

  it('reports what krew would reject', () => {
    const good = renderKrewManifest(template, { version: 'v1.2.3', uri: URI, sha256: SHA });
    const broken = (edit: (s: string) => string) => () => validateKrewManifest(edit(good), PLUGIN_NAME);
    expect(() => validateKrewManifest(good, 'other')).toThrow('metadata.name must be "other" (the manifest\'s file name), not "k0smotron"');
    expect(broken(s => s.replace(KREW_API_VERSION, 'krew.googlecontainertools.github.com/v1alpha1'))).toThrow(
      `apiVersion must be ${KREW_API_VERSION}, not "krew.googlecontainertools.github.com/v1alpha1"`,
    );
    expect(broken(s => s.replace('kind: Plugin', 'kind: Plugins'))).toThrow('kind must be Plugin, not "Plugins"');
    expect(broken(s => s.replace('"v1.2.3"', '"1.2.3"'))).toThrow('spec.version must be a semantic version with a v prefix, not "1.2.3"');
    expect(broken(s => s.replace(/shortDescription: .*/, "shortDescription: ''"))).toThrow('spec.shortDescription has to be set');
    expect(broken(s => s.replaceAll(SHA, SHA.toUpperCase()))).toThrow(`spec.platforms[0].sha256 must be 64 lowercase hex digits, not "${SHA.toUpperCase()}"`);
    expect(broken(s => s.replace(`"${URI}"`, '"ftp://x/y.tar.gz"'))).toThrow('spec.platforms[0].uri must be an http(s) URL, not "ftp://x/y.tar.gz"');
    expect(broken(s => s.replace('os: darwin', 'distro: darwin'))).toThrow('spec.platforms[1].selector key "distro" is not supported (os, arch)');
    expect(broken(s => s.replace('from: LICENSE\n          to: .', 'from: LICENSE\n          to: ../x'))).toThrow(
      'spec.platforms[0].files[2].to must be a clean relative path, not "../x"',
    );
    expect(broken(s => s.replace(/bin: kubectl-k0smotron/g, "bin: ''"))).toThrow('spec.platforms[0].bin has to be set');
    expect(() => validateKrewManifest('- a\n', PLUGIN_NAME)).toThrow('krew manifest: not a YAML mapping');
  });
});
