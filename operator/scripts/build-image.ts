// Builds the operator's container image as an OCI archive, without Docker and without pulling a
// base image: operator/dist-bundle/image/k0smotron-operator-<version>.oci.tar.
//   npm run build:image -w @k0smotron/operator [-- --out FILE] [--no-bundle]
// Inputs (pinned in src/deploy/image.ts) are cached under ~/.cache/k0smotron/image (or
// $K0SMOTRON_CACHE_DIR/image) and fetched again when missing or when a checksum does not match:
// the Node binary with `npm pack`, the Debian packages with `apt-get download`. File times are
// $SOURCE_DATE_EPOCH, else the last commit's time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { caBundle, DEBIAN_PACKAGES, etcEntries, imageArchiveName, NODE_PACKAGE, ociArchive, type OciConfig, type TarEntry } from '../src/deploy/image';
import { buildOperatorBundle } from './build';

const root = path.resolve(__dirname, '..');
const repoRoot = path.resolve(root, '..');

export const DEFAULT_IMAGE_PATH = path.join(root, 'dist-bundle', 'image', imageArchiveName());

export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.K0SMOTRON_CACHE_DIR || path.join(homedir(), '.cache', 'k0smotron'), 'image');
}

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

const digestOf = (file: string, algo: 'sha256' | 'sha512', encoding: 'hex' | 'base64') => createHash(algo).update(readFileSync(file)).digest(encoding);

/** A cached input whose checksum matches, fetched with `fetch` into `dir` when missing or wrong. */
function cachedInput(dir: string, file: string, check: (f: string) => boolean, fetch: () => void, what: string): string {
  const f = path.join(dir, file);
  if (existsSync(f) && check(f)) return f;
  rmSync(f, { force: true });
  fetch();
  if (!existsSync(f)) throw new Error(`${what}: fetched, but ${f} is not there`);
  if (!check(f)) throw new Error(`${what}: checksum of ${f} does not match the pin in operator/src/deploy/image.ts`);
  return f;
}

export function fetchInputs(cache = imageCacheDir()): { nodeTarball: string; debs: string[] } {
  mkdirSync(cache, { recursive: true });
  const n = NODE_PACKAGE;
  const nodeTarball = cachedInput(
    cache,
    `${n.name}-${n.version}.tgz`,
    f => `sha512-${digestOf(f, 'sha512', 'base64')}` === n.integrity,
    () => sh('npm', ['pack', `${n.name}@${n.version}`, '--pack-destination', cache, '--silent'], cache),
    `${n.name}@${n.version}`,
  );
  const debs = DEBIAN_PACKAGES.map(p =>
    cachedInput(
      cache,
      `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`,
      f => digestOf(f, 'sha256', 'hex') === p.sha256,
      () => {
        try {
          sh('apt-get', ['download', `${p.name}=${p.version}`], cache);
        } catch (err) {
          throw new Error(
            `${(err as Error).message}\nDebian package ${p.name} ${p.version} could not be downloaded. If the mirror no longer has ` +
              `this revision, pin the current one in DEBIAN_PACKAGES (operator/src/deploy/image.ts): apt-cache policy ${p.name}`,
          );
        }
      },
      `${p.name} ${p.version}`,
    ),
  );
  return { nodeTarball, debs };
}

/** Every file, directory and symlink under `dir`, as tar entries rooted at `prefix`. */
function readTree(dir: string, prefix: string, keep: (rel: string) => boolean): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, r));
      const p = prefix ? `${prefix}/${r}` : r;
      if (st.isDirectory()) {
        if (keep(r)) out.push({ path: p, type: 'dir', mode: st.mode & 0o7777 });
        walk(r);
      } else if (keep(r)) {
        if (st.isSymbolicLink()) out.push({ path: p, type: 'symlink', mode: 0o777, linkname: readlinkSync(path.join(dir, r)) });
        else if (st.isFile()) out.push({ path: p, type: 'file', mode: st.mode & 0o7777, content: readFileSync(path.join(dir, r)) });
      }
    }
  };
  walk('');
  return out;
}

/**
 * What of the Debian packages goes into the image: the libraries and their copyright files.
 * Man pages, other docs, locales, and the CA package's update script and loose certificates
 * (the bundle is written instead) stay out.
 */
export function keepDebianPath(rel: string): boolean {
  if (/^usr\/share\/doc\/[^/]+\/copyright$/.test(rel) || /^usr\/share\/doc(\/[^/]+)?$/.test(rel)) return true;
  return !/^(usr\/share\/(doc|man|info|lintian|locale|bug|ca-certificates)|usr\/sbin|etc\/ca-certificates|etc\/ssl)(\/|$)/.test(rel);
}

