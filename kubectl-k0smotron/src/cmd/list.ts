// `kubectl k0smotron list` (alias `get`): Clusters as a kubectl table, or as json / yaml / names.
// It runs from its own small bundle (see ../lazy.ts): one GET, no typed client.
import { loadListCommand } from '../lazy';
import type { ListArgs } from '../commands/list';
import type { CommandSpec } from './types';

export const listCommand: CommandSpec = {
  command: 'list [names..]',
  aliases: ['get'],
  describe: 'List Clusters (kubectl-style table)',
  positionals: { names: { type: 'string', array: true, describe: 'Only these Clusters', complete: 'cluster' } },
  options: {
    output: { alias: 'o', type: 'string', describe: 'wide, json, yaml or name', values: ['wide', 'json', 'yaml', 'name'] },
    selector: { alias: 'l', type: 'string', describe: 'Label selector, e.g. env=dev' },
    headers: { type: 'boolean', default: true, describe: 'Print the header row (--no-headers omits it)' },
  },
  examples: [
    ['kubectl k0smotron list -A', '# every Cluster in every namespace'],
    ['kubectl k0smotron list -l env=dev -o wide', '# with service, endpoint and storage columns'],
  ],
  handler: async (args, ctx) => {
    const { runList, newSession } = await loadListCommand();
    return runList(newSession(ctx.flags, ctx.io), args as ListArgs);
  },
};
