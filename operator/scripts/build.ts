// Bundle the standalone operator into one CommonJS file, dist/main.js, for the container image.
// Usage: npx tsx operator/scripts/build.ts
import * as path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const started = Date.now();
  const result = await build({
    entryPoints: [path.join(root, 'src/main.ts')],
    outfile: path.join(root, 'dist/main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    minify: false,
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    // Optional native/cloud modules client-node references but the operator never loads.
    external: ['bufferutil', 'utf-8-validate'],
  });
  const out = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('main.js'));
  const kb = out ? Math.round(out[1].bytes / 1024) : 0;
  process.stdout.write(`operator/dist/main.js: ${kb} KiB in ${Date.now() - started} ms\n`);
}

main().catch(err => {
  process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
