// The command implementations, loaded on first use. The bundle (scripts/build.ts) replaces this
// module with one that compiles an embedded copy on demand, so start-up only parses the CLI.
// (Type-only imports are erased: nothing here loads the modules before the call.)
import type * as Commands from './commands/index';
import type * as ListCommand from './commands/list-entry';
import type * as Main from './main';

export function loadCommands(): Promise<typeof Commands> {
  return import('./commands/index');
}

/**
 * `list` alone, in a bundle of its own without the typed Kubernetes client: listing is the
 * command run most often, and loading client-node's generated API would cost it more than the
 * request itself.
 */
export function loadListCommand(): Promise<typeof ListCommand> {
  return import('./commands/list-entry');
}

/** The CLI (yargs and every command's definition), which a plain `list` does without (cli.ts). */
export function loadMain(): Promise<typeof Main> {
  return import('./main');
}
