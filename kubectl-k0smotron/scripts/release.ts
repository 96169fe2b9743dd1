// Builds a release of the plugin for krew into dist/release/:
//   kubectl-k0smotron-vVERSION.tar.gz         kubectl-k0smotron (the one-file bundle),
//                                             kubectl_complete-k0smotron and LICENSE
//   kubectl-k0smotron-vVERSION.tar.gz.sha256  in `sha256sum` format
//   k0smotron.yaml                            the krew manifest (from krew/k0smotron.yaml)
// Usage: npm run release -w kubectl-k0smotron -- --base-url URL [--out-dir DIR]
// URL is where the archive will be published (the directory; `{tag}` in it becomes vVERSION).
// The version is package.json's. The archive is reproducible: the same sources give the same
// bytes (fixed order, owners, modes and times; SOURCE_DATE_EPOCH sets the time, else 0), so its
// sha256 can be checked by anyone who builds it again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';

const root = join(__dirname, '..');
export const PLUGIN_NAME = 'k0smotron';
export const KREW_API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';
export const DEFAULT_OUT_DIR = join(root, 'dist', 'release');
const BUNDLE = join(root, 'dist', 'kubectl-k0smotron.js');
const OPERATOR_MANIFEST = join(root, '..', 'operator', 'deploy', 'install.yaml');
const LICENSE = join(root, '..', 'LICENSE');
const TEMPLATE = join(root, 'krew', `${PLUGIN_NAME}.yaml`);

/**
 * The completion entry point inside the archive. The package's bin/kubectl_complete-k0smotron
 * looks for ../dist/kubectl-k0smotron.js; in the archive (and krew's store) the bundle is its
 * sibling. Node resolves a symlinked main script to its real path, so a link to this file from
 * a directory on PATH still finds the bundle.
 */
const COMPLETE_SHIM = `#!/usr/bin/env node
// kubectl >= 1.26 runs this for \`kubectl k0smotron <TAB>\`: the plugin answers Cobra's __complete protocol.
process.argv.splice(2, 0, '__complete');
require(require('path').join(__dirname, 'kubectl-k0smotron'));
`;

export function archiveName(version: string): string {
  return `kubectl-k0smotron-v${version}.tar.gz`;
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The download URI of the archive: `baseUrl` (with `{tag}` replaced by vVERSION), then the archive's name. */
export function archiveUri(baseUrl: string, version: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.replaceAll('{tag}', `v${version}`));
  } catch {
    throw new Error(`--base-url ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`--base-url must be an http(s) URL (krew downloads the archive from it), not ${url.protocol}`);
  if (url.search || url.hash) throw new Error('--base-url must not have a query or fragment: the archive name is appended to its path');
  if (url.username || url.password) throw new Error('--base-url must not hold credentials: it is published in the krew manifest');
  return `${url.href.replace(/\/$/, '')}/${archiveName(version)}`;
}

export interface ArchiveFile {
  name: string;
  mode: number;
  data: Buffer;
}

const BLOCK = 512;
/** tar(1) writes whole records of 20 blocks; readers accept either, this matches what tools write. */
const RECORD = 20 * BLOCK;

/** An octal header field: digits padded with zeros, then NUL. */
function octal(n: number, width: number): string {
  const digits = n.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${n} does not fit in a ${width}-byte field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

function ustarHeader(f: ArchiveFile, mtime: number): Buffer {
  // Flat archives only: krew's `files` rules and this release need nothing else.
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(f.name)) throw new Error(`tar: file name ${JSON.stringify(f.name)} is not a plain name of at most 100 characters`);
  const h = Buffer.alloc(BLOCK);
  h.write(f.name, 0, 'ascii');
  h.write(octal(f.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid 0, and no user or group name: the same on every machine
  h.write(octal(0, 8), 116, 'ascii'); // gid 0
  h.write(octal(f.data.length, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write(' '.repeat(8), 148, 'ascii'); // the checksum counts its own field as spaces
  h.write('0', 156, 'ascii'); // a regular file
  h.write('ustar\u000000', 257, 'ascii');
  h.write(octal(0, 8), 329, 'ascii');
  h.write(octal(0, 8), 337, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${octal(sum, 7)} `, 148, 'ascii');
  return h;
}

