import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS } from './runtime';

it("the image's ENTRYPOINT runs node with the operator's flags", () => {
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  expect(line).not.toBeNull();
  const argv = JSON.parse(line![1]) as string[];
  expect(argv[0]).toBe('node');
  const nodeFlags = argv.slice(1, argv.indexOf('/app/main.js'));
  expect(nodeFlags).toEqual(expect.arrayContaining([...OPERATOR_NODE_FLAGS]));
});
