// The plugin as adopters install it: the krew release (scripts/release.ts) installed the way
// `kubectl krew install --manifest=k0smotron.yaml --archive=…` does, then run through the real
// kubectl with a PATH of only krew's bin directory, node and kubectl; and the npm package packed
// and installed globally. Both run from scratch directories, away from the repository.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, symlinkSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { archiveName, sha256Hex, validateKrewManifest, DEFAULT_OUT_DIR, type KrewPlatform } from '../scripts/release';
import type { RunResult } from './testing/plugin';

jest.setTimeout(600_000);

const run = promisify(execFile);
const pkgDir = join(__dirname, '..');
const repoRoot = join(pkgDir, '..');
const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
const operatorManifest = join(repoRoot, 'operator', 'deploy', 'install.yaml');
const BASE_URL = 'https://downloads.example.test/kubectl-k0smotron/{tag}';
// The bundle is rebuilt by each release and pack; other test files build it under the same lock.
const LOCK = '/tmp/kubectl-k0smotron-build.lock';

const work = mkdtempSync(join(tmpdir(), 'k0smotron-release-'));
let kc: KubeConfig;
let kubeconfigPath: string;
let kubectlBin: string;
let ns: string;

/** `npm run release`, under the build lock. */
async function releaseInto(extra: string[]): Promise<void> {
  await run('flock', [LOCK, 'npm', 'run', 'release', '-w', 'kubectl-k0smotron', '--', '--base-url', BASE_URL, ...extra], {
    cwd: repoRoot,
    timeout: 240_000,
    maxBuffer: 16 << 20,
  });
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** krew's platform choice: the first platform whose matchLabels all hold for this os/arch. */
function matchingPlatform(platforms: KrewPlatform[]): KrewPlatform {
  const labels: Record<string, string | undefined> = { os: process.platform, arch: GOARCH[process.arch] };
  const p = platforms.find(pl => {
    if (pl.selector.matchExpressions) throw new Error('this emulation of krew reads matchLabels only');
    return Object.entries(pl.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  });
  if (!p) throw new Error(`no platform for ${process.platform}/${process.arch}`);
  return p;
}

/**
 * What `kubectl krew install --manifest=M --archive=A` does, without its receipt: check the
 * archive's sha256, unpack it into a staging directory, move each `files` entry into
 * $KREW_ROOT/store/NAME/VERSION, and link $KREW_ROOT/bin/kubectl-NAME to the platform's `bin`.
 */
async function krewInstall(manifestPath: string, archivePath: string, krewRoot: string): Promise<{ installDir: string; link: string }> {
  const name = basename(manifestPath, '.yaml');
  const plugin = validateKrewManifest(readFileSync(manifestPath, 'utf8'), name);
  const platform = matchingPlatform(plugin.spec.platforms);
  expect(sha256Hex(readFileSync(archivePath))).toBe(platform.sha256);
  const staging = mkdtempSync(join(work, 'krew-downloads-'));
  await run('tar', ['-xzf', archivePath, '-C', staging]);
  const moved = mkdtempSync(join(work, 'krew-temp-move-'));
  for (const op of platform.files ?? [{ from: '*', to: '.' }]) {
    const from = join(staging, op.from);
    // Every rule in our manifest names one file; krew's glob rules are not needed here.
    if (!existsSync(from)) throw new Error(`files rule ${JSON.stringify(op)}: ${op.from} is not in the archive`);
    renameSync(from, join(moved, op.to === '.' ? basename(from) : op.to));
  }
  const installDir = join(krewRoot, 'store', name, plugin.spec.version);
  mkdirSync(dirname(installDir), { recursive: true });
  renameSync(moved, installDir);
  mkdirSync(join(krewRoot, 'bin'), { recursive: true });
  const link = join(krewRoot, 'bin', `kubectl-${name.replace(/-/g, '_')}`);
  symlinkSync(join(installDir, platform.bin), link);
  return { installDir, link };
}

/** Runs `bin` with exactly `path` as PATH, a scratch HOME and working directory. */
function runClean(bin: string, args: string[], path: string[]): Promise<RunResult> {
  const home = mkdtempSync(join(work, 'home-'));
  return new Promise(resolve => {
    execFile(bin, args, { cwd: home, env: { PATH: path.join(':'), HOME: home }, timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : -1) : 0 }),
    );
  });
}

