// `kubectl k0smotron install` / `uninstall`: the operator and CRDs on the current cluster.
import { loadCommands } from '../lazy';
import type { CommandSpec } from './types';

export const installCommand: CommandSpec = {
  command: 'install',
  describe: 'Install the k0smotron operator and CRDs into the current cluster',
  options: {
    'dry-run': { type: 'string', describe: 'client (print what would be applied) or server', values: ['client', 'server'] },
    output: { alias: 'o', type: 'string', describe: 'yaml: print the manifest and exit', values: ['yaml'] },
    wait: { type: 'boolean', default: false, describe: 'Wait until the operator is ready' },
    timeout: { type: 'string', default: '5m', describe: 'How long --wait waits' },
    force: { type: 'boolean', default: false, describe: 'Install even though the upstream k0smotron operator runs here (replaces its CRDs)' },
  },
  examples: [['kubectl k0smotron install --wait', '# install and wait for the operator']],
  handler: async (args, ctx) =>
    (await loadCommands()).runInstall(await ctx.session(), args as { dryRun?: string; output?: string; wait: boolean; timeout: string; force?: boolean }),
};

export const uninstallCommand: CommandSpec = {
  command: 'uninstall',
  describe: 'Remove the k0smotron operator and CRDs (refuses while Clusters exist)',
  options: {
    force: { type: 'boolean', default: false, describe: 'Uninstall even though Clusters exist (they are deleted) or the upstream operator runs here' },
    'dry-run': { type: 'string', describe: 'client or server: show what would be removed', values: ['client', 'server'] },
    wait: { type: 'boolean', default: false, describe: 'Wait until everything is gone' },
    timeout: { type: 'string', default: '5m', describe: 'How long --wait waits' },
  },
  handler: async (args, ctx) =>
    (await loadCommands()).runUninstall(await ctx.session(), args as { force: boolean; dryRun?: string; wait: boolean; timeout: string }),
};
