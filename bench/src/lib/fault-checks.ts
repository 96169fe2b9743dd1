// What the fault tests check once every Cluster has converged: the namespace holds exactly the
// generated children (nothing missing, duplicated or orphaned), each owned by its own Cluster, and
// the certificate Secrets that existed before the fault are the same objects afterwards.
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';
import { clusterObjectNames } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { expectedChildren } from './children';

export const PKI_KEYS = ['caSecret', 'saSecret', 'proxySecret', 'etcdCaSecret', 'apiserverEtcdClientSecret', 'etcdServerSecret', 'etcdPeerSecret'] as const;

export interface ChildrenReport {
  /** Children of a kind the operator makes that no Cluster should have (duplicates, orphans). */
  unexpected: string[];
  missing: string[];
  /** `kind/name → owner uids` where the owners are not exactly the Cluster of its `cluster` label. */
  badOwners: string[];
  /** Clusters in the namespace other than the expected ones, or expected ones that are gone. */
  clusters: { unexpected: string[]; missing: string[] };
}

/** Compares the namespace's Services, ConfigMaps, Secrets and StatefulSets with what `clusters` should have. */
export async function checkChildren(kc: KubeConfig, ns: string, clusters: string[]): Promise<ChildrenReport> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const uids = new Map((await new K0smotronClient(kc).listClusters(ns)).map(c => [c.metadata.name!, c.metadata.uid!]));
  const [svcs, cms, secrets, stss] = await Promise.all([
    core.listNamespacedService({ namespace: ns }),
    core.listNamespacedConfigMap({ namespace: ns }),
    core.listNamespacedSecret({ namespace: ns }),
    apps.listNamespacedStatefulSet({ namespace: ns }),
  ]);
  const actual: { key: string; meta: V1ObjectMeta }[] = [
    ...svcs.items.map(o => ({ key: `services/${o.metadata!.name}`, meta: o.metadata! })),
    ...cms.items.map(o => ({ key: `configmaps/${o.metadata!.name}`, meta: o.metadata! })),
    ...secrets.items.map(o => ({ key: `secrets/${o.metadata!.name}`, meta: o.metadata! })),
    ...stss.items.map(o => ({ key: `statefulsets/${o.metadata!.name}`, meta: o.metadata! })),
  ].filter(o => o.key !== 'configmaps/kube-root-ca.crt' && !o.key.startsWith('secrets/default-token-'));
  const expected = new Set(clusters.flatMap(n => expectedChildren(n).map(c => `${c.kind}/${c.name}`)));
  const present = new Set(actual.map(o => o.key));
  const badOwners = actual.flatMap(o => {
    const owners = (o.meta.ownerReferences ?? []).map(r => r.uid);
    const own = uids.get(o.meta.labels?.cluster ?? '');
    return owners.length === 1 && own !== undefined && owners[0] === own ? [] : [`${o.key} → ${owners.join(',') || 'none'}`];
  });
  return {
    unexpected: [...present].filter(k => !expected.has(k)).sort(),
    missing: [...expected].filter(k => !present.has(k)).sort(),
    badOwners,
    clusters: {
      unexpected: [...uids.keys()].filter(n => !clusters.includes(n)).sort(),
      missing: clusters.filter(n => !uids.has(n)).sort(),
    },
  };
}

/** uid and resourceVersion of every certificate Secret of `clusters` present now. */
export async function pkiSecrets(kc: KubeConfig, ns: string, clusters: string[]): Promise<Map<string, string>> {
  const wanted = new Set(clusters.flatMap(n => PKI_KEYS.map(k => clusterObjectNames(n)[k])));
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns });
  return new Map(
    list.items.filter(s => wanted.has(s.metadata!.name!)).map(s => [s.metadata!.name!, `uid ${s.metadata!.uid} rv ${s.metadata!.resourceVersion}`]),
  );
}

