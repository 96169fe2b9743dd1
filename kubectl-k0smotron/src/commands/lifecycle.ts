// Day-2 verbs that change one field of a Cluster: delete, scale, upgrade, pause/resume and
// sleep/wake. Each validates the changed Cluster with the shared validator before patching and
// prints `cluster.k0smotron.io/NAME <verb>` like kubectl.
import { ANNOTATION_PAUSED, type Cluster } from '@k0smotron/api';
import { CliError } from '../errors';
import type { Session } from '../session';
import { CLUSTERS, CLUSTER_TYPE, notFoundHint, requireCluster } from './common';
import { intFlag } from './create';
import { checkCluster } from './validate';
import { lastCondition, parseTimeout, waitForCluster } from './wait';

/** Where `sleep` remembers the replica count that `wake` restores. */
export const ANNOTATION_SLEEP_REPLICAS = 'k0smotron.io/replicas-before-sleep';

interface NameArgs {
  name: string;
}

async function patch(s: Session, name: string, mergePatch: object): Promise<Cluster> {
  const namespace = s.namespace;
  return s.call({ verb: 'patch', resource: CLUSTERS, namespace, name }, () => s.client.patchCluster(namespace, name, mergePatch));
}

/** Applies a merge patch to a copy, for validation before sending it (pure). */
export function withPatch(c: Cluster, p: { spec?: object; metadata?: { annotations?: Record<string, string | null> } }): Cluster {
  const annotations = { ...c.metadata.annotations };
  for (const [k, v] of Object.entries(p.metadata?.annotations ?? {})) {
    if (v === null) delete annotations[k];
    else annotations[k] = v;
  }
  return { ...c, metadata: { ...c.metadata, annotations }, spec: { ...c.spec, ...p.spec } };
}

export async function runScale(s: Session, args: NameArgs & { replicas: string }): Promise<void> {
  const replicas = intFlag('--replicas', args.replicas, 'use a whole number from 0 to 99')!;
  const cluster = await requireCluster(s, args.name);
  const change = { spec: { replicas } };
  checkCluster(withPatch(cluster, change));
  if ((cluster.spec?.replicas ?? 1) === replicas) {
    s.print(`${CLUSTER_TYPE}/${args.name} unchanged (already ${replicas} replica${replicas === 1 ? '' : 's'})`);
    return;
  }
  await patch(s, args.name, change);
  s.print(`${CLUSTER_TYPE}/${args.name} scaled`);
}

export async function runUpgrade(s: Session, args: NameArgs & { k0sVersion: string }): Promise<void> {
  const cluster = await requireCluster(s, args.name);
  const change = { spec: { version: args.k0sVersion } };
  checkCluster(withPatch(cluster, change));
  const from = cluster.spec?.version ?? cluster.status?.version ?? 'the default version';
  if (cluster.spec?.version === args.k0sVersion) {
    s.print(`${CLUSTER_TYPE}/${args.name} unchanged (already ${args.k0sVersion})`);
    return;
  }
  await patch(s, args.name, change);
  s.print(`${CLUSTER_TYPE}/${args.name} upgraded (${from} → ${args.k0sVersion})`);
  s.progress(`The controllers roll one at a time; follow with \`kubectl k0smotron status ${args.name}\`.`);
}

export async function runPause(s: Session, args: NameArgs): Promise<void> {
  const cluster = await requireCluster(s, args.name);
  if (cluster.metadata.annotations?.[ANNOTATION_PAUSED] === 'true') {
    s.print(`${CLUSTER_TYPE}/${args.name} unchanged (already paused)`);
    return;
  }
  await patch(s, args.name, { metadata: { annotations: { [ANNOTATION_PAUSED]: 'true' } } });
  s.print(`${CLUSTER_TYPE}/${args.name} paused`);
}

export async function runResume(s: Session, args: NameArgs): Promise<void> {
  const cluster = await requireCluster(s, args.name);
  if (cluster.metadata.annotations?.[ANNOTATION_PAUSED] === undefined) {
    s.print(`${CLUSTER_TYPE}/${args.name} unchanged (not paused)`);
    return;
  }
  await patch(s, args.name, { metadata: { annotations: { [ANNOTATION_PAUSED]: null } } });
  s.print(`${CLUSTER_TYPE}/${args.name} resumed`);
}

export async function runSleep(s: Session, args: NameArgs): Promise<void> {
  const cluster = await requireCluster(s, args.name);
  const replicas = cluster.spec?.replicas ?? 1;
  if (replicas === 0) {
    s.print(`${CLUSTER_TYPE}/${args.name} unchanged (already asleep)`);
    return;
  }
  await patch(s, args.name, {
    metadata: { annotations: { [ANNOTATION_SLEEP_REPLICAS]: String(replicas) } },
    spec: { replicas: 0 },
  });
  s.print(`${CLUSTER_TYPE}/${args.name} asleep (was ${replicas} replica${replicas === 1 ? '' : 's'}; \`kubectl k0smotron wake ${args.name}\` restores them)`);
}

/** The count `wake` restores: the remembered one, else 1 (pure). */
export function wakeReplicas(c: Cluster): number {
  const remembered = Number(c.metadata.annotations?.[ANNOTATION_SLEEP_REPLICAS]);
  return Number.isInteger(remembered) && remembered > 0 ? remembered : 1;
}

export async function runWake(s: Session, args: NameArgs): Promise<void> {
  const cluster = await requireCluster(s, args.name);
  if ((cluster.spec?.replicas ?? 1) > 0) {
    s.print(`${CLUSTER_TYPE}/${args.name} unchanged (not asleep)`);
    return;
  }
  const replicas = wakeReplicas(cluster);
  await patch(s, args.name, {
    metadata: { annotations: { [ANNOTATION_SLEEP_REPLICAS]: null } },
    spec: { replicas },
  });
  s.print(`${CLUSTER_TYPE}/${args.name} awake (${replicas} replica${replicas === 1 ? '' : 's'})`);
}

/** What keeps a deleted Cluster: its finalizers, when it has any (pure). */
export function stillThere(c: Cluster | undefined): string {
  const finalizers = c?.metadata.finalizers ?? [];
  return finalizers.length > 0 ? `finalizers still set: ${finalizers.join(', ')}` : `last condition: ${lastCondition(c)}`;
}

export async function runDelete(s: Session, args: { names: string[]; wait: boolean; timeout: string }): Promise<void> {
  const timeoutMs = parseTimeout(args.timeout);
  const namespace = s.namespace;
  for (const name of args.names) {
    try {
      await s.call({ verb: 'delete', resource: CLUSTERS, namespace, name }, () => s.client.deleteCluster(namespace, name));
    } catch (err) {
      if (err instanceof CliError && /not found/.test(err.message)) {
        throw new CliError(`cluster "${name}" not found in namespace "${namespace}"`, await notFoundHint(s, namespace));
      }
      throw err;
    }
    s.print(`${CLUSTER_TYPE}/${name} deleted`);
  }
  if (args.wait) {
    for (const name of args.names) {
      await waitForCluster(s, namespace, name, c => c === undefined, timeoutMs, 'be deleted', stillThere);
    }
  }
}
