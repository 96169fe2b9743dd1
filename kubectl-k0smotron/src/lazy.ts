// The command implementations, loaded on first use. The bundle (scripts/build.ts) replaces this
// module with one that compiles an embedded copy on demand, so start-up only parses the CLI.
export function loadCommands(): Promise<typeof import('./commands/index')> {
  return import('./commands/index');
}

/**
 * `list` alone, in a bundle of its own without the typed Kubernetes client: listing is the
 * command run most often, and loading client-node's generated API would cost it more than the
 * request itself.
 */
export function loadListCommand(): Promise<typeof import('./commands/list-entry')> {
  return import('./commands/list-entry');
}
