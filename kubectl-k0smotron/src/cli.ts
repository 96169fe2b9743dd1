// Entry point of the executable bundle. A plain `list` skips yargs (list-fast.ts); everything
// else goes through main(), which the bundle keeps apart and compiles only then (./lazy.ts).
import { parseFastList, runFastList } from './list-fast';
import { loadMain } from './lazy';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
const argv = process.argv.slice(2);
const fast = parseFastList(argv);
(fast ? runFastList(fast, io) : loadMain().then(m => m.main(argv, io))).then(
  code => {
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