/** Certificate Secrets of `before` that are now gone or another object or rewritten: a second PKI. */
export function changedPki(before: Map<string, string>, now: Map<string, string>): string[] {
  return [...before].filter(([name, state]) => now.get(name) !== state).map(([name, state]) => `${name}: ${state} → ${now.get(name) ?? 'gone'}`);
}

/** One scrape of an operator's /metrics, as the fault tests read it. */
export interface OperatorCounts {
  /** k0smotron_api_requests_total, all verbs and codes. */
  total: number;
  /** Requests that got no answer (code 0) or a 5xx. */
  failed: number;
  /** Requests by "verb code", e.g. "patch 200". */
  byKey: Record<string, number>;
  /** create/update/patch/delete requests the API server accepted (2xx): writes that happened. */
  writesDone: number;
  /** create/patch/delete requests, any answer: all writes but `update`, which only Lease renewals use. */
  writesButLease: number;
  clusterQueueDepth: number;
  /** Cluster reconciles: all, and those that failed (requeued with backoff). */
  reconciles: number;
  reconcileErrors: number;
  /** k0smotron_leader is 1. */
  leader: boolean;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete']);

export function parseOperatorCounts(text: string): OperatorCounts {
  const c: OperatorCounts = {
    total: 0,
    failed: 0,
    byKey: {},
    writesDone: 0,
    writesButLease: 0,
    clusterQueueDepth: 0,
    reconciles: 0,
    reconcileErrors: 0,
    leader: false,
  };
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(x => [x[1], x[2]]));
    const value = Number(m[3]);
    if (m[1] === 'k0smotron_api_requests_total') {
      const code = Number(labels.code);
      c.total += value;
      c.byKey[`${labels.verb} ${code}`] = (c.byKey[`${labels.verb} ${code}`] ?? 0) + value;
      if (code === 0 || code >= 500) c.failed += value;
      if (WRITE_VERBS.has(labels.verb) && code >= 200 && code < 300) c.writesDone += value;
      if (WRITE_VERBS.has(labels.verb) && labels.verb !== 'update') c.writesButLease += value;
    } else if (m[1] === 'k0smotron_reconcile_total' && labels.controller === 'cluster') {
      c.reconciles += value;
      if (labels.result === 'error') c.reconcileErrors += value;
    } else if (m[1] === 'k0smotron_workqueue_depth' && labels.controller === 'cluster') {
      c.clusterQueueDepth = value;
    } else if (m[1] === 'k0smotron_leader') {
      c.leader = value === 1;
    }
  }
  return c;
}

export async function operatorCounts(metricsBaseUrl: string): Promise<OperatorCounts> {
  const r = await fetch(`${metricsBaseUrl}/metrics`);
  if (!r.ok) throw new Error(`${metricsBaseUrl}/metrics answered ${r.status}`);
  return parseOperatorCounts(await r.text());
}

/** b - a for each key that changed. */
export function countsDelta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(b)
      .map(([k, v]) => [k, v - (a[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );
}

/**
 * Waits until an operator's Cluster queue is empty and it made no write (Lease renewals aside)
 * for `quietMs`; throws after `timeoutMs` saying what kept changing.
 */
export async function waitQuiet(metricsBaseUrl: string, quietMs = 2000, timeoutMs = 30_000): Promise<OperatorCounts> {
  const deadline = Date.now() + timeoutMs;
  let last = await operatorCounts(metricsBaseUrl);
  for (let quietSince = Date.now(); Date.now() - quietSince < quietMs;) {
    if (Date.now() > deadline) {
      throw new Error(
        `the operator did not settle within ${timeoutMs / 1000} s: Cluster queue depth ${last.clusterQueueDepth}, requests ${JSON.stringify(last.byKey)}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
    const c = await operatorCounts(metricsBaseUrl);
    if (c.writesButLease !== last.writesButLease || c.clusterQueueDepth > 0) quietSince = Date.now();
    last = c;
  }
  return last;
}
