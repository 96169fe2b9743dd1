// Writes the Kustomize layout (operator/deploy/{base,crds,cluster-wide,namespaced}), the committed
// installs rendered from it (operator/deploy/install.yaml, install-namespaced.yaml) and
// Backstage's RBAC (plugins/k0smotron-backend/deploy/rbac*.yaml), or prints one variant for other
// namespaces and names. Run: npx tsx operator/scripts/generate-install.ts --help
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GENERATE_USAGE, generatedFiles, parseGenerateArgs } from '../src/deploy/install';

const root = join(__dirname, '../..');
try {
  const req = parseGenerateArgs(process.argv.slice(2));
  if (req.kind === 'help') process.stdout.write(GENERATE_USAGE);
  else if (req.kind === 'print') process.stdout.write(req.yaml);
  else {
    for (const f of generatedFiles()) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content);
      process.stdout.write(`wrote ${f.path}\n`);
    }
  }
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 2;
}
