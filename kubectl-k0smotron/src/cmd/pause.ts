// `kubectl k0smotron pause` / `resume`: stop and restart the operator's management of a Cluster.
import { loadCommands } from '../lazy';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const pauseCommand: CommandSpec = {
  command: 'pause <name>',
  describe: 'Stop the operator from changing a Cluster',
  positionals: CLUSTER_NAME,
  handler: async (args, ctx) => (await loadCommands()).runPause(await ctx.session(), args as { name: string }),
};

export const resumeCommand: CommandSpec = {
  command: 'resume <name>',
  describe: 'Let the operator manage a paused Cluster again',
  positionals: CLUSTER_NAME,
  handler: async (args, ctx) => (await loadCommands()).runResume(await ctx.session(), args as { name: string }),
};
