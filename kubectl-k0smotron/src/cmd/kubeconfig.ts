// `kubectl k0smotron kubeconfig`: a short-lived kubeconfig of your own for a Cluster.
import { loadCommands } from '../lazy';
import type { KubeconfigArgs } from '../commands/kubeconfig';
import { CLUSTER_NAME, type CommandSpec } from './types';

export const kubeconfigCommand: CommandSpec = {
  command: 'kubeconfig <name>',
  describe: 'A short-lived kubeconfig of your own for a Cluster (--admin: the shared one): print, merge, or run one command',
  positionals: CLUSTER_NAME,
  options: {
    expiry: { type: 'string', describe: 'How long your certificate works, e.g. 1h, 30m (default 8h, at most 168h)' },
    admin: {
      type: 'boolean',
      default: false,
      describe: 'Break-glass: the stored shared admin kubeconfig (valid 7 days, renewed by the operator, not revocable)',
    },
    merge: { type: 'boolean', default: false, describe: 'Add it to your kubeconfig (atomically, mode 0600, previous content in FILE.bak)' },
    'context-name': { type: 'string', describe: 'Name of the merged context (default k0smotron-NAMESPACE-NAME)' },
    use: { type: 'boolean', default: false, describe: 'With --merge: make it the current context (never switched otherwise)' },
  },
  examples: [
    ['kubectl k0smotron kubeconfig demo > demo.conf', '# print one valid for 8 hours, naming you'],
    ['kubectl k0smotron kubeconfig demo --expiry 1h --merge --use', '# merge into ~/.kube/config and switch to it'],
    ['kubectl k0smotron kubeconfig demo -- kubectl get nodes', '# run one command against the Cluster'],
    ['kubectl k0smotron kubeconfig demo --admin > admin.conf', '# break-glass: the shared admin kubeconfig'],
  ],
  handler: async (args, ctx) => (await loadCommands()).runKubeconfig(await ctx.session(), args as unknown as KubeconfigArgs),
};
