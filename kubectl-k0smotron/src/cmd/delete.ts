// `kubectl k0smotron delete`: delete Clusters, by default waiting until they are gone.
import { loadCommands } from '../lazy';
import type { CommandSpec } from './types';

export const deleteCommand: CommandSpec = {
  command: 'delete <names..>',
  describe: 'Delete Clusters',
  positionals: { names: { type: 'string', array: true, demandOption: true, complete: 'cluster' } },
  options: {
    wait: { type: 'boolean', default: true, describe: 'Wait until the Cluster is gone (--no-wait returns at once)' },
    timeout: { type: 'string', default: '2m', describe: 'How long --wait waits' },
  },
  handler: async (args, ctx) => (await loadCommands()).runDelete(await ctx.session(), args as { names: string[]; wait: boolean; timeout: string }),
};
