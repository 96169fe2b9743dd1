// Writes operator/deploy/install.yaml. Run: npx tsx operator/scripts/generate-install.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderInstallYaml } from '../src/deploy/install';

const file = join(__dirname, '../deploy/install.yaml');
writeFileSync(file, renderInstallYaml());
process.stdout.write(`wrote operator/deploy/install.yaml\n`);
