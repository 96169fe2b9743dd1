// The command implementations, loaded on first use. The bundle (scripts/build.ts) replaces this
// module with one that compiles an embedded copy on demand, so start-up only parses the CLI.
export function loadCommands(): Promise<typeof import('./commands/index')> {
  return import('./commands/index');
}
