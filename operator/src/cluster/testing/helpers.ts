// Shared helpers of the Cluster reconciler's integration tests (real test cluster, hollow nodes).
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Cluster, Condition } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { poller } from '@k0smotron/testenv';
import { JsonLogger, startOperator, writeRequests, type RunningOperator } from '../../index';
import { ChildApiAccess } from '../../childapi/access';
import { childApiResolver, type ChildApiResolver } from '../../childapi/resolver';
import { defaultClusterController, type DefaultClusterControllerOptions } from '../../controllers';
import type { ControllerSpec } from '../../engine/contract';
import { servedCronJobApiVersion } from '../cronjob-version';

/** Polling with this suite's longer defaults (pods start on hollow nodes). */
export const eventually = poller({ timeoutMs: 60_000, everyMs: 200 });

export function apis(kc: KubeConfig) {
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), kmc: new K0smotronClient(kc) };
}

export type TestClusterControllerOptions = Omit<DefaultClusterControllerOptions, 'access' | 'cronJobApiVersion'> & {
  /** Where the probe finds each child API server (default: production's, `auto`). */
  childApi?: ChildApiResolver;
};

/**
 * The Cluster controller exactly as the operator wires it (functional probe included), for a
 * test of the Cluster reconciler alone. Outside a pod production's `auto` resolves each child by
 * `status.endpoint`: on hollow nodes nothing listens there, and the probe says so.
 */
export async function productionClusterController(kc: KubeConfig, opts: TestClusterControllerOptions = {}): Promise<ControllerSpec> {
  const { childApi, ...rest } = opts;
  const access = new ChildApiAccess({ resolver: childApi ?? childApiResolver('auto') });
  return defaultClusterController({ access, cronJobApiVersion: await servedCronJobApiVersion(kc), ...rest });
}

export async function startClusterOperator(kc: KubeConfig, namespaces: string[], opts: TestClusterControllerOptions = {}): Promise<RunningOperator> {
  return startOperator({
    kubeConfig: kc,
    namespaces,
    controllers: [await productionClusterController(kc, opts)],
    logger: new JsonLogger({ level: process.env.K0SMOTRON_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error' }),
  });
}

export function newCluster(namespace: string, name: string, spec: Cluster['spec'], meta: Partial<Cluster['metadata']> = {}): Cluster {
  return { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name, namespace, ...meta }, spec };
}

export function condition(c: Cluster | undefined, type: string): Condition | undefined {
  return c?.status?.conditions?.find(x => x.type === type);
}

/** Waits until the Cluster has condition `type` with `status` (and `reason` if given). */
export async function waitForCondition(
  kmc: K0smotronClient,
  ns: string,
  name: string,
  type: string,
  status: string,
  reason?: string,
  timeoutMs = 90_000,
): Promise<Cluster> {
  return eventually(
    `${ns}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`,
    async () => {
      const c = await kmc.getCluster(ns, name);
      const cond = condition(c, type);
      if (cond?.status === status && (!reason || cond.reason === reason)) return c;
      if (cond) throw new Error(`now ${cond.status} ${cond.reason}: ${cond.message}`);
      return undefined;
    },
    timeoutMs,
    250,
  );
}

/**
 * The furthest a Cluster gets on the test cluster's hollow nodes, as production reports it:
 * certificates, Service, kubeconfig and a Ready replica are all there (Available is judged in
 * that order), but nothing runs inside the pods, so the functional probe finds no API server and
 * Available is False for that reason alone. On a real cluster this is where Available turns True.
 */
export async function waitForHollowReady(kmc: K0smotronClient, ns: string, name: string, timeoutMs = 90_000): Promise<Cluster> {
  const c = await waitForCondition(kmc, ns, name, 'Available', 'False', 'ControlPlaneNotFunctional', timeoutMs);
  const functional = condition(c, 'ControlPlaneFunctional');
  if (functional?.status !== 'False') throw new Error(`${ns}/${name}: ControlPlaneFunctional is ${functional?.status} ${functional?.reason}, not False`);
  return c;
}

export async function controlPlanePods(core: CoreV1Api, ns: string, name: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=k0smotron,cluster=${name},cluster.x-k8s.io/control-plane=true` });
  return list.items.filter(p => !p.metadata?.deletionTimestamp);
}

/** Writes made by an operator so far (creates, patches, updates, deletes). Events excluded: they are not state. */
export function writes(op: RunningOperator): number {
  return writeRequests(op.requestCounts(), { exclude: ['events'] });
}

export async function reasonsOfEvents(kmc: K0smotronClient, ns: string, name: string): Promise<string[]> {
  const events = await kmc.listEvents(ns, name, 'Cluster');
  return events.map(e => `${e.type}:${e.reason}`);
}
