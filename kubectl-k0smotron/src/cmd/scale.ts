// `kubectl k0smotron scale`: set the number of controllers.
import { loadCommands } from '../lazy';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const scaleCommand: CommandSpec = {
  command: 'scale <name>',
  describe: 'Set the number of controllers',
  positionals: CLUSTER_NAME,
  options: { replicas: { type: 'string', demandOption: true, describe: 'Number of controllers' } },
  examples: [['kubectl k0smotron scale demo --replicas 3', '# three controllers']],
  handler: async (args, ctx) => (await loadCommands()).runScale(await ctx.session(), args as { name: string; replicas: string }),
};