/** A POSIX ustar archive of regular files, sorted by name, owned by 0:0, all with time `mtime` (seconds). */
export function tarArchive(files: ArchiveFile[], mtime: number): Buffer {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (sorted[i].name === sorted[i - 1].name) throw new Error(`tar: ${sorted[i].name} is listed twice`);
  const parts: Buffer[] = [];
  for (const f of sorted) {
    parts.push(ustarHeader(f, mtime), f.data, Buffer.alloc((BLOCK - (f.data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((RECORD - (body.length % RECORD)) % RECORD)]);
}

/**
 * gzip without a file name or time in its header (zlib writes neither). zlib records the OS it
 * ran on (3 on Linux, 19 on macOS); that byte is set to 3 (Unix) so both give the same bytes.
 */
export function gzipReproducible(data: Buffer): Buffer {
  const out = gzipSync(data, { level: 9 });
  out[9] = 3;
  return out;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ManifestValues {
  version: string;
  uri: string;
  sha256: string;
}

/**
 * Fills the krew template: each placeholder is a whole quoted YAML value, '{{ name }}' (or in
 * double quotes), replaced by the value as a double-quoted string (JSON's escaping is valid YAML).
 */
export function renderKrewManifest(template: string, values: ManifestValues): string {
  const out = template.replace(/(["'])\{\{ (\w+) \}\}\1/g, (_m, _q: string, key: string) => {
    if (!Object.hasOwn(values, key)) throw new Error(`krew template: unknown placeholder {{ ${key} }} (known: ${Object.keys(values).join(', ')})`);
    return JSON.stringify(values[key as keyof ManifestValues]);
  });
  const left = /\{\{.*?\}\}/.exec(out);
  if (left) throw new Error(`krew template: ${left[0]} is not a whole quoted value ('{{ name }}')`);
  return out;
}

export interface KrewFileOperation {
  from: string;
  to: string;
}

export interface KrewPlatform {
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  uri: string;
  sha256: string;
  files?: KrewFileOperation[];
  bin: string;
}

export interface KrewPlugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version: string; shortDescription: string; description?: string; caveats?: string; homepage?: string; platforms: KrewPlatform[] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

function platformProblems(p: unknown, at: string): string[] {
  if (!isRecord(p)) return [`${at} is not a mapping`];
  const problems: string[] = [];
  if (!nonEmpty(p.uri)) problems.push(`${at}.uri has to be set`);
  else if (!/^https?:\/\//.test(p.uri)) problems.push(`${at}.uri must be an http(s) URL, not ${JSON.stringify(p.uri)}`);
  if (typeof p.sha256 !== 'string' || !/^[a-f0-9]{64}$/.test(p.sha256))
    problems.push(`${at}.sha256 must be 64 lowercase hex digits, not ${JSON.stringify(p.sha256)}`);
  if (!nonEmpty(p.bin)) problems.push(`${at}.bin has to be set`);
  if (p.files !== undefined) {
    if (!Array.isArray(p.files) || p.files.length === 0) problems.push(`${at}.files has to be left out or non-empty`);
    else
      p.files.forEach((f: unknown, i) => {
        if (!isRecord(f) || !nonEmpty(f.from) || !nonEmpty(f.to)) problems.push(`${at}.files[${i}] needs from and to`);
        else if (posix.normalize(f.to) !== f.to || f.to.startsWith('..') || f.to.startsWith('/'))
          problems.push(`${at}.files[${i}].to must be a clean relative path, not ${JSON.stringify(f.to)}`);
      });
  }
  const sel = p.selector;
  if (!isRecord(sel)) problems.push(`${at}.selector has to be set`);
  else {
    const labels = sel.matchLabels;
    const exprs = sel.matchExpressions;
    if (labels === undefined && exprs === undefined) problems.push(`${at}.selector is empty`);
    if (labels !== undefined && (!isRecord(labels) || Object.keys(labels).length === 0)) problems.push(`${at}.selector.matchLabels is specified but empty`);
    if (exprs !== undefined && (!Array.isArray(exprs) || exprs.length === 0)) problems.push(`${at}.selector.matchExpressions is specified but empty`);
    const keys = [...(isRecord(labels) ? Object.keys(labels) : []), ...(Array.isArray(exprs) ? exprs.map(e => (isRecord(e) ? e.key : undefined)) : [])];
    for (const k of keys) if (k !== 'os' && k !== 'arch') problems.push(`${at}.selector key ${JSON.stringify(k)} is not supported (os, arch)`);
  }
  return problems;
}

/** Checks a manifest the way krew does before installing it (and requires http(s) URIs); returns it parsed. */
export function validateKrewManifest(text: string, name: string): KrewPlugin {
  const m: unknown = parse(text);
  if (!isRecord(m)) throw new Error('krew manifest: not a YAML mapping');
  const problems: string[] = [];
  if (m.apiVersion !== KREW_API_VERSION) problems.push(`apiVersion must be ${KREW_API_VERSION}, not ${JSON.stringify(m.apiVersion)}`);
  if (m.kind !== 'Plugin') problems.push(`kind must be Plugin, not ${JSON.stringify(m.kind)}`);
  const meta = isRecord(m.metadata) ? m.metadata : {};
  if (meta.name !== name) problems.push(`metadata.name must be ${JSON.stringify(name)} (the manifest's file name), not ${JSON.stringify(meta.name)}`);
  const spec = isRecord(m.spec) ? m.spec : {};
  if (typeof spec.version !== 'string' || !spec.version.startsWith('v') || !SEMVER.test(spec.version.slice(1)))
    problems.push(`spec.version must be a semantic version with a v prefix, not ${JSON.stringify(spec.version)}`);
  if (!nonEmpty(spec.shortDescription)) problems.push('spec.shortDescription has to be set');
  if (!Array.isArray(spec.platforms) || spec.platforms.length === 0) problems.push('spec.platforms needs at least one platform');
  else spec.platforms.forEach((p: unknown, i) => problems.push(...platformProblems(p, `spec.platforms[${i}]`)));
  if (problems.length > 0) throw new Error(`krew manifest is invalid:\n- ${problems.join('\n- ')}`);
  return m as unknown as KrewPlugin;
}

export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof version !== 'string' || !SEMVER.test(version)) throw new Error(`package.json: version ${JSON.stringify(version)} is not a semantic version`);
  return version;
}

/** SOURCE_DATE_EPOCH (the reproducible-builds convention) when set, else 0. */
export function archiveTime(env: NodeJS.ProcessEnv): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  if (!/^\d+$/.test(v)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Runs a copy of the bundle from a scratch directory, with only node on PATH and no kubeconfig:
 * it must report this version and print the operator manifest it embeds, byte for byte, so
 * nothing it needs is read from the repository.
 */
function checkBundle(bundle: Buffer, version: string, operatorManifest: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-k0smotron-release-'));
  try {
    const copy = join(dir, 'kubectl-k0smotron');
    writeFileSync(copy, bundle, { mode: 0o755 });
    const env = { PATH: dirname(process.execPath), HOME: dir, KUBECONFIG: join(dir, 'no-kubeconfig') };
    const run = (args: string[]) => execFileSync(process.execPath, [copy, ...args], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    const v = run(['version']);
    if (!v.startsWith(`kubectl-k0smotron v${version} `)) throw new Error(`the bundle reports ${JSON.stringify(v.trim())}, not version v${version}`);
    if (run(['install', '-o', 'yaml']) !== operatorManifest) throw new Error('the bundle does not embed operator/deploy/install.yaml as it is now');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReleaseOptions {
  baseUrl: string;
  outDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ReleaseResult {
  version: string;
  archive: string;
  sha256: string;
  manifest: string;
}

export function release(opts: ReleaseOptions): ReleaseResult {
  const version = packageVersion();
  const uri = archiveUri(opts.baseUrl, version);
  const mtime = archiveTime(opts.env ?? process.env);
  let operatorManifest: string;
  try {
    operatorManifest = readFileSync(OPERATOR_MANIFEST, 'utf8');
  } catch {
    throw new Error(`${OPERATOR_MANIFEST} is missing: the plugin embeds it (generate it first: npm run generate -w @k0smotron/operator)`);
  }
  execFileSync(process.execPath, [require.resolve('tsx/cli'), join(root, 'scripts', 'build.ts')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const bundle = readFileSync(BUNDLE);
  if (!bundle.subarray(0, 20).toString('latin1').startsWith('#!/usr/bin/env node\n')) throw new Error(`${BUNDLE} does not start with #!/usr/bin/env node`);
  checkBundle(bundle, version, operatorManifest);
  const archive = gzipReproducible(
    tarArchive(
      [
        { name: 'kubectl-k0smotron', mode: 0o755, data: bundle },
        { name: 'kubectl_complete-k0smotron', mode: 0o755, data: Buffer.from(COMPLETE_SHIM) },
        { name: 'LICENSE', mode: 0o644, data: readFileSync(LICENSE) },
      ],
      mtime,
    ),
  );
  const sha256 = sha256Hex(archive);
  const manifestText = renderKrewManifest(readFileSync(TEMPLATE, 'utf8'), { version: `v${version}`, uri, sha256 });
  validateKrewManifest(manifestText, PLUGIN_NAME);
  const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const archivePath = join(outDir, archiveName(version));
  writeFileSync(archivePath, archive);
  writeFileSync(`${archivePath}.sha256`, `${sha256}  ${archiveName(version)}\n`);
  const manifestPath = join(outDir, `${PLUGIN_NAME}.yaml`);
  writeFileSync(manifestPath, manifestText);
  return { version, archive: archivePath, sha256, manifest: manifestPath };
}

/** npm prepack: the package folder gets the repository's LICENSE, which npm then packs. */
export function copyLicense(): void {
  copyFileSync(LICENSE, join(root, 'LICENSE'));
}

const USAGE =
  'usage: npm run release -w kubectl-k0smotron -- --base-url URL [--out-dir DIR]\n  URL: where the archive will be published; {tag} in it becomes vVERSION';

function main(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { 'base-url': { type: 'string' }, 'out-dir': { type: 'string' }, 'license-only': { type: 'boolean' } } });
  if (values['license-only']) {
    copyLicense();
    return;
  }
  if (!values['base-url']) throw new Error(`--base-url is required: the manifest tells krew where to download the archive\n${USAGE}`);
  const r = release({ baseUrl: values['base-url'], outDir: values['out-dir'] });
  process.stderr.write(`released v${r.version}:\n  ${r.archive}\n  sha256 ${r.sha256}\n  ${r.manifest}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`release failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
