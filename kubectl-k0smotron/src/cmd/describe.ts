// `kubectl k0smotron describe`: the ownership tree of one Cluster.
import { loadCommands } from '../lazy';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const describeCommand: CommandSpec = {
  command: 'describe <name>',
  describe: 'Tree of a Cluster and everything it owns, with readiness',
  positionals: CLUSTER_NAME,
  options: { grouping: { type: 'boolean', default: true, describe: 'Fold ready objects of one kind into a row (--no-grouping: one row per object)' } },
  examples: [
    ['kubectl k0smotron describe demo', '# the ownership tree'],
    ['kubectl k0smotron describe demo --grouping=false', '# one row per object'],
  ],
  handler: async (args, ctx) => (await loadCommands()).runDescribe(await ctx.session(), args as { name: string; grouping: boolean }),
};
