// Bundles the plugin into one file, dist/kubectl-k0smotron.js, that runs on plain Node with no
// node_modules. The command implementations (Kubernetes client and all) and, separately, the
// `list` command (no generated API) are bundled first and appended to the CLI bundle inside
// comments, each compiled only when a command needs it; so `--help` parses ~200 KiB instead of
// megabytes, and `list` a few hundred KiB. The operator manifest is embedded too.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const manifestPath = join(root, '..', 'operator', 'deploy', 'install.yaml');
const outfile = join(root, 'dist', 'kubectl-k0smotron.js');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // ASCII output (esbuild escapes the rest), so the payload can be read as latin1, cheaply.
  charset: 'ascii',
  logLevel: 'warning',
  write: false,
};

/**
 * Replaces src/lazy.ts with a loader that compiles an embedded payload on first use: the CLI
 * (yargs and every command's definition), the command bundle, or the small `list` bundle. What
 * runs before is only the entry (cli.ts: the yargs-free `list` reader and this loader), so a
 * plain `list` never parses the CLI. Compiling megabytes of JavaScript dominates a command's run
 * time, so the compiled code is kept in V8's code cache under ~/.cache/kubectl-k0smotron (keyed by
 * a hash of the payload, which the footer gives); later runs skip the compile. Any cache problem
 * falls back to a plain compile. Only the payload that runs is read from the file: the footer
 * gives each one's offsets.
 */
const embedPayloads: Plugin = {
  name: 'embed-payloads',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/lazy$/ }, () => ({ path: 'lazy', namespace: 'embedded' }));
    b.onLoad({ filter: /.*/, namespace: 'embedded' }, () => ({
      loader: 'js',
      contents: `
const Module = require('module');
const vm = require('vm');
const fs = require('fs');
const path = require('path');
const os = require('os');
const loaded = {};
function cacheFile(name, hash) {
  const base = process.env.KUBECTL_K0SMOTRON_CACHE_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kubectl-k0smotron');
  return path.join(base, name + '-' + hash + '.v8');
}
/**
 * A payload rides in comments after the CLI code: the big command bundle brotli-compressed in
 * base64 (which has no "*" to end the comment early), the CLI and the small \`list\` bundle as they
 * are (cut at each "*" "/" into several comments), since decompressing costs a run more than Node
 * reading and V8 skipping their comments. The footer gives each payload's pieces and hash:
 * { z: compressed, s: [[from, to], ...], h }.
 */
function payload(name) {
  const damaged = () => new Error('kubectl-k0smotron: the bundle is damaged (no ' + name + ' payload); reinstall it');
  const fd = fs.openSync(__filename, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(${FOOTER_MAX}, size));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const text = tail.toString('latin1');
    const i = text.lastIndexOf(${JSON.stringify(FOOTER_TAG)});
    const at = i >= 0 && JSON.parse(text.slice(i + ${FOOTER_TAG.length}))[name];
    if (!at) throw damaged();
    const from = at.s[0][0];
    const buf = Buffer.allocUnsafe(at.s[at.s.length - 1][1] - from);
    if (fs.readSync(fd, buf, 0, buf.length, from) !== buf.length) throw damaged();
    const code = at.s.map(([a, b]) => buf.latin1Slice(a - from, b - from)).join('');
    return { hash: at.h, code: at.z ? require('zlib').brotliDecompressSync(Buffer.from(code, 'base64')).toString('latin1') : code };
  } finally {
    fs.closeSync(fd);
  }
}
function load(name) {
  if (loaded[name]) return Promise.resolve(loaded[name]);
  const { code, hash } = payload(name);
  const file = process.env.KUBECTL_K0SMOTRON_NO_CODE_CACHE ? undefined : cacheFile(name, hash);
  let cachedData;
  if (file) { try { cachedData = fs.readFileSync(file); } catch {} }
  const script = new vm.Script(Module.wrap(code), { filename: __filename + '#' + name, cachedData });
  const m = new Module(__filename, module);
  m.filename = __filename;
  m.paths = Module._nodeModulePaths(__dirname);
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(__filename), m, __filename, __dirname);
  if (file && (!cachedData || script.cachedDataRejected)) {
    // Written at exit, so the functions this run compiled lazily are in the cache too.
    process.once('exit', () => {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = file + '.' + process.pid;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, file);
        // This payload's caches from earlier builds are dead weight.
        for (const f of fs.readdirSync(path.dirname(file))) {
          if (f.startsWith(name + '-') && /^[a-z]+-[0-9a-f]+\\.v8$/.test(f) && f !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), f), { force: true });
        }
      } catch {}
    });
  }
  loaded[name] = m.exports;
  return Promise.resolve(loaded[name]);
}
export function loadCommands() { return load('commands'); }
export function loadListCommand() { return load('list'); }
export function loadMain() { return load('main'); }
`,
    }));
  },
};

