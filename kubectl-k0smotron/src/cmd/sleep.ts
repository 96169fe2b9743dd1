// `kubectl k0smotron sleep` / `wake`: scale the controllers to 0 and back to the remembered count.
import { loadCommands } from '../lazy';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const sleepCommand: CommandSpec = {
  command: 'sleep <name>',
  describe: 'Scale the controllers to 0, remembering the count',
  positionals: CLUSTER_NAME,
  handler: async (args, ctx) => (await loadCommands()).runSleep(await ctx.session(), args as { name: string }),
};

export const wakeCommand: CommandSpec = {
  command: 'wake <name>',
  describe: 'Scale a sleeping Cluster back to its count before sleep',
  positionals: CLUSTER_NAME,
  handler: async (args, ctx) => (await loadCommands()).runWake(await ctx.session(), args as { name: string }),
};
