// `kubectl k0smotron upgrade`: change the k0s version.
import { loadCommands } from '../lazy';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const upgradeCommand: CommandSpec = {
  command: 'upgrade <name>',
  describe: 'Change the k0s version (the controllers roll one by one)',
  positionals: CLUSTER_NAME,
  options: { 'k0s-version': { alias: 'version', type: 'string', demandOption: true, describe: 'Target k0s version, e.g. v1.30.2-k0s.0' } },
  examples: [['kubectl k0smotron upgrade demo --version v1.30.2-k0s.0', '# roll to k0s 1.30.2']],
  handler: async (args, ctx) => (await loadCommands()).runUpgrade(await ctx.session(), args as { name: string; k0sVersion: string }),
};
