// `kubectl k0smotron status`: a sectioned summary of one Cluster.
import { loadCommands } from '../lazy';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const statusCommand: CommandSpec = {
  command: 'status <name>',
  describe: 'Summary of a Cluster: control plane, datastore, certificates, conditions, events',
  positionals: CLUSTER_NAME,
  options: { output: { alias: 'o', type: 'string', describe: 'json or yaml instead of text', values: ['json', 'yaml'] } },
  examples: [
    ['kubectl k0smotron status demo', '# sectioned summary; problems listed at the end'],
    ['kubectl k0smotron status demo -v', '# also instances and all recent events'],
  ],
  handler: async (args, ctx) => (await loadCommands()).runStatus(await ctx.session(), args as { name: string; output?: string }),
};
