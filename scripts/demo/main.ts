// `npm run demo`: the one-command demo. Ctrl-C stops everything and leaves no process behind.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, ROOT, SIMULATED_WORKER_COMMAND } from './environment';

async function main() {
  if (!existsSync(join(ROOT, 'kubectl-k0smotron', 'dist', 'kubectl-k0smotron.js'))) {
    process.stderr.write('==> building the kubectl plugin\n');
    const r = spawnSync('npm', ['run', 'build', '-w', 'kubectl-k0smotron'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('building kubectl-k0smotron failed');
  }
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
      'Join a worker (simulated):',
      `  1. open ${demo.url}/k0smotron, pick "demo", tab "Control plane", "Join a worker", "Create token"`,
      '  2. in another shell, with the token:',
      `       echo '<token>' | ${SIMULATED_WORKER_COMMAND}`,
      '     (a hollow kubelet: real TLS bootstrap and a real Node, but it runs no containers)',
      '  3. the dialog says when the node has joined; the card turns to "Workers 1/1 Ready"',
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
