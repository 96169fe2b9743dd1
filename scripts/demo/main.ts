// `npm run demo`: the one-command demo. Ctrl-C stops everything and leaves no process behind.
import { startDemo, ROOT } from './environment';
import { join } from 'node:path';

async function main() {
  const demo = await startDemo();
  const bin = join(ROOT, 'kubectl-k0smotron', 'bin');
  process.stdout.write(
    [
      '',
      `k0smotron demo is up: ${demo.url}`,
      '',
      'Use the management cluster with kubectl and the plugin:',
      `  export KUBECONFIG=${demo.kubeconfigPath}`,
      `  export PATH=${demo.cluster.binDir}:${bin}:$PATH`,
      '  kubectl k0smotron list',
      '  kubectl k0smotron status demo',
      '',
      `Backstage log: ${demo.backendLog}`,
      'Control-plane pods run on simulated (kubemark hollow) nodes: they become Ready but run nothing.',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\n==> stopping the demo…\n');
    await demo.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch(err => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
