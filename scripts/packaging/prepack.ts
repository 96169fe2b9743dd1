// prepack of every published package: Backstage's prepack (package.json pointed at dist/), then
// the repository-only `./testing` entry point taken out (see dev-entry-points.ts). postpack is
// Backstage's, which restores the package.json kept by its prepack.
import { spawnSync } from 'node:child_process';
import { stripDevEntryPoint } from './dev-entry-points';

const r = spawnSync('backstage-cli', ['package', 'prepack'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
for (const path of stripDevEntryPoint(process.cwd())) process.stderr.write(`prepack: left out ${path} (repository test support)\n`);
