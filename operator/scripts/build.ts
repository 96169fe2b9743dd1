// Bundle the standalone operator into one CommonJS file, dist-bundle/main.js, for the container
// image (dist/ is the library build that npm publishes).
// Usage: npx tsx operator/scripts/build.ts
import * as path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');

/** Bundles src/main.ts into `outfile`; returns its size in bytes. */
export async function buildOperatorBundle(outfile = path.join(root, 'dist-bundle/main.js')): Promise<number> {
  const result = await build({
    entryPoints: [path.join(root, 'src/main.ts')],
    outfile,
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
  const out = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('.js'));
  return out ? out[1].bytes : 0;
}

if (require.main === module) {
  const started = Date.now();
  buildOperatorBundle().then(
    bytes => process.stdout.write(`operator/dist-bundle/main.js: ${Math.round(bytes / 1024)} KiB in ${Date.now() - started} ms\n`),
    err => {
      process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
