// `kubectl k0smotron create`: a Cluster from flags or a manifest.
import { loadCommands } from '../lazy';
import type { CreateArgs } from '../commands/create';
import type { CommandSpec } from './types';

export const createCommand: CommandSpec = {
  command: 'create [name]',
  describe: 'Create a Cluster from flags or a manifest (-f)',
  positionals: { name: { type: 'string', describe: 'Cluster name' } },
  options: {
    filename: { alias: 'f', type: 'string', describe: 'Manifest of the Cluster (YAML or JSON; - for stdin)', complete: 'file' },
    replicas: { type: 'string', describe: 'Number of k0s controllers (0 = asleep)' },
    'k0s-version': { alias: 'version', type: 'string', describe: 'k0s version, e.g. v1.30.2-k0s.0 (alias --version)' },
    image: { type: 'string', describe: 'k0s image without tag' },
    'service-type': { type: 'string', describe: 'ClusterIP, NodePort or LoadBalancer', values: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
    'api-port': { type: 'string', describe: 'Kubernetes API port' },
    'konnectivity-port': { type: 'string', describe: 'Konnectivity port' },
    'external-address': { type: 'string', describe: 'Host name or IP workers use to reach the API' },
    storage: { type: 'string', describe: 'Datastore: etcd or kine', values: ['etcd', 'kine'] },
    'kine-url': { type: 'string', describe: 'kine data source URL (storage kine)' },
    'kine-secret': { type: 'string', describe: 'Secret holding the kine URL in key K0SMOTRON_KINE_DATASOURCE_URL' },
    'etcd-size': { type: 'string', describe: 'Size of each etcd volume, e.g. 1Gi' },
    'etcd-storage-class': { type: 'string', describe: 'StorageClass of the etcd volumes' },
    persistence: { type: 'string', describe: 'Controller data volume: emptyDir, hostPath or pvc', values: ['emptyDir', 'hostPath', 'pvc'] },
    'persistence-size': { type: 'string', describe: 'Size of the controller PVC (persistence pvc)' },
    'persistence-storage-class': { type: 'string', describe: 'StorageClass of the controller PVC' },
    'host-path': { type: 'string', describe: 'Host directory (persistence hostPath)' },
    'k0s-config': { type: 'string', describe: 'File with a k0s ClusterConfig to embed', complete: 'file' },
    labels: { type: 'string', array: true, describe: 'Labels KEY=VALUE (repeat or comma-separate)' },
    annotations: { type: 'string', array: true, describe: 'Annotations KEY=VALUE (repeat or comma-separate)' },
    'dry-run': { type: 'string', describe: 'client (render locally) or server (validate on the server); nothing is stored', values: ['client', 'server'] },
    output: { alias: 'o', type: 'string', describe: 'Print the Cluster instead of a summary: yaml, json or name', values: ['yaml', 'json', 'name'] },
    wait: { type: 'boolean', default: false, describe: 'Wait until the Cluster is Available (progress on stderr)' },
    timeout: { type: 'string', default: '10m', describe: 'How long --wait waits' },
  },
  examples: [
    ['kubectl k0smotron create demo', '# a Cluster with upstream defaults'],
    [
      'kubectl k0smotron create demo --replicas 3 --service-type NodePort --k0s-version v1.30.2-k0s.0 --wait',
      '# three controllers on NodePorts, wait until Available',
    ],
    ['kubectl k0smotron create demo --storage kine --kine-secret demo-db', '# kine with the URL from a Secret'],
    ['kubectl k0smotron create demo --dry-run=client -o yaml > demo.yaml', '# render the manifest only'],
    ['kubectl k0smotron create -f demo.yaml', '# from a manifest'],
  ],
  handler: async (args, ctx) => (await loadCommands()).runCreate(await ctx.session(), args as CreateArgs),
};
