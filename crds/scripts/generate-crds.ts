// Writes crds/*.yaml from the TypeBox schemas. Run: npm run generate -w @k0smotron/api
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdFiles, crdToYaml } from '../src/crd';

const dir = join(__dirname, '..');
for (const [file, crd] of Object.entries(crdFiles())) {
  writeFileSync(join(dir, file), crdToYaml(crd));
  console.log(`wrote crds/${file}`);
}
