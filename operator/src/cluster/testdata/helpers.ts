// Shared helpers of the Cluster reconciler's integration tests (real test cluster, hollow nodes).
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Cluster, Condition } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { JsonLogger, startOperator, writeRequests, type RunningOperator } from '../../index';
import { clusterController, type ClusterControllerOptions } from '../controller';
import { servedCronJobApiVersion } from '../cronjob-version';
import { eventually as pollUntil } from '../../engine/testdata/eventually';

/** The engine's polling helper with this suite's longer defaults (pods start on hollow nodes). */
export function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  return pollUntil(what, fn, timeoutMs, everyMs);
}

export function apis(kc: KubeConfig) {
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), kmc: new K0smotronClient(kc) };
}

export async function startClusterOperator(kc: KubeConfig, namespaces: string[], opts: ClusterControllerOptions = {}): Promise<RunningOperator> {
  return startOperator({
    kubeConfig: kc,
    namespaces,
    controllers: [clusterController({ cronJobApiVersion: await servedCronJobApiVersion(kc), ...opts })],
    logger: new JsonLogger({ level: process.env.K0SMOTRON_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error' }),
  });
}

export function newCluster(namespace: string, name: string, spec: Cluster['spec'], meta: Partial<Cluster['metadata']> = {}): Cluster {
  return { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name, namespace, ...meta }, spec };
}

export function condition(c: Cluster | undefined, type: string): Condition | undefined {
  return c?.status?.conditions?.find((x) => x.type === type);
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
  return eventually(`${ns}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, async () => {
    const c = await kmc.getCluster(ns, name);
    const cond = condition(c, type);
    if (cond?.status === status && (!reason || cond.reason === reason)) return c;
    if (cond) throw new Error(`now ${cond.status} ${cond.reason}: ${cond.message}`);
    return undefined;
  }, timeoutMs, 250);
}

export async function controlPlanePods(core: CoreV1Api, ns: string, name: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=k0smotron,cluster=${name},cluster.x-k8s.io/control-plane=true` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Writes made by an operator so far (creates, patches, updates, deletes). Events excluded: they are not state. */
export function writes(op: RunningOperator): number {
  return writeRequests(op.requestCounts(), { exclude: ['events'] });
}

export async function reasonsOfEvents(kmc: K0smotronClient, ns: string, name: string): Promise<string[]> {
  const events = await kmc.listEvents(ns, name, 'Cluster');
  return events.map((e) => `${e.type}:${e.reason}`);
}
