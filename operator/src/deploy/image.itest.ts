// The operator image (scripts/build-image.ts) as an artifact: a valid OCI archive whose digests
// verify, built twice to the same digest, under its size budget, and whose entrypoint really
// runs: the layers are unpacked with the system's tar and the entrypoint is started inside
// them with chroot, so a library the Node binary needs but the image lacks fails here.
// No test cluster needed; it sits with the integration tests because it downloads (once, cached)
// and takes tens of seconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildImage, type BuildImageResult } from '../../scripts/build-image';
import { CA_BUNDLE, ENTRYPOINT, IMAGE_UID, MEDIA, NODE_PACKAGE, NODE_PATH } from './image';
import { OPERATOR_VERSION } from './install';

jest.setTimeout(300_000);

/** Compressed archive size budget; measured 42.4 MiB (Node 20 binary ~39 MiB of it). */
const SIZE_BUDGET = 60 * 1024 * 1024;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const work = mkdtempSync(path.join(tmpdir(), 'k0smotron-image-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sh(cmd: string, args: string[]): string {
  // TZ: tar lists times in local time; the test compares them with UTC.
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TZ: 'UTC' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
// A fixed time, not the last commit's: another commit between the two builds must not matter.
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

let first: BuildImageResult;
let second: BuildImageResult;
let layout: string;

beforeAll(async () => {
  const t0 = Date.now();
  first = await buildImage({ out: path.join(work, 'a.oci.tar'), env });
  const t1 = Date.now();
  // The second build reuses the bundle the first one wrote: it checks the image writer and the
  // cached inputs, not esbuild.
  second = await buildImage({ out: path.join(work, 'b.oci.tar'), env, bundle: false });
  process.stdout.write(`image builds: ${((t1 - t0) / 1000).toFixed(1)} s (with bundle), ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
  layout = path.join(work, 'layout');
  mkdirSync(layout);
  sh('tar', ['-xf', first.path, '-C', layout]);
});

const blob = (digest: string) => readFileSync(path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)));

it('is a valid OCI image layout: every blob matches its digest and size', () => {
  expect(JSON.parse(readFileSync(path.join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  for (const f of readdirSync(path.join(layout, 'blobs', 'sha256'))) expect(sha256(blob(`sha256:${f}`))).toBe(`sha256:${f}`);

  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { schemaVersion: number; mediaType: string; manifests: Descriptor[] };
  expect(index).toMatchObject({ schemaVersion: 2, mediaType: MEDIA.index });
  expect(index.manifests).toHaveLength(1);
  const m = index.manifests[0]!;
  expect(m).toMatchObject({ mediaType: MEDIA.manifest, digest: first.manifestDigest, annotations: { 'org.opencontainers.image.ref.name': OPERATOR_VERSION } });
  expect(blob(m.digest).length).toBe(m.size);

  const manifest = JSON.parse(blob(m.digest).toString()) as { schemaVersion: number; mediaType: string; config: Descriptor; layers: Descriptor[] };
  expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config } });
  expect(blob(manifest.config.digest).length).toBe(manifest.config.size);
  const config = JSON.parse(blob(manifest.config.digest).toString()) as { rootfs: { type: string; diff_ids: string[] } };
  expect(manifest.layers).toHaveLength(2);
  manifest.layers.forEach((l, i) => {
    expect(l.mediaType).toBe(MEDIA.layer);
    expect(blob(l.digest).length).toBe(l.size);
    // diff_ids are the digests of the uncompressed layers.
    expect(sha256(gunzipSync(blob(l.digest)))).toBe(config.rootfs.diff_ids[i]);
  });
});

it('runs the entrypoint as the non-root user 65532', () => {
  expect(first.config.config.Entrypoint).toEqual(ENTRYPOINT);
  expect(ENTRYPOINT[0]).toBe('/nodejs/bin/node');
  expect(ENTRYPOINT.at(-1)).toBe('/app/main.js');
  expect(ENTRYPOINT).toContain('--optimize-for-size');
  expect(first.config.config.User).toBe('65532:65532');
  expect(first.config).toMatchObject({ architecture: 'amd64', os: 'linux' });
  expect(first.config.config.Labels['org.opencontainers.image.version']).toBe(OPERATOR_VERSION);
});

it('is reproducible: a second build gives the same bytes and digest', () => {
  expect(second.manifestDigest).toBe(first.manifestDigest);
  expect(sha256(readFileSync(second.path))).toBe(sha256(readFileSync(first.path)));
});

it(`stays under ${SIZE_BUDGET / 1024 / 1024} MiB`, () => {
  const bytes = statSync(first.path).size;
  process.stdout.write(`image archive: ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
  expect(bytes).toBeLessThan(SIZE_BUDGET);
});

describe('the root filesystem', () => {
  let rootfs: string;
  let layers: string[];

  beforeAll(() => {
    const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as { layers: Descriptor[] };
    layers = manifest.layers.map(l => path.join(layout, 'blobs', 'sha256', l.digest.slice('sha256:'.length)));
    rootfs = path.join(work, 'rootfs');
    mkdirSync(rootfs);
    for (const l of layers) sh('tar', ['-xzf', l, '-C', rootfs]);
  });

  it('layers hold sorted entries, all owned by 0:0 with one fixed time', () => {
    for (const l of layers) {
      const lines = sh('tar', ['--numeric-owner', '--full-time', '-tvzf', l]).trim().split('\n');
      const names = lines.map(line => line.split(/\s+/)[5]!.replace(/\/$/, ''));
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(lines.map(line => line.split(/\s+/)[1]))).toEqual(new Set(['0/0']));
      expect(new Set(lines.map(line => line.split(/\s+/).slice(3, 5).join(' ')))).toEqual(
        new Set([new Date(1700000000 * 1000).toISOString().slice(0, 19).replace('T', ' ')]),
      );
    }
  });

  it('has the non-root user, the CA bundle, and the licenses', () => {
    expect(readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8')).toContain(`nonroot:x:${IMAGE_UID}:${IMAGE_UID}:`);
    expect(readFileSync(path.join(rootfs, 'etc/group'), 'utf8')).toContain(`nonroot:x:${IMAGE_UID}:`);
    expect(readFileSync(path.join(rootfs, CA_BUNDLE), 'utf8').split('-----BEGIN CERTIFICATE-----').length - 1).toBeGreaterThan(100);
    for (const f of ['app/LICENSE', 'app/main.js.LEGAL.txt', 'nodejs/LICENSE', 'usr/share/doc/libc6/copyright'])
      expect(statSync(path.join(rootfs, f)).size).toBeGreaterThan(0);
  });

  // chroot needs root; as another user, a user namespace (unshare -r) maps us to root in it.
  const inRoot = (args: string[]) => {
    const asRoot = process.getuid?.() === 0;
    const cmd = asRoot ? ['chroot', `--userspec=${IMAGE_UID}:${IMAGE_UID}`, rootfs, ...args] : ['unshare', '-r', 'chroot', rootfs, ...args];
    return spawnSync(cmd[0]!, cmd.slice(1), {
      encoding: 'utf8',
      env: { PATH: '/nodejs/bin:/usr/bin:/bin:/usr/sbin:/sbin', NODE_ENV: 'production', SSL_CERT_FILE: CA_BUNDLE },
    });
  };

  it('the entrypoint starts with only what the image holds (--help), as uid 65532, with the pinned Node', () => {
    const help = inRoot([...ENTRYPOINT, '--help']);
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: k0smotron-operator \[flags\]/m);
    const who = inRoot([NODE_PATH, '-e', 'process.stdout.write(JSON.stringify([process.version, require("os").userInfo().username]))']);
    expect(who.stderr).toBe('');
    expect(JSON.parse(who.stdout)).toEqual([`v${NODE_PACKAGE.version}`, process.getuid?.() === 0 ? 'nonroot' : 'root']);
  });

  it('the CA bundle loads into a TLS context', () => {
    const r = inRoot([
      NODE_PATH,
      '-e',
      `require("tls").createSecureContext({ ca: require("fs").readFileSync(${JSON.stringify(CA_BUNDLE)}) }); process.stdout.write("ok")`,
    ]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'ok', '']);
  });
});
