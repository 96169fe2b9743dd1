// Bundles the plugin into one file, dist/kubectl-k0smotron.js, that runs on plain Node with no
// node_modules. Two passes: the command implementations (Kubernetes client and all) are bundled
// first and embedded as a string in the CLI bundle, compiled only when a command runs; so
// `--help` parses ~200 KiB instead of megabytes. The operator manifest is embedded too.
import { build, type BuildOptions, type Plugin } from 'esbuild';
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
  logLevel: 'warning',
  write: false,
};

/** Replaces src/lazy.ts with a loader that compiles the embedded command bundle on first use. */
function embedCommands(code: string): Plugin {
  return {
    name: 'embed-commands',
    setup(b) {
      b.onResolve({ filter: /^\.\/lazy$/ }, () => ({ path: 'lazy', namespace: 'embedded' }));
      b.onLoad({ filter: /.*/, namespace: 'embedded' }, () => ({
        loader: 'js',
        contents: `
const Module = require('module');
let loaded;
export function loadCommands() {
  if (!loaded) {
    const m = new Module(__filename, module);
    m.filename = __filename;
    m.paths = Module._nodeModulePaths(__dirname);
    m._compile(COMMANDS, __filename);
    loaded = m.exports;
  }
  return Promise.resolve(loaded);
}
const COMMANDS = ${JSON.stringify(code)};
`,
      }));
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const manifest = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : undefined;
  const define = {
    __PLUGIN_VERSION__: JSON.stringify(`v${pkg.version}`),
    ...(manifest !== undefined ? { __INSTALL_YAML__: JSON.stringify(manifest) } : {}),
  };
  const commands = await build({ ...common, entryPoints: [join(root, 'src', 'commands', 'index.ts')], define });
  const cli = await build({
    ...common,
    entryPoints: [join(root, 'src', 'cli.ts')],
    banner: { js: '#!/usr/bin/env node' },
    define,
    plugins: [embedCommands(commands.outputFiles![0].text)],
  });
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(outfile, cli.outputFiles![0].contents);
  chmodSync(outfile, 0o755);
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
