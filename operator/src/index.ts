// @k0smotron/operator as a library: start the operator inside any Node process (the standalone
// main, the Backstage backend, jest) with the caller's KubeConfig, and stop it without leaving
// timers, sockets or watches behind.
import type { KubeConfig } from '@kubernetes/client-node';
import type { TenantPolicy } from '@k0smotron/api';
import type { Registry } from 'prom-client';
import { defaultControllers } from './controllers';
import { servedCronJobApiVersion } from './cluster/cronjob-version';
import type { ChildApiResolver } from './childapi/resolver';
import type { FunctionalProbeOptions } from './childapi/probe';
import type { ControllerSpec, Logger } from './engine/contract';
import { startHealthServer, type HealthServer } from './engine/health';
import { JsonLogger, type LogLevel } from './engine/logger';
import { Manager, type LeaderElectionOptions } from './engine/manager';
import { OperatorMetrics } from './engine/metrics';

export * from './engine';
export * from './childapi';
export { clusterController, CLUSTER_GVK } from './cluster';
export type { ClusterControllerOptions, ClusterFunctionalProbe } from './cluster';
// Types the exports above take or return, so callers can name them.
export type { ConditionStatus, FunctionalResult } from './cluster/desired/status';
export type { CronJobApiVersion } from './cluster/desired/etcd';
export type { InformerEvent } from './engine/informer';
export type { Fingerprint } from './engine/drift';
export type { HealthServer, HealthServerOptions } from './engine/health';
export { OPERATOR_NODE_FLAGS } from './runtime';
export { defaultControllers } from './controllers';
export type { DefaultClusterControllerOptions, DefaultControllerOptions } from './controllers';
// What a worker does with a join token (read the kubeconfig inside), for the faces' tests that
// join real workers with tokens the operator issued.
export { decodeJoinToken, type JoinKubeconfig } from './jointoken/token';

export const DEFAULT_LEASE_NAME = 'k0smotron-leader';
export const DEFAULT_NAMESPACE = 'k0smotron';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; undefined or empty = all namespaces. */
  namespaces?: string[];
  /** true = lease `k0smotron-leader` in $POD_NAMESPACE (default `k0smotron`). */
  leaderElection?: boolean | (Partial<LeaderElectionOptions> & { namespace: string; name: string });
  /** Default workers per controller (default 2). */
  workers?: number;
  /** Port of /healthz, /readyz, /metrics: 0 = random, undefined = no HTTP server. */
  metricsPort?: number;
  /** Address to bind (default 0.0.0.0). */
  metricsHost?: string;
  logLevel?: LogLevel;
  /** A logger of the embedding process; default JSON lines on stdout at `logLevel`. */
  logger?: Logger;
  childApi?: ChildApiResolver;
  /** Periods of the ControlPlaneFunctional probe, which also counts workers (default: probe.ts's). */
  functionalProbe?: FunctionalProbeOptions;
  /** Run these instead of `defaultControllers` (tests, embedding). */
  controllers?: ControllerSpec[];
  /** What tenants' Clusters and JoinTokenRequests may ask for (default: DEFAULT_TENANT_POLICY). */
  policy?: TenantPolicy;
  /** Full resync period (default 10 min, 0 = off). */
  resyncPeriodMs?: number;
  /** How long `startOperator` waits for the first list of every kind (default 30 s). */
  syncTimeoutMs?: number;
  /**
   * Called when leadership is lost, after every in-flight reconcile was aborted (their requests
   * are refused or cut). The standalone operator exits here; without it the operator stops its
   * controllers and campaigns for the lease again.
   */
  onLeadershipLost?: () => void;
}

export interface RunningOperator {
  /** Graceful: stop taking work, finish in-flight reconciles, stop watches, release the lease, close HTTP. */
  stop(): Promise<void>;
  metrics: { registry: Registry; text(): Promise<string>; port?: number; url?: string };
  /** API requests so far, keyed "verb resource code" (e.g. "patch statefulsets 200"). */
  requestCounts(): Record<string, number>;
  isLeader(): boolean;
  readiness(): { ready: boolean; reasons: string[] };
  manager: Manager;
}

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const log = opts.logger ?? new JsonLogger({ level: opts.logLevel ?? 'info' });
  const metrics = new OperatorMetrics();
  const controllers =
    opts.controllers ??
    defaultControllers({
      childApi: opts.childApi,
      log,
      policy: opts.policy,
      functionalProbe: opts.functionalProbe,
      cronJobApiVersion: await servedCronJobApiVersion(opts.kubeConfig),
    });
  metrics.trackSizes(controllers);
  const le =
    opts.leaderElection === true ? { namespace: process.env.POD_NAMESPACE || DEFAULT_NAMESPACE, name: DEFAULT_LEASE_NAME } : opts.leaderElection || undefined;
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1)) {
    throw new Error(`workers must be a whole number ≥ 1, got ${opts.workers}`);
  }
  const manager = new Manager({
    kubeConfig: opts.kubeConfig,
    controllers,
    namespaces: opts.namespaces,
    workers: opts.workers,
    leaderElection: le,
    resyncPeriodMs: opts.resyncPeriodMs,
    log,
    metrics,
    onLeadershipLost: opts.onLeadershipLost,
  });

  let health: HealthServer | undefined;
  if (opts.metricsPort !== undefined) {
    health = await startHealthServer({
      port: opts.metricsPort,
      host: opts.metricsHost,
      registry: metrics.registry,
      readiness: () => manager.readiness(),
    });
  }
  manager.start();
  log.info('operator starting', {
    controllers: controllers.map(c => c.name),
    namespaces: opts.namespaces?.length ? opts.namespaces : 'all',
    leaderElection: le ? `${le.namespace}/${le.name}` : false,
    metrics: health?.url,
  });
  const synced = await manager.waitForSync(opts.syncTimeoutMs ?? 30_000);
  if (!synced) log.warn('informer caches not synced yet; the operator keeps retrying and /readyz says not ready');

  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        await manager.stop();
        await health?.close();
      })()),
    metrics: { registry: metrics.registry, text: () => metrics.text(), port: health?.port, url: health?.url },
    requestCounts: () => manager.requestCounts(),
    isLeader: () => manager.isLeader(),
    readiness: () => manager.readiness(),
    manager,
  };
}