const FOOTER_TAG = '//@@kubectl-k0smotron payloads';
const FOOTER_MAX = 1024;

/**
 * For the `list` bundle: client-node's KubeConfig without the generated API. config.js imports
 * only createConfiguration and ServerConfiguration from it, which makeApiClient uses and `list`
 * never calls; applyToHTTPSOptions (TLS material, tokens, exec and auth-provider plugins) does not
 * touch them.
 */
const kubeConfigOnly: Plugin = {
  name: 'kubeconfig-only',
  setup(b) {
    const clientNode = join(root, '..', 'node_modules', '@kubernetes', 'client-node', 'dist');
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: join(clientNode, 'config.js') }));
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, args =>
      args.importer === join(clientNode, 'config.js') ? { path: 'gen', namespace: 'no-generated-api' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-generated-api' }, () => ({
      loader: 'js',
      contents: `const absent = () => { throw new Error('kubectl-k0smotron: the generated Kubernetes API is not in the list bundle'); };
export const createConfiguration = absent;
export class ServerConfiguration { constructor() { absent(); } }`,
    }));
  },
};

/**
 * For the `list` bundle: client-node's SOCKS proxy support (socks-proxy-agent and the socks and
 * ip-address packages under it, whose set-up costs every run a few ms) loads only when a
 * kubeconfig's proxy-url asks for SOCKS. client-node only ever calls `new SocksProxyAgent(...)`.
 */
const lazySocksProxy: Plugin = {
  name: 'lazy-socks-proxy',
  setup(b) {
    b.onResolve({ filter: /^socks-proxy-agent$/ }, args =>
      args.namespace === 'lazy-socks-proxy' ? undefined : { path: args.resolveDir, namespace: 'lazy-socks-proxy' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-socks-proxy' }, args => ({
      loader: 'js',
      resolveDir: args.path,
      contents: `export class SocksProxyAgent {
  constructor(...args) {
    const { SocksProxyAgent: Agent } = require('socks-proxy-agent');
    return new Agent(...args);
  }
}`,
    }));
  },
};

const PAYLOAD_START = '\n/*@@kubectl-k0smotron payload@@\n';
const PAYLOAD_END = '\n@@end@@*/\n';

/** Optional dependencies of node-fetch v2 that Node makes unnecessary (global URL, no charset conversion). */
const stubUnused: Plugin = {
  name: 'stub-unused',
  setup(b) {
    b.onResolve({ filter: /^(encoding|whatwg-url)$/ }, args => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ loader: 'js', contents: 'module.exports = {};' }));
  },
};

/**
 * yargs' ES module build lays out help with cliui's ES module build, whose wrap cuts words at
 * the column limit ("Clust" / "ers"); its CommonJS build wraps at word boundaries (wrap-ansi).
 */
const cliuiWordWrap: Plugin = {
  name: 'cliui-word-wrap',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, args => ({ path: createRequire(args.importer).resolve('cliui') }));
  },
};

/**
 * yargs' factory guesses the program's version on construction (`yargs.version()`), walking up
 * from the bundle's (or the working) directory reading each directory and package.json: ~15 ms
 * of every run, for a version main.ts switches off at once with `.version(false)`.
 */
