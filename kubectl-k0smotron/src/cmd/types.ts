// The shape of one command module: its yargs definition (command, describe, positionals, options,
// examples) beside its handler. main.ts registers these with yargs, and shell completion reads the
// same objects, so a command, flag or flag value is declared in exactly one place.
import type { Options, PositionalOptions } from 'yargs';
import type { GlobalFlags, Io, Session } from '../session';

/** What completion offers for a value, when it is not a fixed list. */
export type Completes = 'cluster' | 'jtr' | 'namespace' | 'context' | 'file';

export interface OptionSpec extends Options {
  /** Valid values, offered by completion (the command itself checks them, with its own message). */
  values?: readonly string[];
  complete?: Completes;
}

export interface PositionalSpec extends PositionalOptions {
  values?: readonly string[];
  complete?: Completes;
}

export interface CommandContext {
  io: Io;
  flags: GlobalFlags;
  /** The Session with the full command bundle (typed Kubernetes client) loaded. */
  session(): Promise<Session>;
}

/** Parsed arguments as yargs hands them over; each handler narrows them to its own type. */
export type Args = Record<string, unknown>;

export interface CommandSpec {
  /** yargs syntax: name and positionals, e.g. `list [names..]`. */
  command: string;
  aliases?: readonly string[];
  describe: string;
  positionals?: Readonly<Record<string, PositionalSpec>>;
  options?: Readonly<Record<string, OptionSpec>>;
  examples?: readonly (readonly [string, string])[];
  /** Subcommands; one whose command starts with `$0 ` runs when none is named. */
  subcommands?: readonly CommandSpec[];
  handler?: (args: Args, ctx: CommandContext) => Promise<void | number>;
}

/** The command's name (the first word of `command`). */
export function commandName(spec: CommandSpec): string {
  return spec.command.split(' ')[0];
}

/** A Cluster name as the only positional. */
export const CLUSTER_NAME: Readonly<Record<string, PositionalSpec>> = {
  name: { type: 'string', demandOption: true, complete: 'cluster' },
};
