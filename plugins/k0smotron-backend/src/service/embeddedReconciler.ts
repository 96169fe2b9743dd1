import type { LoggerService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import { startOperator, writeRequests, type Logger as OperatorLogger } from '@k0smotron/operator';
import type { ManagementClustersService } from './managementClusters';

type OperatorOptions = Parameters<typeof startOperator>[0];
type RunningOperator = Awaited<ReturnType<typeof startOperator>>;
export type ChildApiResolver = NonNullable<OperatorOptions['childApi']>;

export interface ReconcilerStatus {
  managementCluster: string;
  /** This replica holds the Lease and reconciles. */
  leader: boolean;
  ready: boolean;
  reasons: string[];
  /** Create/update/patch/delete requests this replica's reconciler has made. */
  writeRequests: number;
}

export interface EmbeddedReconciler {
  status(): ReconcilerStatus[];
  stop(): Promise<void>;
}

/** Operator log lines go to Backstage's logger (so they share its redaction and transport). */
export function operatorLoggerFor(logger: LoggerService): OperatorLogger {
  const wrap = (l: LoggerService): OperatorLogger => ({
    debug: (m, f) => l.debug(m, f as JsonObject | undefined),
    info: (m, f) => l.info(m, f as JsonObject | undefined),
    warn: (m, f) => l.warn(m, f as JsonObject | undefined),
    error: (m, f) => l.error(m, f as JsonObject | undefined),
    child: f => wrap(l.child(f as JsonObject)),
  });
  return wrap(logger);
}

/**
 * Runs the operator's reconcilers in this process, one per management cluster, each behind a
 * Lease so only one Backstage replica (or a standalone operator sharing the Lease) works.
 */
export async function startEmbeddedReconciler(
  managementClusters: ManagementClustersService,
  logger: LoggerService,
  opts: { childApi?: ChildApiResolver } = {},
): Promise<EmbeddedReconciler> {
  const { reconciler } = managementClusters.config;
  const selected = managementClusters
    .list()
    .filter(mc => !reconciler.managementClusters || reconciler.managementClusters.includes(mc.name));
  const running: Array<{ name: string; op: RunningOperator }> = [];
  try {
    for (const mc of selected) {
      const lease = reconciler.lease;
      logger.info(
        `k0smotron: starting the embedded reconciler for management cluster '${mc.name}'` +
          `${mc.namespaces ? ` (namespaces ${mc.namespaces.join(', ')})` : ''}; it reconciles while it holds ` +
          `${lease ? `Lease ${lease.namespace}/${lease.name}` : 'the operator Lease'}`,
      );
      const op = await startOperator({
        kubeConfig: mc.kubeConfig,
        namespaces: mc.namespaces,
        leaderElection: lease ? { ...lease, ...(lease.identity ? { identity: lease.identity } : {}) } : true,
        logger: operatorLoggerFor(logger.child({ managementCluster: mc.name, component: 'reconciler' })),
        ...(opts.childApi ? { childApi: opts.childApi } : {}),
        // Unlike the standalone operator, the backend does not exit: it serves the UI and API
        // too. The operator has already aborted every in-flight reconcile (nothing of the lost
        // term writes any more); it stops its controllers and campaigns again as a standby.
        onLeadershipLost: () =>
          logger.warn(
            `k0smotron: the embedded reconciler for management cluster '${mc.name}' lost leader election; ` +
              'its in-flight reconciles were aborted and it waits, as a standby, to lead again',
          ),
      });
      running.push({ name: mc.name, op });
    }
  } catch (err) {
    await Promise.allSettled(running.map(r => r.op.stop()));
    throw err;
  }
  return {
    status: () =>
      running.map(({ name, op }) => {
        const r = op.readiness();
        return {
          managementCluster: name,
          leader: op.isLeader(),
          ready: r.ready,
          reasons: r.reasons,
          writeRequests: writeRequests(op.requestCounts(), { exclude: ['leases'] }),
        };
      }),
    async stop() {
      logger.info('k0smotron: stopping the embedded reconciler');
      await Promise.allSettled(running.map(r => r.op.stop()));
    },
  };
}
