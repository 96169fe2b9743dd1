// kubectl's verbosity flag, read before any parser sees the words (main.ts, list-fast.ts).

/**
 * kubectl spells verbosity `-v=6`, `--v=6`, `-v6` or `-v 6`; yargs counts `-v -v`. All are
 * accepted: a number after `-v` is its level (as in kubectl), never a positional argument.
 */
export function extractVerbosity(argv: string[]): { argv: string[]; level: number } {
  let level = 0;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const joined = /^(?:--?v(?:erbose)?=|-v)([0-9]+)$/.exec(a);
    if (joined) {
      level = Math.max(level, Number(joined[1]));
    } else if (/^--?v(?:erbose)?$/.test(a) && /^[0-9]+$/.test(argv[i + 1] ?? '')) {
      level = Math.max(level, Number(argv[i + 1]));
      i++;
    } else {
      out.push(a);
    }
  }
  return { argv: out, level };
}
