import type { LoggerService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import { redactFields, redactText, startOperator, writeRequests, type Logger as OperatorLogger } from '@k0smotron/operator';
import type { ManagementClustersService } from './managementClusters';

type OperatorOptions = Parameters<typeof startOperator>[0];
type RunningOperator = Awaited<ReturnType<typeof startOperator>>;
export type ChildApiResolver = NonNullable<OperatorOptions['childApi']>;
export type FunctionalProbeOptions = NonNullable<OperatorOptions['functionalProbe']>;

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

/**
 * Operator log lines go to Backstage's logger, through the operator's own redaction first:
 * Backstage's logger only redacts its configured secrets, not a password in a kine URL or a
 * token in an error message.
 */
export function operatorLoggerFor(logger: LoggerService): OperatorLogger {
  const fields = (f: unknown) => (f === undefined ? undefined : (redactFields(f) as JsonObject));
  const wrap = (l: LoggerService): OperatorLogger => ({
    debug: (m, f) => l.debug(redactText(m), fields(f)),
    info: (m, f) => l.info(redactText(m), fields(f)),
    warn: (m, f) => l.warn(redactText(m), fields(f)),
    error: (m, f) => l.error(redactText(m), fields(f)),
    child: f => wrap(l.child(fields(f) ?? {})),
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
  opts: { childApi?: ChildApiResolver; functionalProbe?: FunctionalProbeOptions } = {},
): Promise<EmbeddedReconciler> {
  const { reconciler } = managementClusters.config;
  const selected = managementClusters.list().filter(mc => !reconciler.managementClusters || reconciler.managementClusters.includes(mc.name));
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
        ...(opts.functionalProbe ? { functionalProbe: opts.functionalProbe } : {}),
        // The reconciler enforces the very policy the routes check (`k0smotron.policy`).
        policy: managementClusters.config.policy,
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
