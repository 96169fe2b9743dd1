// The flags every command takes (kubectl's names and meanings).
import type { OptionSpec } from './types';

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  kubeconfig: { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)', global: true, complete: 'file' },
  context: { type: 'string', describe: 'The kubeconfig context to use', global: true, complete: 'context' },
  namespace: { alias: 'n', type: 'string', describe: 'Namespace (default: the context\'s namespace, else "default")', global: true, complete: 'namespace' },
  'all-namespaces': { alias: 'A', type: 'boolean', describe: 'Across all namespaces (list, join-token list)', global: true },
  'request-timeout': { type: 'string', describe: 'Timeout of each API request, e.g. 10s, 1m (0 = none)', global: true },
  v: { alias: 'verbose', type: 'count', describe: 'More detail: -v adds sections, -v=6 logs requests', global: true },
  color: {
    type: 'string',
    default: 'auto',
    describe: 'Colour output: auto, always or never (NO_COLOR is honoured)',
    global: true,
    values: ['auto', 'always', 'never'],
  },
};
