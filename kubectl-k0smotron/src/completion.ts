// Shell completion. `__complete WORDS…` answers in Cobra's protocol (one candidate per line, then
// `:<directive>`), which kubectl ≥ 1.26 calls through `kubectl_complete-k0smotron`; the bash, zsh
// and fish scripts (completion-scripts.ts) call the same entry for `kubectl-k0smotron`.
// Every answer is derived from the command modules main.ts registers with yargs (cmd/): their
// names and aliases, subcommands, options with their aliases and `values`, and what each
// positional or option value names (`complete`). Names that live in the cluster are fetched by
// the command bundle (commands/complete.ts), only when one is asked for.
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type Completes, type OptionSpec } from './cmd/index';
import { commandName } from './cmd/types';
import type { Io } from './session';
import { loadCommands } from './lazy';

/** Cobra ShellCompDirective values. */
export const DIRECTIVE = { default: 0, noSpace: 2, noFileComp: 4, filterFileExt: 8 } as const;

/** The flag spellings of one option: `--name`, its aliases, and `--no-name` for a boolean on by default. */
function spellings(name: string, o: OptionSpec): string[] {
  const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias];
  const out = [`--${name}`, ...aliases.map(a => (a.length === 1 ? `-${a}` : `--${a}`))];
  if (o.type === 'boolean' && o.default === true) out.push(`--no-${name}`);
  // A short alias is offered first, as kubectl lists -o before --output.
  return out.sort((a, b) => Number(b.length === 2) - Number(a.length === 2));
}

interface FlagInfo {
  takesValue: boolean;
  option: OptionSpec;
}

function flagTable(options: Readonly<Record<string, OptionSpec>> | undefined): Map<string, FlagInfo> {
  const table = new Map<string, FlagInfo>();
  for (const [name, o] of Object.entries(options ?? {})) {
    const takesValue = o.type !== 'boolean' && o.type !== 'count';
    for (const s of spellings(name, o)) table.set(s, { takesValue, option: o });
  }
  return table;
}

/** The subcommand that runs when none is named (yargs `$0`). */
function defaultSub(spec: CommandSpec): CommandSpec | undefined {
  return spec.subcommands?.find(s => (s.aliases ?? []).some(a => a.startsWith('$0')));
}

function findCommand(list: readonly CommandSpec[], word: string | undefined): CommandSpec | undefined {
  if (word === undefined) return undefined;
  return list.find(c => commandName(c) === word || (c.aliases ?? []).includes(word));
}

/** Each command name and alias with the flags its `--help` shows (join-token: those of its default subcommand). */
export const COMMAND_SPEC: Record<string, { flags: string[] }> = Object.fromEntries(
  COMMANDS.flatMap(c => {
    const own = c.subcommands ? defaultSub(c) : c;
    const flags = [...flagTable(own?.options).keys()];
    return [commandName(c), ...(c.aliases ?? [])].map(n => [n, { flags }] as const);
  }),
);

const GLOBAL_FLAGS = flagTable(GLOBAL_OPTIONS);

export interface CompletionPlan {
  candidates: string[];
  directive: number;
  /** Set when candidates must come from the API. */
  needs?: { kind: 'cluster' | 'namespace' | 'context' | 'jtr'; flags: Record<string, string> };
}

/** What to complete for `words` (the last one is the partial word), without any I/O (pure). */
export function planCompletion(words: string[]): CompletionPlan {
  const partial = words.length ? words[words.length - 1] : '';
  const before = words.slice(0, -1);
  // The command (and subcommand) decide which flags take a value, so they are found first.
  const firstPositional = before.find((w, i) => !w.startsWith('-') && !(i > 0 && GLOBAL_FLAGS.get(before[i - 1])?.takesValue));
  const command = findCommand(COMMANDS, firstPositional);
  const known = (sub?: CommandSpec) => new Map([...GLOBAL_FLAGS, ...flagTable(command?.options), ...flagTable(sub?.options)]);
  let flagsOf = known(command ? defaultSub(command) : undefined);

  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  let sub: CommandSpec | undefined;
  for (let i = 0; i < before.length; i++) {
    const w = before[i];
    if (w.startsWith('-')) {
      const eq = w.indexOf('=');
      if (eq > 0) flags[w.slice(0, eq)] = w.slice(eq + 1);
      else if (flagsOf.get(w)?.takesValue && i + 1 < before.length) flags[w] = before[++i];
      else flags[w] = 'true';
    } else {
      positionals.push(w);
      if (positionals.length === 2 && command?.subcommands) {
        sub = findCommand(command.subcommands, w);
        if (sub) flagsOf = known(sub);
      }
    }
  }
  const prev = before[before.length - 1];
  const filter = (list: readonly string[]) => ({ candidates: list.filter(c => c.startsWith(partial)), directive: DIRECTIVE.noFileComp });
  const fromApi = (kind: Completes | undefined, list: readonly string[] = []): CompletionPlan => {
    if (kind === 'file') return { candidates: [], directive: DIRECTIVE.default };
    const plan = filter(list);
    return kind ? { ...plan, needs: { kind, flags } } : plan;
  };

  // The value of a flag.
  const prevFlag = prev && !prev.includes('=') ? flagsOf.get(prev) : undefined;
  if (prevFlag?.takesValue) return fromApi(prevFlag.option.complete, prevFlag.option.values);
  if (partial.startsWith('-')) {
    const own = command?.subcommands ? (sub ?? defaultSub(command)) : command;
    return filter([...new Set([...flagTable(command?.options).keys(), ...flagTable(own?.options).keys(), ...GLOBAL_FLAGS.keys()])]);
  }
  if (!command) return filter(COMMANDS.flatMap(c => [commandName(c), ...(c.aliases ?? [])]));

  // The next positional of the command that runs.
  let runs: CommandSpec | undefined = command;
  let index = positionals.length - 1;
  let offered: string[] = [];
  if (command.subcommands) {
    if (positionals.length === 1) offered = command.subcommands.map(commandName);
    runs = sub ?? defaultSub(command);
    index = sub ? positionals.length - 2 : positionals.length - 1;
  }
  const specs = Object.values(runs?.positionals ?? {});
  const last = specs[specs.length - 1];
  const next = specs[index] ?? (last?.array ? last : undefined);
  if (!next) return filter(offered);
  return fromApi(next.complete, [...offered, ...(next.values ?? [])]);
}

/** Answers `__complete WORDS…`: planned here, cluster names fetched by the command bundle. */
export async function runComplete(words: string[], io: Io): Promise<number> {
  const plan = planCompletion(words);
  const partial = words.length ? words[words.length - 1] : '';
  let candidates = plan.candidates;
  if (plan.needs) {
    try {
      const { completionNames } = await loadCommands();
      candidates = [...candidates, ...(await completionNames(plan.needs.kind, plan.needs.flags, partial))];
    } catch (err) {
      // Completion must never print errors into the command line; Cobra shows this on debug only.
      io.stderr.write(`completion: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    }
  }
  io.stdout.write(candidates.map(c => `${c}\n`).join('') + `:${plan.directive}\n`);
  return 0;
}
