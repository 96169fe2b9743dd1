// The Cluster reconciler: reads the Cluster and its children from the cache, computes every child
// with the pure builders in ./desired, applies only what changed (server-side apply), and writes
// status once, only when it changed. Level-based: running it twice on the same state is a no-op.
// The steps live beside it: certificates.ts, kubeconfig.ts, name-conflicts.ts, kine-secret.ts,
// pvcs.ts, probe-cache.ts.
import type { KubernetesObject, V1ConfigMap, V1Node, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import {
  ANNOTATION_PAUSED,
  API_VERSION,
  CLUSTER_KIND,
  clusterBaseLabels,
  DEFAULT_TENANT_POLICY,
  clusterPolicyViolations,
  unsupportedFeatures,
  type TenantPolicy,
  type CertificateRefType,
  type Cluster,
  type ClusterStatus,
} from '@k0smotron/api';
import { validateClusterSpec } from '@k0smotron/api/validation';
import type { ControllerSpec, ObjectKey, ReconcileContext, ReconcileResult } from '../engine/contract';
import { canonicalJson } from '../engine/hash';
import { requiredPurposes } from '../pki';
import {
  SpecError,
  certificateSources,
  childPodViolations,
  clusterView,
  computeStatus,
  desiredChildren,
  kineDataSourceSecret,
  notableConditionChanges,
  resolveEndpoint,
  staleServiceNames,
  type CronJobApiVersion,
  type ClusterView,
  type StatusFacts,
} from './desired';
import { ensureCertificates } from './certificates';
import { foreignController, isApiError, policyError, settleAll } from './helpers';
import { checkKineSecret } from './kine-secret';
import { CLUSTER_GVK, CONFIGMAP, NODE, PVC, SECRET, SERVICE, STATEFULSET } from './kinds';
import { ensureKubeconfig } from './kubeconfig';
import { assertNoNameConflicts, clustersWaitingForNodePorts, nodePortConflict, nodePortConflictIndex } from './name-conflicts';
import { ProbeMemo, probeFunctional, type ClusterFunctionalProbe } from './probe-cache';
import { reconcilePvcOwnership } from './pvcs';
import type { ClusterMemory, ClusterStep } from './reconcile-step';
import { StepTimer } from './step-timer';
import { ClusterWatchIndex, dropConfigMapData, dropSecretData, slimNode } from './watch-index';

export { CLUSTER_GVK };
export type { ClusterFunctionalProbe };

/**
 * Owned kinds are listed and watched with this selector only, so the operator does not cache
 * every StatefulSet, Service and ConfigMap of every tenant. Every child carries it: `app` is one
 * of the base labels that `clusterChildLabels` writes after the user's labels (a Cluster label
 * cannot override it), and upstream k0smotron labels its children `app=k0smotron` as well. A
 * child that lacks it (edited by hand) is not in the cache, so the next reconcile applies it
 * again, which puts the label back.
 */
export const OWNED_SELECTOR = `app=${clusterBaseLabels('').app}`;

export interface ClusterControllerOptions {
  /** ControlPlaneFunctional; without it the condition stays Unknown/NotChecked. */
  functionalProbe?: ClusterFunctionalProbe;
  /** Workers (default: the engine's). */
  concurrency?: number;
  /** How often to look again while waiting for a LoadBalancer address (default 15 s). */
  loadBalancerRecheckMs?: number;
  /** What tenants' Clusters may ask for (default: DEFAULT_TENANT_POLICY). */
  policy?: TenantPolicy;
  /**
   * The CronJob API version the management cluster serves (`servedCronJobApiVersion()` asks).
   * Without it the defrag CronJob (`storage.etcd.defragJob`) is neither written nor watched.
   */
  cronJobApiVersion?: CronJobApiVersion;
  /**
   * The time reconciles work with (default: the engine's clock). Certificate lifetimes are days,
   * so tests move this forward to see renewals happen, without touching the engine's timers.
   */
  now?: () => Date;
}

const MAX_REQUEUE_MS = 12 * 60 * 60 * 1000;
/** How often the controller looks for remembered Clusters that are gone (see `sweep`). */
export const MEMORY_SWEEP_MS = 5 * 60_000;

export function clusterController(opts: ClusterControllerOptions = {}): ControllerSpec {
  // Compile the spec validators now rather than in the first reconcile (~0.5 s of CPU).
  validateClusterSpec({});
  const index = new ClusterWatchIndex();
  const kineChecked = new Map<string, string>(); // "ns/name" → resourceVersion whose key was present
  const probes = new ProbeMemo();

  // Everything kept per Cluster goes when the Cluster goes (its reconcile finds it gone), so
  // memory follows the Clusters that exist, not every Cluster ever seen.
  const freeNames = new Map<string, { uid: string; names: Set<string> }>();
  const memory: ClusterMemory = {
    index,
    kineChecked,
    probes,
    freeNames,
    forget(key) {
      freeNames.delete(`${key.namespace}/${key.name}`);
      for (const secret of index.forget(key)) kineChecked.delete(secret);
      probes.forget(key);
      opts.functionalProbe?.forget?.(key);
    },
  };
  // A Cluster deleted while this instance was not reconciling (a standby, or between losing and
  // regaining the lease) is never reconciled as gone: now and then, forget every remembered
  // Cluster that the cache no longer holds. Cheap: one cache lookup per remembered Cluster.
  let lastSweep: number | undefined;
  const sweep = (ctx: ReconcileContext) => {
    const now = ctx.now().getTime();
    if (lastSweep !== undefined && now - lastSweep < MEMORY_SWEEP_MS) return;
    lastSweep = now;
    const remembered = new Set([...index.keys(), ...probes.keys(), ...freeNames.keys(), ...(opts.functionalProbe?.keys?.() ?? [])]);
    for (const k of remembered) {
      const slash = k.indexOf('/');
      const key = { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
      if (!ctx.cache.get(CLUSTER_GVK, key.namespace, key.name)) memory.forget(key);
    }
  };
  return {
    name: 'cluster',
    for: { ...CLUSTER_GVK },
    owns: [
      { ...STATEFULSET, labelSelector: OWNED_SELECTOR },
      { ...SERVICE, labelSelector: OWNED_SELECTOR },
      { ...CONFIGMAP, labelSelector: OWNED_SELECTOR, transform: dropConfigMapData },
      // Only when the served CronJob API is known (startOperator asks the API server).
      ...(opts.cronJobApiVersion ? [{ apiVersion: opts.cronJobApiVersion, kind: 'CronJob', labelSelector: OWNED_SELECTOR }] : []),
      // No selector: Secrets have one informer for every spec of the kind, and the `watches`
      // entry below needs Secrets without our labels.
      { ...SECRET, transform: dropSecretData },
    ],
    watches: [
      { ...NODE, clusterScoped: true, transform: slimNode, map: (n, event) => index.clustersForNode(n, event) },
      // A NodePort freed by another Cluster's Service wakes the Clusters waiting for one.
      { ...SERVICE, labelSelector: OWNED_SELECTOR, map: clustersWaitingForNodePorts },
      // Secrets a Cluster references but does not own (the kine data source, certificateRefs)
      // are the user's and carry none of our labels, so Secrets are watched without a selector;
      // an event on one must wake the Clusters that name it. Only metadata is kept (no data), so
      // this costs a few hundred bytes per Secret in the watched namespaces.
      { ...SECRET, transform: dropSecretData, map: s => index.clustersForSecret(s) },
      {
        // PVCs made from our volumeClaimTemplates carry the StatefulSet's selector labels,
        // `app=k0smotron` among them; no other PVC matters here.
        ...PVC,
        labelSelector: OWNED_SELECTOR,
        map: pvc => {
          const cluster = pvc.metadata?.labels?.cluster;
          return cluster && pvc.metadata?.labels?.app === 'k0smotron' ? [{ namespace: pvc.metadata!.namespace!, name: cluster }] : [];
        },
      },
    ],
    indexes: [nodePortConflictIndex],
    // Reconciles wait on the API server far more than on CPU (PKI work has its own semaphore).
    concurrency: opts.concurrency ?? 8,
    reconcile: (key, engineCtx) => {
      const ctx = opts.now ? { ...engineCtx, now: opts.now } : engineCtx;
      sweep(ctx);
      return new ClusterReconcile(key, ctx, opts, memory).run();
    },
    sizes: () => ({
      ...index.sizes(),
      kineChecked: kineChecked.size,
      probeMemo: probes.size(),
      freeNames: freeNames.size,
      ...opts.functionalProbe?.sizes?.(),
    }),
  };
}

/** One reconcile of one Cluster. */
class ClusterReconcile implements ClusterStep {
  readonly facts: Partial<StatusFacts> = {};
  private requeueMs: number | undefined;
  private readonly timer = new StepTimer();

  private step(name: string): void {
    this.timer.step(name);
  }

  constructor(
    readonly key: ObjectKey,
    readonly ctx: ReconcileContext,
    private readonly opts: ClusterControllerOptions,
    readonly memory: ClusterMemory,
  ) {}

  private get cronJob(): { apiVersion: CronJobApiVersion; kind: string } | undefined {
    return this.opts.cronJobApiVersion ? { apiVersion: this.opts.cronJobApiVersion, kind: 'CronJob' } : undefined;
  }

  requeue(ms: number): void {
    const capped = Math.max(1000, Math.min(ms, MAX_REQUEUE_MS));
    this.requeueMs = this.requeueMs === undefined ? capped : Math.min(this.requeueMs, capped);
  }

  cached<T extends KubernetesObject>(gvk: { apiVersion: string; kind: string }, name: string): T | undefined {
    return this.ctx.cache.get<T>(gvk, this.key.namespace, name);
  }

  async run(): Promise<ReconcileResult | void> {
    const cluster = this.ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, this.key.namespace, this.key.name);
    if (!cluster) {
      // Gone: the garbage collector removes the children through their owner references, and
      // everything remembered about the Cluster (watch index, kine check, probe memo and failure
      // count, child-API client certificate) is dropped here.
      this.memory.forget(this.key);
      return;
    }
    const base = {
      name: this.key.name,
      namespace: this.key.namespace,
      generation: cluster.metadata.generation ?? 0,
      now: this.ctx.now(),
      previous: cluster.status,
    };
    const specReplicas = typeof cluster.spec?.replicas === 'number' ? cluster.spec.replicas : 1;
    const version = cluster.spec?.version ?? cluster.status?.version ?? '';

    if (cluster.metadata.deletionTimestamp) {
      await this.writeStatus(cluster, { ...base, desiredReplicas: specReplicas, version, deleting: true });
      return;
    }
    if (cluster.metadata.annotations?.[ANNOTATION_PAUSED] === 'true') {
      await this.writeStatus(cluster, { ...base, desiredReplicas: specReplicas, version, paused: true });
      return;
    }

    let view: ClusterView | undefined;
    try {
      const validation = validateClusterSpec(cluster.spec);
      if (!validation.ok) {
        throw new SpecError('InvalidSpec', validation.errors.map(e => `${e.path}: ${e.message}`).join('; '));
      }
      this.facts.unsupported = unsupportedFeatures(cluster.spec);
      const policy = this.opts.policy ?? DEFAULT_TENANT_POLICY;
      const violations = clusterPolicyViolations(this.key.namespace, cluster.spec, policy);
      if (violations.length) throw policyError(violations);
      view = clusterView(cluster);
      Object.assign(this.facts, { desiredReplicas: view.replicas, version: view.version });
      const released = this.memory.index.track(this.key, {
        nodePort: view.service.type === 'NodePort' && !view.externalAddress,
        secrets: [
          ...(view.storage.type === 'kine' && view.storage.generatedDataSourceURL === undefined ? [view.storage.dataSourceSecretName] : []),
          ...(view.certificateRefs ?? []).map(r => r.name),
        ],
      });
      for (const secret of released) this.memory.kineChecked.delete(secret);
      await this.reconcileChildren(cluster, view);
    } catch (err) {
      const failure = this.describeFailure(err);
      if (failure) {
        this.ctx.events.event(cluster, 'Warning', failure.reason, failure.message);
        await this.writeStatus(cluster, {
          ...base,
          desiredReplicas: view?.replicas ?? specReplicas,
          version: view?.version ?? version,
          ...this.facts,
          failure,
        }).catch(statusErr => this.ctx.log.warn('could not write the failure status', { error: String(statusErr) }));
      } else {
        this.ctx.events.event(cluster, 'Warning', 'ReconcileError', `reconcile failed, retrying: ${(err as Error).message}`);
      }
      throw err; // retried with per-key backoff; other Clusters are unaffected
    }
    this.step('pvcs+probe');
    await this.writeStatus(cluster, { ...base, desiredReplicas: view.replicas, version: view.version, ...this.facts });
    this.step('status');
    this.ctx.log.debug('reconciled', { steps: this.timer.steps });
    return this.requeueMs === undefined ? undefined : { requeueAfterMs: this.requeueMs };
  }

  /** Problems the user can fix are shown in status; API outages and conflicts are only retried. */
  private describeFailure(err: unknown): { reason: string; message: string } | undefined {
    if (err instanceof SpecError) return { reason: err.reason, message: err.message };
    if (isApiError(err) && (err.status === 400 || err.status === 422)) {
      return { reason: 'ApplyRejected', message: `the API server rejected a generated object: ${err.message}` };
    }
    return undefined;
  }

  private async reconcileChildren(cluster: Cluster & KubernetesObject, view: ClusterView): Promise<void> {
    const { client, cache } = this.ctx;
    const secretVersions: Record<string, string> = {};

    // Before any write: the pods as they will run (patches applied) must pass the policy, and no
    // child may land on an object that another Cluster (or anyone else) owns.
    const policy = this.opts.policy ?? DEFAULT_TENANT_POLICY;
    const preview = desiredChildren(view, {
      clusterIPs: [],
      endpoint: { known: false, reason: 'WaitingForLoadBalancer', message: '' },
      certSecretNames: Object.fromEntries(certificateSources(view, requiredPurposes(view.storage.type)).map(s => [s.purpose, s.secretName])),
      secretVersions: {},
      existingEtcd: this.cached<V1StatefulSet>(STATEFULSET, view.names.etcdStatefulSet),
      cronJobApiVersion: this.opts.cronJobApiVersion,
    });
    const podViolations = childPodViolations(view, preview, policy);
    if (podViolations.length) throw policyError(podViolations);
    await assertNoNameConflicts(this, view, preview);

    // Datastore Secret (kine): must exist with its key before pods can start. An inline URL is
    // written into a Secret of our own; a named Secret is the user's and is only read.
    const kineSecret = kineDataSourceSecret(view);
    if (kineSecret) {
      const applied = await client.applyIfChanged(kineSecret, this.cached(SECRET, kineSecret.metadata!.name!));
      secretVersions[kineSecret.metadata!.name!] =
        applied?.metadata?.resourceVersion ?? this.cached<V1Secret>(SECRET, kineSecret.metadata!.name!)?.metadata?.resourceVersion ?? '';
    } else if (view.storage.type === 'kine') {
      const name = view.storage.dataSourceSecretName;
      secretVersions[name] = await checkKineSecret(this, name);
    }

    // Certificates (generated once, or the user's) and the Services go out together: the Service
    // does not depend on certificate contents, only on their Secret names, which are known now.
    this.step('validate');
    const certNames = Object.fromEntries(certificateSources(view, requiredPurposes(view.storage.type)).map(s => [s.purpose, s.secretName])) as Partial<
      Record<CertificateRefType, string>
    >;
    let service = this.cached<V1Service>(SERVICE, view.service.name);
    const nodes = cache.list<V1Node>(NODE);
    const existingEtcd = this.cached<V1StatefulSet>(STATEFULSET, view.names.etcdStatefulSet);
    const build = (svc: V1Service | undefined) => {
      const endpoint = resolveEndpoint(view, { service: svc, nodes, currentEndpoint: cluster.status?.endpoint });
      const clusterIPs = svc?.spec?.clusterIPs ?? (svc?.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? [svc.spec.clusterIP] : []);
      const children = desiredChildren(view, {
        clusterIPs,
        endpoint,
        certSecretNames: certNames,
        secretVersions,
        existingEtcd,
        cronJobApiVersion: this.opts.cronJobApiVersion,
      });
      return { endpoint, children };
    };
    const early = build(service).children;
    const [certificates] = await settleAll([
      ensureCertificates(this, cluster, view, secretVersions),
      (async () => {
        // A new Service's ClusterIP is part of the k0s config (API SANs): the apply's answer
        // carries it, so nothing waits for the cache to catch up.
        const applied = await client.applyIfChanged(early.service, service).catch((err: unknown) => {
          throw nodePortConflict(this, err, view, early.service) ?? err;
        });
        if (applied && !service) {
          this.ctx.events.event(cluster, 'Normal', 'ServiceCreated', `created Service ${view.service.name} (${view.service.type})`);
        }
        if (applied) service = applied;
      })(),
      early.etcdService ? client.applyIfChanged(early.etcdService, this.cached(SERVICE, view.names.etcdService)) : undefined,
    ]);
    this.step('certificates+service');
    // secretVersions is complete now: the StatefulSets roll when a certificate Secret changes.
    const { endpoint, children } = build(service);
    for (const stale of staleServiceNames(view)) {
      const old = this.cached<V1Service>(SERVICE, stale);
      if (old && old.metadata?.ownerReferences?.some(r => r.uid === view.uid)) {
        await client.delete({ ...SERVICE, namespace: view.namespace, name: stale });
        this.ctx.events.event(cluster, 'Normal', 'ServiceDeleted', `deleted Service ${stale}: service.type is now ${view.service.type}`);
      }
    }
    this.facts.endpoint = endpoint;

    // Datastore: its certificate Secrets exist now, so etcd can start.
    const cronJob = this.cronJob;
    const defragCronJob = cronJob && this.cached<KubernetesObject>(cronJob, view.names.etcdDefragCronJob);
    const datastore = async () => {
      if (children.etcdDefragCronJob) {
        await client.applyIfChanged(children.etcdDefragCronJob, defragCronJob);
      } else if (cronJob && defragCronJob && !foreignController(defragCronJob, view.uid)) {
        // defragJob switched off (or storage changed): the CronJob goes; its Jobs follow by GC.
        await client.delete({ ...cronJob, namespace: view.namespace, name: view.names.etcdDefragCronJob });
      }
      if (children.etcdStatefulSet) {
        await client.applyIfChanged(children.etcdStatefulSet, existingEtcd);
        if ((children.etcdStatefulSet.spec?.replicas ?? 0) > (existingEtcd?.spec?.replicas ?? 0) && existingEtcd) {
          this.ctx.events.event(cluster, 'Normal', 'EtcdScaling', `etcd grows to ${children.etcdStatefulSet.spec!.replicas} members, one at a time`);
        }
      }
    };

    if (!endpoint.known) {
      // LoadBalancer without an address: the k0s config needs the address, so the controllers wait.
      // The Service's status update wakes this Cluster; the requeue is a safety net.
      await datastore();
      this.facts.kubeconfig = { ok: false, reason: 'WaitingForEndpoint', message: endpoint.message };
      this.requeue(this.opts.loadBalancerRecheckMs ?? 15_000);
      return;
    }

    // Independent of each other: sent together, so a new Cluster costs a few round trips, not a dozen.
    const endpointCm = this.cached<V1ConfigMap>(CONFIGMAP, view.names.endpointConfigMap);
    await settleAll([
      datastore(),
      client.applyIfChanged(children.configMap, this.cached(CONFIGMAP, view.names.configMap)),
      client.applyIfChanged(children.entrypoint, this.cached(CONFIGMAP, view.names.entrypointConfigMap)),
      children.endpointConfigMap
        ? client.applyIfChanged(children.endpointConfigMap, endpointCm)
        : endpointCm
          ? client.delete({ ...CONFIGMAP, namespace: view.namespace, name: view.names.endpointConfigMap })
          : undefined,
      ensureKubeconfig(this, cluster, view, endpoint, certificates, secretVersions),
    ]);

    this.step('config+datastore+kubeconfig');
    const sts = this.cached<V1StatefulSet>(STATEFULSET, view.names.statefulSet);
    if (await client.applyIfChanged(children.statefulSet, sts)) {
      this.ctx.events.event(
        cluster,
        'Normal',
        sts ? 'StatefulSetUpdated' : 'StatefulSetCreated',
        `${sts ? 'updated' : 'created'} StatefulSet ${view.names.statefulSet}: ${view.replicas} replicas of ${view.image}`,
      );
    }
    this.facts.statefulSet = sts;

    this.step('statefulset');
    await reconcilePvcOwnership(this, view);
    await probeFunctional(this, this.opts.functionalProbe, cluster, sts);
  }

  /** Writes status through the status subresource, only when it differs; one Event per changed condition. */
  private async writeStatus(cluster: Cluster & KubernetesObject, facts: StatusFacts): Promise<void> {
    const status = computeStatus(facts);
    if (canonicalJson(status) === canonicalJson(cluster.status ?? {})) return;
    await this.ctx.client.apply(
      { apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata: { name: this.key.name, namespace: this.key.namespace }, status } as KubernetesObject,
      { subresource: 'status' },
    );
    for (const c of notableConditionChanges(cluster.status?.conditions, status.conditions ?? [])) {
      if (c.type === 'Available' && facts.failure) continue; // already reported with its own reason
      this.ctx.events.event(cluster, c.healthy ? 'Normal' : 'Warning', c.reason, `${c.type} is ${c.status}: ${c.message}`);
    }
  }
}

export type { ClusterStatus };
