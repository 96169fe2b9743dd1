import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

// The main entry is used by the Backstage frontend: it must bundle for browsers with no Node
// built-in (and no @kubernetes/client-node runtime code, which needs Node), and without what only
// servers and the CLI need: the validator (ajv and its compiled schemas) and the CRD builders,
// which have their own entries.
describe('@k0smotron/api main entry', () => {
  it('bundles for the browser without Node built-ins', async () => {
    const nodeImports: string[] = [];
    const result = await build({
      entryPoints: [join(__dirname, 'index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'forbid-node-builtins',
          setup(b) {
            b.onResolve({ filter: /.*/ }, args => {
              const bare = args.path.replace(/^node:/, '');
              if (args.path.startsWith('node:') || builtinModules.includes(bare)) {
                nodeImports.push(`${args.path} (from ${args.importer})`);
              }
              return undefined;
            });
          },
        },
      ],
    });
    expect(result.errors).toEqual([]);
    expect(nodeImports).toEqual([]);
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.filter(i => i.includes('@kubernetes/client-node'))).toEqual([]);
    expect(inputs.filter(i => i.includes('crds/src/client'))).toEqual([]);
    expect(inputs.filter(i => /node_modules\/ajv/.test(i))).toEqual([]);
    expect(inputs.filter(i => /crds\/src\/(validate|crd)\.ts$/.test(i))).toEqual([]);
  });
});
