// The command line: yargs declares every command and flag (cheap, so `--help` starts fast);
// each handler loads its implementation and the Kubernetes client only when it runs.
// Errors become "error: …" plus "hint: …" on stderr and exit code 1.
import yargs, { type Argv, type Options } from 'yargs';
import { COMMANDS, GLOBAL_OPTIONS, type CommandContext, type CommandSpec } from './cmd/index';
import { CliError, isCliError, reportError, toUnexpected } from './errors';
import type { GlobalFlags, Io, Session } from './session';
import { loadCommands } from './lazy';
import { runComplete } from './completion';
import { extractVerbosity } from './verbosity';

export { extractVerbosity };

/** Command names, in `--help` order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(c => c.command.split(' ')[0]);

/** Builds a Session with the full command bundle: the Kubernetes client is loaded only by commands that need it. */
async function newSession(flags: GlobalFlags, io: Io): Promise<Session> {
  const { Session, loadKube, K0smotronClient } = await loadCommands();
  return new Session(flags, io, { loadKube, K0smotronClient });
}

/** The option as yargs takes it: without the keys only completion reads. */
function forYargs<T extends { values?: unknown; complete?: unknown }>(spec: T): Omit<T, 'values' | 'complete'> {
  const { values: _values, complete: _complete, ...rest } = spec;
  return rest;
}

/** Registers one command module (and its subcommands) with yargs. */
function register(y: Argv, spec: CommandSpec, handle: (spec: CommandSpec) => (args: Record<string, unknown>) => Promise<void>): Argv {
  return y.command(
    [spec.command, ...(spec.aliases ?? [])],
    spec.describe,
    b => {
      let out = b;
      for (const [name, p] of Object.entries(spec.positionals ?? {})) out = out.positional(name, forYargs(p));
      if (spec.options) out = out.options(Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, forYargs(o) as Options])));
      for (const [cmd, desc] of spec.examples ?? []) out = out.example(cmd, desc);
      for (const sub of spec.subcommands ?? []) out = register(out, sub, handle);
      if (spec.subcommands) out = out.demandCommand(1);
      return out;
    },
    spec.handler ? handle(spec) : undefined,
  );
}

/** Help wraps at the terminal's width; piped, at 100 columns (kubectl's help fits in that too). */
export function helpWidth(out: { isTTY?: boolean; columns?: number }): number {
  if (!out.isTTY) return 100;
  return Math.max(40, Math.min(120, out.columns ?? 100));
}

export interface RunResult {
  code: number;
}

/** Parses argv and runs one command; never exits the process itself. */
export async function main(rawArgv: string[], io: Io): Promise<number> {
  // Cobra's completion protocol bypasses the parser: the words may be half-typed.
  if (rawArgv[0] === '__complete' || rawArgv[0] === '__completeNoDesc') {
    return runComplete(rawArgv.slice(1), io);
  }
  const { argv, level } = extractVerbosity(rawArgv);
  let exitCode = 0;
  let failure: unknown;
  const handle =
    (spec: CommandSpec) =>
    async (args: Record<string, unknown>): Promise<void> => {
      const flags = { ...args, v: Math.max(Number(args.v ?? 0), level) } as GlobalFlags;
      const ctx: CommandContext = { io, flags, session: () => newSession(flags, io) };
      const code = await spec.handler!({ ...args, v: flags.v }, ctx);
      if (typeof code === 'number') exitCode = code;
    };

  let parser = yargs(argv)
    .scriptName('kubectl k0smotron')
    .usage('Usage: kubectl k0smotron COMMAND [flags]\n\nManage k0smotron hosted control planes (k0smotron.io Clusters).')
    .parserConfiguration({ 'populate--': true, 'camel-case-expansion': true, 'strip-aliased': true })
    .version(false)
    .help('help')
    .alias('help', 'h')
    .wrap(helpWidth(io.stdout as { isTTY?: boolean; columns?: number }))
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .options(Object.fromEntries(Object.entries(GLOBAL_OPTIONS).map(([k, o]) => [k, forYargs(o) as Options])))
    .group([...Object.keys(GLOBAL_OPTIONS), 'help'], 'Global flags:')
    // Also for the commands that need no Session (version, completion), which checks it too.
    .middleware(args => (args.help ? undefined : checkColorFlag(args.color)));
  for (const spec of COMMANDS) parser = register(parser, spec, handle);
  parser = parser
    .demandCommand(1, 'a command is required')
    .epilog('Run `kubectl k0smotron COMMAND --help` for the flags of one command.')
    .fail((msg, err) => {
      // Throwing stops yargs here (a handler must not run after a parse error).
      if (err) throw isCliError(err) || (err as { name?: string }).name !== 'YError' ? err : toUnexpected(err);
      throw toUnexpected(new Error(msg));
    });

  try {
    await parser.parseAsync();
  } catch (err) {
    failure ??= err;
  }
  if (failure !== undefined) {
    reportError(failure, io);
    return 1;
  }
  return exitCode;
}

function checkColorFlag(value: unknown): void {
  if (value !== undefined && !['auto', 'always', 'never'].includes(String(value))) {
    throw new CliError(`invalid --color "${String(value)}"`, 'valid values: auto, always, never');
  }
}

export type { Argv };
