// The standalone operator process: flags/env → startOperator, graceful stop on SIGTERM/SIGINT.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { collectDefaultMetrics } from 'prom-client';
import { childApiResolver } from './childapi/resolver';
import { JsonLogger } from './engine/logger';
import { startOperator } from './index';
import { normaliseArgv, parseMainOptions, USAGE } from './options';
import { loadPolicy } from './tenancy/policy-file';

function loadKubeConfig(file: string | undefined): { kc: KubeConfig; source: string } {
  const kc = new KubeConfig();
  if (file) {
    if (!fs.existsSync(file)) throw new Error(`--kubeconfig ${file} does not exist`);
    kc.loadFromFile(file);
    return { kc, source: file };
  }
  if (process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
    return { kc, source: 'in-cluster service account' };
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  if (!fs.existsSync(home)) {
    throw new Error('no kubeconfig: pass --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account');
  }
  kc.loadFromFile(home);
  return { kc, source: home };
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseMainOptions(normaliseArgv(process.argv.slice(2)), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = new JsonLogger({ level: opts.logLevel });
  const { kc, source } = loadKubeConfig(opts.kubeconfig);
  log.info('kubeconfig loaded', { source, server: kc.getCurrentCluster()?.server });
  let policy;
  try {
    policy = loadPolicy({
      file: opts.policyFile,
      allowedImageRepositories: opts.allowedImageRepositories,
      maxJoinTokenExpiry: opts.maxJoinTokenExpiry,
      operatorNamespace: process.env.POD_NAMESPACE || undefined,
    });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  log.info('tenant policy loaded', { source: policy.source, ...policy.policy });

  const operator = await startOperator({
    kubeConfig: kc,
    namespaces: opts.namespaces,
    workers: opts.workers,
    metricsPort: opts.metrics?.port,
    metricsHost: opts.metrics?.host,
    leaderElection: opts.leaderElection,
    logger: log,
    resyncPeriodMs: opts.resyncPeriodMs,
    childApi: childApiResolver(opts.childApi),
    policy: policy.policy,
    // As controller-runtime does: a process that lost the lease exits rather than trying to lead
    // again, so nothing of its old term (a reconcile, a cached assumption, a timer) lives on. The
    // in-flight reconciles were aborted before this runs, and the exit ends any request left;
    // the Deployment restarts the pod, which then campaigns as a standby.
    onLeadershipLost: () => {
      log.error('leader election lost', { exitCode: 1 });
      process.exit(1);
    },
  });

  // The process is the operator's own here (not embedded), so its memory, CPU and event-loop
  // figures belong on its /metrics.
  collectDefaultMetrics({ register: operator.metrics.registry });

  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      log.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    log.info('shutting down', { signal, gracePeriodMs: opts.shutdownGracePeriodMs });
    // A stop that outlasts the grace period (a step waiting on an API server that does not
    // answer) must not outlive the pod's own termination grace period, where the kubelet's
    // SIGKILL would leave no word of why: exit 1 with a line that says so.
    const force = setTimeout(() => {
      log.error(`graceful shutdown took over ${opts.shutdownGracePeriodMs / 1000} s; exiting`, { gracePeriodMs: opts.shutdownGracePeriodMs, exitCode: 1 });
      process.exit(1);
    }, opts.shutdownGracePeriodMs);
    force.unref();
    operator.stop().then(
      () => process.exit(0),
      err => {
        log.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch(err => {
  process.stderr.write(`k0smotron operator failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
