// `kubectl k0smotron join-token`: issue (the default subcommand), list and revoke join tokens.
import { loadCommands } from '../lazy';
import type { JoinTokenCreateArgs } from '../commands/jointoken';
import type { CommandSpec } from './types';

const create: CommandSpec = {
  command: 'create <cluster>',
  aliases: ['$0 <cluster>'],
  describe: 'Issue a join token for a Cluster (waits for it and prints it)',
  positionals: { cluster: { type: 'string', demandOption: true, complete: 'cluster' } },
  options: {
    expiry: { type: 'string', describe: 'How long the token works, e.g. 1h, 24h (0s = never expires)' },
    role: { type: 'string', describe: 'worker or controller', values: ['worker', 'controller'] },
    name: { type: 'string', describe: 'Name of the JoinTokenRequest (default CLUSTER-TOKEN-random)' },
    output: {
      alias: 'o',
      type: 'string',
      describe: 'token (default), script, or yaml/json (the JoinTokenRequest, token in status.token)',
      values: ['token', 'script', 'yaml', 'json'],
    },
    timeout: { type: 'string', default: '2m', describe: 'How long to wait for the token' },
  },
  examples: [
    ['kubectl k0smotron join-token demo --expiry 1h > token', '# a worker token valid for an hour'],
    ['kubectl k0smotron join-token demo -o script | ssh worker sudo sh', '# install and start a worker'],
  ],
  handler: async (args, ctx) => (await loadCommands()).runJoinTokenCreate(await ctx.session(), args as unknown as JoinTokenCreateArgs),
};

const list: CommandSpec = {
  command: 'list [cluster]',
  describe: 'List join tokens (of one Cluster, or all)',
  positionals: { cluster: { type: 'string', complete: 'cluster' } },
  options: { output: { alias: 'o', type: 'string', describe: 'json, yaml or name', values: ['json', 'yaml', 'name'] } },
  handler: async (args, ctx) => (await loadCommands()).runJoinTokenList(await ctx.session(), args as { cluster?: string; output?: string }),
};

const revoke: CommandSpec = {
  command: 'revoke <names..>',
  describe: 'Revoke join tokens (deletes their JoinTokenRequests)',
  positionals: { names: { type: 'string', array: true, demandOption: true, complete: 'jtr' } },
  handler: async (args, ctx) => (await loadCommands()).runJoinTokenRevoke(await ctx.session(), args as { names: string[] }),
};

export const joinTokenCommand: CommandSpec = {
  command: 'join-token',
  describe: 'Issue, list and revoke worker join tokens',
  subcommands: [create, list, revoke],
};
