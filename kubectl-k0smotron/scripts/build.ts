// Bundles the plugin into one file, dist/kubectl-k0smotron.js, that runs on plain Node with no
// node_modules. Two passes: the command implementations (Kubernetes client and all) are bundled
// first and appended to the CLI bundle inside a comment, compiled only when a command runs; so
// `--help` parses ~200 KiB instead of megabytes. The operator manifest is embedded too.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
 * Replaces src/lazy.ts with a loader that compiles the embedded command bundle on first use.
 * Compiling ~4 MB of JavaScript dominates a command's run time, so the compiled code is kept in
 * V8's code cache under ~/.cache/kubectl-k0smotron (keyed by a hash of the code); later runs
 * skip the compile. Any cache problem falls back to a plain compile.
 */
function embedCommands(code: string): Plugin {
  const buildId = createHash('sha256').update(code).digest('hex').slice(0, 16);
  return {
    name: 'embed-commands',
    setup(b) {
      b.onResolve({ filter: /^\.\/lazy$/ }, () => ({ path: 'lazy', namespace: 'embedded' }));
      b.onLoad({ filter: /.*/, namespace: 'embedded' }, () => ({
        loader: 'js',
        contents: `
const Module = require('module');
const vm = require('vm');
const fs = require('fs');
const path = require('path');
const os = require('os');
let loaded;
function cacheFile() {
  const base = process.env.KUBECTL_K0SMOTRON_CACHE_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kubectl-k0smotron');
  return path.join(base, 'commands-${buildId}.v8');
}
/** The command bundle rides in a comment at the end of this file: V8 skips it when parsing. */
function payload() {
  const text = fs.readFileSync(__filename, 'latin1');
  const start = text.lastIndexOf(${JSON.stringify(PAYLOAD_START)});
  const end = text.lastIndexOf(${JSON.stringify(PAYLOAD_END)});
  if (start < 0 || end < start) throw new Error('kubectl-k0smotron: the bundle is damaged (no command payload); reinstall it');
  return text.slice(start + ${PAYLOAD_START.length}, end).split(${JSON.stringify(COMMENT_END_MARK)}).join('*/');
}
export function loadCommands() {
  if (loaded) return Promise.resolve(loaded);
  const file = process.env.KUBECTL_K0SMOTRON_NO_CODE_CACHE ? undefined : cacheFile();
  let cachedData;
  if (file) { try { cachedData = fs.readFileSync(file); } catch {} }
  const script = new vm.Script(Module.wrap(payload()), { filename: __filename + '#commands', cachedData });
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
        // Caches of earlier builds are dead weight.
        for (const f of fs.readdirSync(path.dirname(file))) {
          if (/^commands-[0-9a-f]+\\.v8$/.test(f) && path.join(path.dirname(file), f) !== file) fs.rmSync(path.join(path.dirname(file), f), { force: true });
        }
      } catch {}
    });
  }
  loaded = m.exports;
  return Promise.resolve(loaded);
}
`,
      }));
    },
  };
}

const PAYLOAD_START = '\n/*@@kubectl-k0smotron commands@@\n';
const PAYLOAD_END = '\n@@end@@*/\n';
const COMMENT_END_MARK = '*@@k0s@@/';

/** Optional dependencies of node-fetch v2 that Node makes unnecessary (global URL, no charset conversion). */
const stubUnused: Plugin = {
  name: 'stub-unused',
  setup(b) {
    b.onResolve({ filter: /^(encoding|whatwg-url)$/ }, args => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ loader: 'js', contents: 'module.exports = {};' }));
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
  const commands = await build({ ...common, entryPoints: [join(root, 'src', 'commands', 'index.ts')], define, plugins: [stubUnused] });
  const cli = await build({
    ...common,
    entryPoints: [join(root, 'src', 'cli.ts')],
    banner: { js: '#!/usr/bin/env node' },
    define,
    plugins: [embedCommands(commands.outputFiles![0].text)],
  });
  const code = commands.outputFiles![0].text;
  // The payload sits inside a block comment, so every "*/" in it is written as a marker and
  // restored before compiling.
  if (!/^[\x00-\x7f]*$/.test(code)) throw new Error('the command bundle is not ASCII');
  if (code.includes(COMMENT_END_MARK)) throw new Error(`the command bundle contains ${COMMENT_END_MARK}; pick another marker`);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(outfile, cli.outputFiles![0].text + PAYLOAD_START + code.split('*/').join(COMMENT_END_MARK) + PAYLOAD_END);
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
