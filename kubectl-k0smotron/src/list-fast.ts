// `kubectl k0smotron list` without yargs. Listing is the command run most often, and building the
// full yargs parser (every command, every flag) costs a list run ~20 ms before its request can go
// out. So the entry (cli.ts) first tries this reader: it takes only the plain spellings of the
// flags `list` has, and answers `undefined` for anything else (help, `--`, repeated or unknown
// flags, counted -v, values that look like flags), which then goes through yargs as every other
// command does. For what it takes, it must give what yargs gives: list-fast.test.ts checks that.
import type { ListArgs } from './commands/list';
import type { GlobalFlags, Io } from './session';
import { reportError } from './errors';
import { extractVerbosity } from './verbosity';
import { loadListCommand } from './lazy';

export interface FastList {
  flags: GlobalFlags;
  args: ListArgs;
}

/** Flags that take a value: their spellings → the key yargs gives them. */
const VALUE_FLAGS: Readonly<Record<string, keyof GlobalFlags | 'output' | 'selector'>> = {
  '--kubeconfig': 'kubeconfig',
  '--context': 'context',
  '-n': 'namespace',
  '--namespace': 'namespace',
  '--request-timeout': 'requestTimeout',
  '--color': 'color',
  '-o': 'output',
  '--output': 'output',
  '-l': 'selector',
  '--selector': 'selector',
};

/** `list`/`get` argv as yargs would parse it (the words after the plugin's name), or undefined. */
export function parseFastList(rawArgv: readonly string[]): FastList | undefined {
  if (rawArgv[0] !== 'list' && rawArgv[0] !== 'get') return undefined;
  const { argv, level } = extractVerbosity(rawArgv.slice(1));
  const flags: GlobalFlags = { color: 'auto', v: level };
  const args: ListArgs = { names: [], headers: true };
  const seen = new Set<string>();
  const once = (key: string): boolean => !seen.has(key) && !!seen.add(key);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) {
      args.names!.push(a);
      continue;
    }
    if (a === '-A' || a === '--all-namespaces') {
      if (!once('allNamespaces')) return undefined;
      flags.allNamespaces = true;
      continue;
    }
    if (a === '--headers' || a === '--no-headers') {
      if (!once('headers')) return undefined;
      args.headers = a === '--headers';
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const key = VALUE_FLAGS[name];
    if (!key || !once(key)) return undefined;
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    // yargs reads `-n -A` and `-n ''` in ways of its own: leave those to it.
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (key === 'output' || key === 'selector') args[key] = value;
    else (flags as Record<string, unknown>)[key] = value;
  }
  return { flags, args };
}

/** Runs a `list` that parseFastList took; the exit code, as main() would give it. */
export async function runFastList(parsed: FastList, io: Io): Promise<number> {
  try {
    const { runList, newSession } = await loadListCommand();
    await runList(newSession(parsed.flags, io), parsed.args);
    return 0;
  } catch (err) {
    reportError(err, io);
    return 1;
  }
}
