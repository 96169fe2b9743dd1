// `kubectl k0smotron version`: needs no cluster and loads nothing.
import { CliError } from '../errors';
import { PLUGIN_VERSION } from '../version';
import type { CommandSpec } from './types';

export const versionCommand: CommandSpec = {
  command: 'version',
  describe: 'Print the plugin version',
  options: { output: { alias: 'o', type: 'string', describe: 'json or yaml', values: ['json', 'yaml'] } },
  handler: async (args, { io }) => {
    const o = args.output as string | undefined;
    if (o !== undefined && o !== 'json' && o !== 'yaml') throw new CliError(`invalid --output "${o}"`, 'valid values: json, yaml');
    const platform = `${process.platform}/${process.arch}`;
    const info = { clientVersion: { plugin: PLUGIN_VERSION, node: process.version, platform } };
    if (o === 'json') io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    else if (o === 'yaml') io.stdout.write(`clientVersion:\n  plugin: ${PLUGIN_VERSION}\n  node: ${process.version}\n  platform: ${platform}\n`);
    else io.stdout.write(`kubectl-k0smotron ${PLUGIN_VERSION} (node ${process.version}, ${platform})\n`);
  },
};
