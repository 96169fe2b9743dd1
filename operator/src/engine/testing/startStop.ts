// Starts and stops an operator (with leader election and the HTTP server) and then simply
// returns: if anything the operator created (timer, socket, watch, server) were left open, this
// process would not exit by itself. Used by engine.itest.ts; argv[2] = kubeconfig, argv[3] = ns.
import { KubeConfig } from '@kubernetes/client-node';
import { startOperator } from '../../index';
import { parentChildController } from './parentChildController';

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(process.argv[2]);
  const namespace = process.argv[3];
  const op = await startOperator({
    kubeConfig: kc,
    namespaces: [namespace],
    controllers: [parentChildController()],
    leaderElection: { namespace, name: 'start-stop', leaseDurationMs: 4000 },
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'warn',
  });
  for (let i = 0; i < 100 && !op.isLeader(); i++) await new Promise(r => setTimeout(r, 100));
  const ready = await fetch(`${op.metrics.url}/readyz`);
  await op.stop();
  process.stdout.write(JSON.stringify({ leader: op.isLeader(), readyz: ready.status, stoppedAt: Date.now() }) + '\n');
}

main().catch(err => {
  process.stderr.write(String(err) + '\n');
  process.exitCode = 1;
});