function sourceDateEpoch(env: NodeJS.ProcessEnv): number {
  if (env.SOURCE_DATE_EPOCH !== undefined) {
    const n = Number(env.SOURCE_DATE_EPOCH);
    if (!Number.isInteger(n) || n < 0) throw new Error(`SOURCE_DATE_EPOCH must be a whole number of seconds, got "${env.SOURCE_DATE_EPOCH}"`);
    return n;
  }
  try {
    return Number(sh('git', ['log', '-1', '--format=%ct'], repoRoot).trim());
  } catch (err) {
    throw new Error(`no SOURCE_DATE_EPOCH and no git history to take the time from: ${(err as Error).message}`);
  }
}

export interface BuildImageOptions {
  out?: string;
  /** Rebuild dist-bundle/main.js first (default true). */
  bundle?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface BuildImageResult {
  path: string;
  manifestDigest: string;
  bytes: number;
  config: OciConfig;
}

export async function buildImage(opts: BuildImageOptions = {}): Promise<BuildImageResult> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? DEFAULT_IMAGE_PATH;
  if (opts.bundle ?? true) await buildOperatorBundle();
  const app = path.join(root, 'dist-bundle');
  for (const f of ['main.js', 'main.js.LEGAL.txt']) {
    if (!existsSync(path.join(app, f))) throw new Error(`operator/dist-bundle/${f} is missing: run npm run bundle -w @k0smotron/operator`);
  }
  const mtime = sourceDateEpoch(env);
  const { nodeTarball, debs } = fetchInputs(imageCacheDir(env));

  const work = mkdtempSync(path.join(tmpdir(), 'k0smotron-image-'));
  try {
    const debDir = path.join(work, 'deb');
    mkdirSync(debDir);
    for (const d of debs) sh('dpkg-deb', ['-x', d, debDir]);
    const nodeDir = path.join(work, 'node');
    mkdirSync(nodeDir);
    sh('tar', ['-xzf', nodeTarball, '-C', nodeDir, 'package/bin/node', 'package/LICENSE']);

    const mozilla = path.join(debDir, 'usr/share/ca-certificates/mozilla');
    const certs = readdirSync(mozilla)
      .filter(f => f.endsWith('.crt'))
      .map(name => ({ name, pem: readFileSync(path.join(mozilla, name)) }));
    const runtime: TarEntry[] = [
      ...readTree(debDir, '', keepDebianPath),
      caBundle(certs),
      { path: 'nodejs/bin/node', type: 'file', mode: 0o755, content: readFileSync(path.join(nodeDir, 'package/bin/node')) },
      { path: 'nodejs/LICENSE', type: 'file', mode: 0o644, content: readFileSync(path.join(nodeDir, 'package/LICENSE')) },
      ...etcEntries(),
    ];
    const file = (name: string, from: string): TarEntry => ({ path: `app/${name}`, type: 'file', mode: 0o644, content: readFileSync(from) });
    const operator: TarEntry[] = [
      file('main.js', path.join(app, 'main.js')),
      file('main.js.LEGAL.txt', path.join(app, 'main.js.LEGAL.txt')),
      ...(existsSync(path.join(app, 'main.js.map')) ? [file('main.js.map', path.join(app, 'main.js.map'))] : []),
      file('LICENSE', path.join(repoRoot, 'LICENSE')),
    ];
    const image = ociArchive({
      mtime,
      layers: [
        {
          comment: `Debian ${DEBIAN_PACKAGES.map(p => `${p.name} ${p.version}`).join(', ')}; Node ${NODE_PACKAGE.version}; users and CA bundle`,
          entries: runtime,
        },
        { comment: 'the operator bundle', entries: operator },
      ],
    });
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, image.archive);
    return { path: out, manifestDigest: image.manifestDigest, bytes: image.archive.length, config: image.config };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const USAGE = 'Usage: npm run build:image -w @k0smotron/operator [-- --out FILE] [--no-bundle]\n';

if (require.main === module) {
  const argv = process.argv.slice(2);
  const opts: BuildImageOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (a === '--no-bundle') opts.bundle = false;
    else if (a === '--out' && argv[i + 1]) opts.out = path.resolve(argv[++i]!);
    else {
      process.stderr.write(`unexpected argument "${a}"\n${USAGE}`);
      process.exit(2);
    }
  }
  const started = Date.now();
  buildImage(opts).then(
    r =>
      process.stdout.write(
        `${path.relative(process.cwd(), r.path)}: ${(r.bytes / 1024 / 1024).toFixed(1)} MiB, manifest ${r.manifestDigest}, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      ),
    err => {
      process.stderr.write(`build-image failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