const isUnder = (dir: string, parent: string) => !relative(parent, dir).startsWith('..');

beforeAll(async () => {
  const shared = sharedTestCluster();
  kc = shared.kubeConfig;
  kubeconfigPath = shared.kubeconfigPath;
  kubectlBin = shared.kubectlPath;
  ns = await createTestNamespace(kc, 'release');
});

describe('the krew release', () => {
  let releaseDir: string;
  let archivePath: string;
  let manifestPath: string;

  beforeAll(async () => {
    await releaseInto([]);
    releaseDir = DEFAULT_OUT_DIR;
    archivePath = join(releaseDir, archiveName(version));
    manifestPath = join(releaseDir, 'k0smotron.yaml');
  });

  it('writes the archive, its checksum and a krew manifest that names both', async () => {
    expect(readdirSync(releaseDir).sort()).toEqual([`${archiveName(version)}.sha256`, archiveName(version), 'k0smotron.yaml'].sort());
    const sha = sha256Hex(readFileSync(archivePath));
    expect(readFileSync(`${archivePath}.sha256`, 'utf8')).toBe(`${sha}  ${archiveName(version)}\n`);
    expect((await run('sha256sum', ['-c', `${archiveName(version)}.sha256`], { cwd: releaseDir })).stdout).toBe(`${archiveName(version)}: OK\n`);
    const m = validateKrewManifest(readFileSync(manifestPath, 'utf8'), 'k0smotron');
    expect(m.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(m.spec.version).toBe(`v${version}`);
    const uri = `https://downloads.example.test/kubectl-k0smotron/v${version}/${archiveName(version)}`;
    expect(m.spec.platforms.map(p => [p.selector.matchLabels?.os, p.uri, p.sha256, p.bin])).toEqual([
      ['linux', uri, sha, 'kubectl-k0smotron'],
      ['darwin', uri, sha, 'kubectl-k0smotron'],
    ]);
  });

  it('archives exactly the plugin, its completion entry point and LICENSE, owned by 0:0', async () => {
    const { stdout } = await run('tar', ['--numeric-owner', '-tvzf', archivePath], { env: { ...process.env, TZ: 'UTC' } });
    expect(stdout.split('\n').map(l => l.split(/\s+/).filter((_w, i) => i !== 2 && i !== 4))).toEqual([
      ['-rw-r--r--', '0/0', '1970-01-01', 'LICENSE'],
      ['-rwxr-xr-x', '0/0', '1970-01-01', 'kubectl-k0smotron'],
      ['-rwxr-xr-x', '0/0', '1970-01-01', 'kubectl_complete-k0smotron'],
      [''],
    ]);
  });

  it('is reproducible: a second release gives the same bytes', async () => {
    const again = join(work, 'again');
    await releaseInto(['--out-dir', again]);
    expect(sha256Hex(readFileSync(join(again, archiveName(version))))).toBe(sha256Hex(readFileSync(archivePath)));
    expect(readFileSync(join(again, 'k0smotron.yaml'), 'utf8')).toBe(readFileSync(manifestPath, 'utf8'));
  });

  describe('installed as krew installs it', () => {
    let installDir: string;
    let link: string;
    let path: string[];
    const cluster = `rel-${process.pid}`;
    const k = (args: string[]) => runClean(kubectlBin, ['k0smotron', ...args, '--kubeconfig', kubeconfigPath], path);

    beforeAll(async () => {
      const krewRoot = join(work, 'krew');
      ({ installDir, link } = await krewInstall(manifestPath, archivePath, krewRoot));
      const kubectlDir = dirname(realpathSync(kubectlBin));
      path = [join(krewRoot, 'bin'), dirname(process.execPath), kubectlDir];
      // Only krew's link may provide the plugin: nothing from the repository's node_modules.
      expect(isUnder(kubectlDir, join(repoRoot, 'node_modules'))).toBe(false);
      expect(isUnder(dirname(process.execPath), repoRoot)).toBe(false);
    });

    it('lays out the store and bin directories as krew does', async () => {
      expect(installDir).toBe(join(work, 'krew', 'store', 'k0smotron', `v${version}`));
      expect(readdirSync(installDir).sort()).toEqual(['LICENSE', 'kubectl-k0smotron', 'kubectl_complete-k0smotron']);
      expect(realpathSync(link)).toBe(join(installDir, 'kubectl-k0smotron'));
      const list = await runClean(kubectlBin, ['plugin', 'list'], path);
      expect(list.stdout.split('\n').filter(l => l.includes('k0smotron'))).toEqual([link]);
    });

    it('kubectl k0smotron version prints the package version', async () => {
      const r = await k(['version']);
      expect(r).toEqual({ code: 0, stderr: '', stdout: expect.stringMatching(new RegExp(`^kubectl-k0smotron v${version.replace(/\./g, '\\.')} \\(node v`)) });
    });

    it('prints the operator manifest it embeds, not one from the repository', async () => {
      const r = await k(['install', '-o', 'yaml']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(readFileSync(operatorManifest, 'utf8'));
    });

    it('creates a Cluster on the test cluster and reports its status', async () => {
      const created = await k(['create', cluster, '-n', ns]);
      expect(created).toEqual({ code: 0, stdout: `cluster.k0smotron.io/${cluster} created\n`, stderr: '' });
      const stored = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: 'k0smotron.io',
        version: 'v1beta2',
        namespace: ns,
        plural: 'clusters',
        name: cluster,
      })) as { metadata: { name: string } };
      expect(stored.metadata.name).toBe(cluster);
      const status = await k(['status', cluster, '-n', ns]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^Cluster Summary\\n[^]*Name:\\s+${ns}/${cluster}\\n`));
      expect(status.stdout).toContain('\nControl Plane\n');
      const missing = await k(['status', 'absent', '-n', ns]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^error: .*absent.*not found/);
    });

    it('answers completion through the kubectl_complete-k0smotron krew leaves in the store, also through a link on PATH', async () => {
      const direct = await runClean(join(installDir, 'kubectl_complete-k0smotron'), ['wa'], path);
      expect(direct).toEqual({ code: 0, stdout: 'wake\n:4\n', stderr: '' });
      const linkDir = mkdtempSync(join(work, 'completion-'));
      symlinkSync(join(installDir, 'kubectl_complete-k0smotron'), join(linkDir, 'kubectl_complete-k0smotron'));
      const linked = await runClean(join(linkDir, 'kubectl_complete-k0smotron'), ['sl'], path);
      expect(linked).toEqual({ code: 0, stdout: 'sleep\n:4\n', stderr: '' });
    });
  });
});

describe('the npm package', () => {
  const expected = ['LICENSE', 'README.md', 'bin/kubectl-k0smotron', 'bin/kubectl_complete-k0smotron', 'dist/kubectl-k0smotron.js', 'package.json'];
  let tarball: string;

  beforeAll(async () => {
    const dest = mkdtempSync(join(work, 'pack-'));
    const { stdout } = await run('flock', [LOCK, 'npm', 'pack', '-w', 'kubectl-k0smotron', '--pack-destination', dest, '--json'], {
      cwd: repoRoot,
      timeout: 240_000,
      maxBuffer: 16 << 20,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed.files.map(f => f.path).sort()).toEqual(expected);
    tarball = join(dest, packed.filename);
  });

  it('packs only the bins, the bundle, README and LICENSE (also in a dry run)', async () => {
    const { stdout } = await run('npm', ['pack', '-w', 'kubectl-k0smotron', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, maxBuffer: 16 << 20 });
    const [listed] = JSON.parse(stdout) as { files: { path: string }[] }[];
    expect(listed.files.map(f => f.path).sort()).toEqual(expected);
    expect(readFileSync(join(pkgDir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
  });

  it('installs globally with nothing to fetch and runs', async () => {
    const prefix = mkdtempSync(join(work, 'prefix-'));
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { timeout: 120_000 });
    const installed = join(prefix, 'lib', 'node_modules', 'kubectl-k0smotron');
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
    const v = await runClean(join(prefix, 'bin', 'kubectl-k0smotron'), ['version'], [dirname(process.execPath)]);
    expect(v.stdout).toMatch(new RegExp(`^kubectl-k0smotron v${version.replace(/\./g, '\\.')} \\(node v`));
    const complete = await runClean(join(prefix, 'bin', 'kubectl_complete-k0smotron'), ['wa'], [dirname(process.execPath)]);
    expect(complete.stdout).toBe('wake\n:4\n');
  });
});