const yargsNoVersionGuess: Plugin = {
  name: 'yargs-no-version-guess',
  setup(b) {
    b.onLoad({ filter: /yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, args => {
      const code = readFileSync(args.path, 'utf8');
      const call = '        yargs.version();\n';
      if (!code.includes(call)) throw new Error(`${args.path}: the version guess to skip was not found (yargs changed?)`);
      return { contents: code.replace(call, ''), loader: 'js' };
    });
  },
};

/**
 * dist/ is itself an npm package without dependencies (everything is in the bundle), so
 * `npm pack dist && npm i -g kubectl-k0smotron-*.tgz` works anywhere Node does.
 */
function writeInstallablePackage(version: string): void {
  const dist = join(root, 'dist');
  writeFileSync(
    join(dist, 'package.json'),
    `${JSON.stringify(
      {
        name: 'kubectl-k0smotron',
        version,
        description: 'kubectl plugin for k0smotron hosted control planes',
        license: 'Apache-2.0',
        engines: { node: '>=20.19' },
        bin: { 'kubectl-k0smotron': 'kubectl-k0smotron.js', 'kubectl_complete-k0smotron': 'kubectl_complete-k0smotron.js' },
        files: ['kubectl-k0smotron.js', 'kubectl_complete-k0smotron.js'],
      },
      null,
      2,
    )}\n`,
  );
  const complete = join(dist, 'kubectl_complete-k0smotron.js');
  writeFileSync(
    complete,
    "#!/usr/bin/env node\n// kubectl >= 1.26 runs this for `kubectl k0smotron <TAB>`.\nprocess.argv.splice(2, 0, '__complete');\nrequire('./kubectl-k0smotron.js');\n",
  );
  chmodSync(complete, 0o755);
}

async function main(): Promise<void> {
  const started = Date.now();
  const manifest = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : undefined;
  const define = {
    __PLUGIN_VERSION__: JSON.stringify(`v${pkg.version}`),
    ...(manifest !== undefined ? { __INSTALL_YAML__: JSON.stringify(manifest) } : {}),
  };
  const commands = (await build({ ...common, entryPoints: [join(root, 'src', 'commands', 'index.ts')], define, plugins: [stubUnused] })).outputFiles![0].text;
  const list = (
    await build({
      ...common,
      entryPoints: [join(root, 'src', 'commands', 'list-entry.ts')],
      define,
      plugins: [stubUnused, kubeConfigOnly, lazySocksProxy],
    })
  ).outputFiles![0].text;
  const main = (
    await build({
      ...common,
      entryPoints: [join(root, 'src', 'main.ts')],
      define,
      plugins: [embedPayloads, cliuiWordWrap, yargsNoVersionGuess],
    })
  ).outputFiles![0].text;
  const payloads = { main, commands, list };
  const cli = await build({
    ...common,
    entryPoints: [join(root, 'src', 'cli.ts')],
    banner: { js: '#!/usr/bin/env node' },
    define,
    plugins: [embedPayloads],
  });
  // Each payload sits inside a block comment. The file is ASCII, so character offsets are byte offsets.
  let text = cli.outputFiles![0].text;
  const at: Record<string, { z: 0 | 1; s: [number, number][]; h: string }> = {};
  for (const [name, code] of Object.entries(payloads)) {
    // ASCII, so that the loader may decode it as latin1 (cheaper than UTF-8).
    if (/[\u0080-\uffff]/.test(code)) throw new Error(`the ${name} bundle is not ASCII`);
    const h = createHash('sha256').update(code).digest('hex').slice(0, 16);
    if (name !== 'commands') {
      // Comment i holds the code between the i-th and the next "*/", with the "*" at its end and
      // the "/" at the start of the next: joined, they give the code back.
      const cuts = code.split('*/');
      const s: [number, number][] = [];
      cuts.forEach((piece, i) => {
        const body = `${i > 0 ? '/' : ''}${piece}${i < cuts.length - 1 ? '*' : ''}`;
        text += '\n/*';
        s.push([text.length, text.length + body.length]);
        text += `${body}*/`;
      });
      at[name] = { z: 0, s, h };
      continue;
    }
    text += PAYLOAD_START;
    const packed = brotliCompressSync(code, {
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: code.length },
    }).toString('base64');
    at[name] = { z: 1, s: [[text.length, text.length + packed.length]], h };
    text += packed + PAYLOAD_END;
  }
  const footer = `${FOOTER_TAG} ${JSON.stringify(at)}\n`;
  if (footer.length > FOOTER_MAX) throw new Error('the payload footer is too long');
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(outfile, text + footer);
  chmodSync(outfile, 0o755);
  writeInstallablePackage(pkg.version);
  const kb = Math.round(statSync(outfile).size / 1024);
  process.stderr.write(
    `built ${outfile} (${kb} KiB) in ${Date.now() - started} ms` +
      (manifest === undefined ? '; WARNING: operator/deploy/install.yaml is missing, so install/uninstall will fail' : '') +
      '\n',
  );
}

main().catch(err => {
  process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
