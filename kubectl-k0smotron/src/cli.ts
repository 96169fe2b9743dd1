// Entry point of the executable bundle. A plain `list` skips yargs (list-fast.ts); everything
// else goes through main(), whose module (yargs and every command's definition) is evaluated only
// then: the bundle keeps a dynamically imported module unevaluated until the import runs.
import { parseFastList, runFastList } from './list-fast';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
const argv = process.argv.slice(2);
const fast = parseFastList(argv);
(fast ? runFastList(fast, io) : import('./main').then(m => m.main(argv, io))).then(
  code => {
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
