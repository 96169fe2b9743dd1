// The Cluster reconciler: reads the Cluster and its children from the cache, computes every child
// with the pure builders in ./desired, applies only what changed (server-side apply), and writes
// status once, only when it changed. Level-based: running it twice on the same state is a no-op.
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Node,
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1Secret,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import {
  ANNOTATION_PAUSED,
  API_VERSION,
  CLUSTER_KIND,
  clusterBaseLabels,
  DEFAULT_TENANT_POLICY,
  KINE_DATASOURCE_SECRET_KEY,
  clusterPolicyViolations,
  controlPlaneSelectorLabels,
  unsupportedFeatures,
  validateClusterSpec,
  type PolicyViolation,
  type TenantPolicy,
  type CertificateRefType,
  type Cluster,
  type ClusterStatus,
} from '@k0smotron/api';
import type { Client, ControllerSpec, ObjectKey, ReconcileContext, ReconcileResult } from '../engine/contract';
import {
  ADMIN_CERT_VALIDITY_DAYS,
  ETCD_LEAF_VALIDITY_DAYS,
  certificateValidity,
  generatePki,
  isEtcdLeaf,
  kubeconfigRenewal,
  pkiSemaphore,
  requiredPurposes,
  signAdminKubeconfig,
  type CertKeyPem,
  type EtcdLeafPurpose,
} from '../pki';
import { certificateRenewal, renewalTime, validityAnnotations, validityFromAnnotations } from '../pki/renewal';
import {
  SpecError,
  certificateSecret,
  certificateSources,
  childList,
  childPodViolations,
  clusterView,
  computeStatus,
  dataVolumeName,
  desiredChildren,
  etcdSelectorLabels,
  ETCD_DATA_VOLUME,
  kineDataSourceSecret,
  kubeconfigSecret,
  kubeconfigSecretLabels,
  notableConditionChanges,
  ownerReference,
  resolveEndpoint,
  staleServiceNames,
  type CertificatesFact,
  type CronJobApiVersion,
  type ClusterView,
  type EndpointResult,
  type FunctionalResult,
  type KubeconfigFact,
  type StatusFacts,
} from './desired';
import { ClusterWatchIndex, dropConfigMapData, dropSecretData, slimNode } from './watch-index';
import { ANNOTATION_REGENERATE_CA, CA_SECRET_MISSING, caEvidence, caMissingMessage } from './ca-guard';
import { certificateLabelRepair, kubeconfigDrift } from './secret-drift';

export const CLUSTER_GVK = { apiVersion: API_VERSION, kind: CLUSTER_KIND };
const STATEFULSET = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const SERVICE = { apiVersion: 'v1', kind: 'Service' };
const CONFIGMAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const NODE = { apiVersion: 'v1', kind: 'Node' };
const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
/**
 * Owned kinds are listed and watched with this selector only, so the operator does not cache
 * every StatefulSet, Service and ConfigMap of every tenant. Every child carries it: `app` is one
 * of the base labels that `clusterChildLabels` writes after the user's labels (a Cluster label
 * cannot override it), and upstream k0smotron labels its children `app=k0smotron` as well. A
 * child that lacks it (edited by hand) is not in the cache, so the next reconcile applies it
 * again, which puts the label back.
 */
export const OWNED_SELECTOR = `app=${clusterBaseLabels('').app}`;

/** The shape of `FunctionalProbe` (childapi/probe.ts), so the reconciler does not depend on the child-API module. */
export type ClusterFunctionalProbe = ((
  cluster: Cluster,
  ctx?: { client?: Pick<Client, 'get'>; signal?: AbortSignal },
) => Promise<FunctionalResult & { recheckAfterMs?: number }>) & {
  /** Drop what the probe remembers about a Cluster that is gone (failure counts, child-API credentials). */
  forget?(key: ObjectKey): void;
  /** "ns/name" of every Cluster it remembers, so that a sweep can forget those that are gone. */
  keys?(): string[];
  sizes?(): Record<string, number>;
};

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

/** A SpecError listing every policy violation, each with its field. */
function policyError(violations: PolicyViolation[]): SpecError {
  return new SpecError('PolicyViolation', `refused by the operator's policy: ${violations.map((v) => `${v.field}: ${v.message}`).join('; ')}`);
}

/** Who controls an existing object, for NameConflict messages; undefined when it is this Cluster. */
function foreignController(obj: KubernetesObject, uid: string): string | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller);
  if (ref?.uid === uid) return undefined;
  return ref ? `${ref.kind} ${ref.name}` : 'no Cluster (it was created by someone else)';
}

const MAX_REQUEUE_MS = 12 * 60 * 60 * 1000;
/** How often the controller looks for remembered Clusters that are gone (see `sweep`). */
export const MEMORY_SWEEP_MS = 5 * 60_000;

function isApiError(err: unknown): err is Error & { status: number } {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number';
}

function decodeSecret(secret: V1Secret | undefined, key: string): string | undefined {
  const v = secret?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/**
 * Promise.all that waits for every write to finish before failing: a reconcile must not return
 * (and be retried) while one of its writes, such as a new CA, is still in flight.
 */
async function settleAll<T extends readonly unknown[] | []>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = (await Promise.allSettled(promises)) as PromiseSettledResult<unknown>[];
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

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
      // Secrets a Cluster references but does not own (the kine data source, certificateRefs)
      // are the user's and carry none of our labels, so Secrets are watched without a selector;
      // an event on one must wake the Clusters that name it. Only metadata is kept (no data), so
      // this costs a few hundred bytes per Secret in the watched namespaces.
      { ...SECRET, transform: dropSecretData, map: (s) => index.clustersForSecret(s) },
      {
        // PVCs made from our volumeClaimTemplates carry the StatefulSet's selector labels,
        // `app=k0smotron` among them; no other PVC matters here.
        ...PVC,
        labelSelector: OWNED_SELECTOR,
        map: (pvc) => {
          const cluster = pvc.metadata?.labels?.cluster;
          return cluster && pvc.metadata?.labels?.app === 'k0smotron' ? [{ namespace: pvc.metadata!.namespace!, name: cluster }] : [];
        },
      },
    ],
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

/** What the Cluster controller remembers between reconciles, and how to forget one Cluster. */
interface ClusterMemory {
  index: ClusterWatchIndex;
  kineChecked: Map<string, string>;
  probes: ProbeMemo;
  /**
   * "ns/name" → uid and the child names a live read found free (or this Cluster's): a name
   * missing from the label-filtered cache is read once, not on every retry of a failing reconcile.
   */
  freeNames: Map<string, { uid: string; names: Set<string> }>;
  forget(key: ObjectKey): void;
}

type ProbeMemoEntry = { uid: string; result: FunctionalResult; endpoint: string; dueAt: number };

/**
 * Last ControlPlaneFunctional answer per Cluster ("ns/name", for the same UID: a re-created
 * Cluster starts afresh), valid until it is due again. Forgotten when the Cluster goes.
 */
export class ProbeMemo {
  private readonly entries = new Map<string, ProbeMemoEntry>();

  get(key: ObjectKey, uid: string, endpoint: string, now: number): ProbeMemoEntry | undefined {
    const e = this.entries.get(`${key.namespace}/${key.name}`);
    return e && e.uid === uid && e.endpoint === endpoint && now < e.dueAt ? e : undefined;
  }

  set(key: ObjectKey, entry: ProbeMemoEntry): void {
    this.entries.set(`${key.namespace}/${key.name}`, entry);
  }

  forget(key: ObjectKey): void {
    this.entries.delete(`${key.namespace}/${key.name}`);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  size(): number {
    return this.entries.size;
  }
}

interface CertificatesResult {
  caSecretName: string;
  /** The CA, when this reconcile generated it. */
  generatedCa?: CertKeyPem;
}

/** One reconcile of one Cluster. */
class ClusterReconcile {
  private readonly facts: Partial<StatusFacts> = {};
  private requeueMs: number | undefined;
  /** Milliseconds per step, logged at debug level: where a slow reconcile spends its time. */
  private readonly steps: Record<string, number> = {};
  private stepStart = Date.now();

  private step(name: string): void {
    const now = Date.now();
    this.steps[name] = now - this.stepStart;
    this.stepStart = now;
  }

  constructor(
    private readonly key: ObjectKey,
    private readonly ctx: ReconcileContext,
    private readonly opts: ClusterControllerOptions,
    private readonly memory: ClusterMemory,
  ) {}

  private get cronJob(): { apiVersion: CronJobApiVersion; kind: string } | undefined {
    return this.opts.cronJobApiVersion ? { apiVersion: this.opts.cronJobApiVersion, kind: 'CronJob' } : undefined;
  }

  private requeue(ms: number): void {
    const capped = Math.max(1000, Math.min(ms, MAX_REQUEUE_MS));
    this.requeueMs = this.requeueMs === undefined ? capped : Math.min(this.requeueMs, capped);
  }

  private cached<T extends KubernetesObject>(gvk: { apiVersion: string; kind: string }, name: string): T | undefined {
    return this.ctx.cache.get<T>(gvk, this.key.namespace, name);
  }

  /**
   * Whoever's object holds this name, if any. Owned kinds are cached only with our label
   * (OWNED_SELECTOR), so an object someone else created under a child's name is not in the
   * cache: absence is confirmed with a live read (only for kinds watched by label; one GET per
   * child a new Cluster has not created yet).
   */
  private async existing(gvk: { apiVersion: string; kind: string }, name: string, uid: string): Promise<KubernetesObject | undefined> {
    const cached = this.cached<KubernetesObject>(gvk, name);
    const memoKey = `${this.key.namespace}/${this.key.name}`;
    // Once the child is in the cache it is checked there; should it go, the name is read again.
    if (cached) this.memory.freeNames.get(memoKey)?.names.delete(`${gvk.kind}/${name}`);
    if (cached || gvk.kind === SECRET.kind) return cached; // Secrets are cached without a selector
    let memo = this.memory.freeNames.get(memoKey);
    if (!memo || memo.uid !== uid) this.memory.freeNames.set(memoKey, (memo = { uid, names: new Set() }));
    const child = `${gvk.kind}/${name}`;
    if (memo.names.has(child)) return undefined;
    const live = await this.ctx.client.get<KubernetesObject>({ ...gvk, namespace: this.key.namespace, name });
    if (!live || !foreignController(live, uid)) memo.names.add(child);
    return live;
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
        throw new SpecError('InvalidSpec', validation.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
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
          ...(view.certificateRefs ?? []).map((r) => r.name),
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
        }).catch((statusErr) => this.ctx.log.warn('could not write the failure status', { error: String(statusErr) }));
      } else {
        this.ctx.events.event(cluster, 'Warning', 'ReconcileError', `reconcile failed, retrying: ${(err as Error).message}`);
      }
      throw err; // retried with per-key backoff; other Clusters are unaffected
    }
    this.step('pvcs+probe');
    await this.writeStatus(cluster, { ...base, desiredReplicas: view.replicas, version: view.version, ...this.facts });
    this.step('status');
    this.ctx.log.debug('reconciled', { steps: this.steps });
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
      certSecretNames: Object.fromEntries(certificateSources(view, requiredPurposes(view.storage.type)).map((s) => [s.purpose, s.secretName])),
      secretVersions: {},
      existingEtcd: this.cached<V1StatefulSet>(STATEFULSET, view.names.etcdStatefulSet),
      cronJobApiVersion: this.opts.cronJobApiVersion,
    });
    const podViolations = childPodViolations(view, preview, policy);
    if (podViolations.length) throw policyError(podViolations);
    await this.assertNoNameConflicts(view, preview);

    // Datastore Secret (kine): must exist with its key before pods can start. An inline URL is
    // written into a Secret of our own; a named Secret is the user's and is only read.
    const kineSecret = kineDataSourceSecret(view);
    if (kineSecret) {
      const applied = await client.applyIfChanged(kineSecret, this.cached(SECRET, kineSecret.metadata!.name!));
      secretVersions[kineSecret.metadata!.name!] =
        applied?.metadata?.resourceVersion ?? this.cached<V1Secret>(SECRET, kineSecret.metadata!.name!)?.metadata?.resourceVersion ?? '';
    } else if (view.storage.type === 'kine') {
      const name = view.storage.dataSourceSecretName;
      secretVersions[name] = await this.checkKineSecret(name);
    }

    // Certificates (generated once, or the user's) and the Services go out together: the Service
    // does not depend on certificate contents, only on their Secret names, which are known now.
    this.step('validate');
    const certNames = Object.fromEntries(
      certificateSources(view, requiredPurposes(view.storage.type)).map((s) => [s.purpose, s.secretName]),
    ) as Partial<Record<CertificateRefType, string>>;
    let service = this.cached<V1Service>(SERVICE, view.service.name);
    const nodes = cache.list<V1Node>(NODE);
    const existingEtcd = this.cached<V1StatefulSet>(STATEFULSET, view.names.etcdStatefulSet);
    const build = (svc: V1Service | undefined) => {
      const endpoint = resolveEndpoint(view, { service: svc, nodes, currentEndpoint: cluster.status?.endpoint });
      const clusterIPs = svc?.spec?.clusterIPs ?? (svc?.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? [svc.spec.clusterIP] : []);
      const children = desiredChildren(view, { clusterIPs, endpoint, certSecretNames: certNames, secretVersions, existingEtcd, cronJobApiVersion: this.opts.cronJobApiVersion });
      return { endpoint, children };
    };
    const early = build(service).children;
    const [certificates] = await settleAll([
      this.ensureCertificates(cluster, view, secretVersions),
      (async () => {
        // A new Service's ClusterIP is part of the k0s config (API SANs): the apply's answer
        // carries it, so nothing waits for the cache to catch up.
        const applied = await client.applyIfChanged(early.service, service).catch((err: unknown) => {
          throw this.nodePortConflict(err, view, early.service) ?? err;
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
      if (old && old.metadata?.ownerReferences?.some((r) => r.uid === view.uid)) {
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
      this.ensureKubeconfig(cluster, view, endpoint, certificates, secretVersions),
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
    await this.reconcilePvcOwnership(view);
    await this.probeFunctional(cluster, sts);
  }

  /**
   * Every object this Cluster writes must be absent or controlled by this Cluster: names of two
   * Clusters can collide (`kmc-foo-etcd` is Cluster foo's etcd and Cluster foo-etcd's control
   * plane), and a forced server-side apply would otherwise take over the other one's object.
   */
  private async assertNoNameConflicts(view: ClusterView, preview: ReturnType<typeof desiredChildren>): Promise<void> {
    const planned: Array<{ gvk: { apiVersion: string; kind: string }; name: string }> = childList(preview).map((o) => ({
      gvk: { apiVersion: o.apiVersion!, kind: o.kind! },
      name: o.metadata!.name!,
    }));
    for (const s of certificateSources(view, requiredPurposes(view.storage.type))) {
      if (!s.provided) planned.push({ gvk: SECRET, name: s.secretName });
    }
    planned.push({ gvk: SECRET, name: view.names.kubeconfigSecret });
    if (view.storage.type === 'kine' && view.storage.generatedDataSourceURL !== undefined) {
      planned.push({ gvk: SECRET, name: view.storage.dataSourceSecretName });
    }
    const conflicts: string[] = [];
    // settleAll: names found free are remembered even when another read of the round failed.
    const found = await settleAll(planned.map((p) => this.existing(p.gvk, p.name, view.uid)));
    for (const [i, p] of planned.entries()) {
      const existing = found[i];
      const owner = existing && foreignController(existing, view.uid);
      if (owner) conflicts.push(`${p.gvk.kind} ${p.name} already exists and belongs to ${owner}`);
    }
    // A certificateRef must not borrow another Cluster's generated certificate (its CA would sign
    // this Cluster's admin kubeconfig, which the other Cluster would then trust).
    for (const ref of view.certificateRefs ?? []) {
      const existing = this.cached<KubernetesObject>(SECRET, ref.name);
      const owner = existing?.metadata?.ownerReferences?.find((r) => r.controller && r.kind === CLUSTER_KIND && r.uid !== view.uid);
      if (owner) {
        throw policyError([
          { field: 'spec.certificateRefs', message: `Secret ${ref.name} was generated for Cluster ${owner.name}; a Cluster may only use its own or user-provided certificates` },
        ]);
      }
    }
    if (conflicts.length) {
      throw new SpecError('NameConflict', `${conflicts.join('; ')}; choose another Cluster name (nothing was written)`);
    }
  }

  /**
   * A NodePort that another Service holds: the API server's answer names only the port. Say which
   * Service holds it when it is in this namespace (the tenant may see it anyway); a Service of
   * another namespace is not named, so one tenant does not learn another's objects.
   */
  private nodePortConflict(err: unknown, view: ClusterView, desired: V1Service): SpecError | undefined {
    if (!isApiError(err) || err.status !== 422 || !/port is already allocated/i.test(err.message)) return undefined;
    const wanted = (desired.spec?.ports ?? []).map((p) => p.nodePort).filter((p): p is number => typeof p === 'number');
    const holders = this.ctx.cache
      .list<V1Service>(SERVICE, { namespace: view.namespace })
      .filter((s) => s.metadata?.name !== desired.metadata?.name && (s.spec?.ports ?? []).some((p) => p.nodePort !== undefined && wanted.includes(p.nodePort)));
    const taken = wanted.filter((port) => new RegExp(`\\b${port}\\b`).test(err.message));
    const ports = (taken.length ? taken : wanted).join(' and ');
    const holder = holders[0];
    const cluster = holder?.metadata?.labels?.cluster;
    const who = holder
      ? `Service ${holder.metadata?.name}${cluster ? ` of Cluster ${cluster}` : ''} in this namespace holds it`
      : 'a Service in another namespace holds it';
    return new SpecError(
      'NodePortConflict',
      `NodePort ${ports} is already allocated: ${who}. Set other ports in spec.service.apiPort and spec.service.konnectivityPort (each NodePort Cluster needs its own pair within the cluster's NodePort range, e.g. 30444 and 30133), or use service type LoadBalancer or ClusterIP`,
    );
  }

  private async checkKineSecret(name: string): Promise<string> {
    const ns = this.key.namespace;
    const cached = this.cached<V1Secret>(SECRET, name);
    const fix = `create it in namespace ${ns} with key ${KINE_DATASOURCE_SECRET_KEY} (the kine data source URL), or fix spec.storage.kine.dataSourceSecretName`;
    if (!cached) throw new SpecError('KineSecretNotFound', `Secret ${name} (spec.storage.kine.dataSourceSecretName) does not exist; ${fix}`);
    const rv = cached.metadata?.resourceVersion ?? '';
    const memo = `${ns}/${name}`;
    if (this.memory.kineChecked.get(memo) !== rv) {
      const live = await this.ctx.client.get<V1Secret>({ ...SECRET, namespace: ns, name });
      if (!live) throw new SpecError('KineSecretNotFound', `Secret ${name} (spec.storage.kine.dataSourceSecretName) does not exist; ${fix}`);
      if (!decodeSecret(live, KINE_DATASOURCE_SECRET_KEY)) {
        throw new SpecError('KineSecretInvalid', `Secret ${name} has no key ${KINE_DATASOURCE_SECRET_KEY}; ${fix}`);
      }
      this.memory.kineChecked.set(memo, live.metadata?.resourceVersion ?? rv);
    }
    return rv;
  }

  /**
   * Makes sure every certificate Secret exists. A generated Secret is written once and never
   * regenerated; absence in the cache is confirmed with a live read first, so a cache that has
   * not seen a fresh Secret yet can never cause a CA to be replaced.
   */
  private async ensureCertificates(
    cluster: Cluster & KubernetesObject,
    view: ClusterView,
    secretVersions: Record<string, string>,
  ): Promise<CertificatesResult> {
    const { client } = this.ctx;
    const sources = certificateSources(view, requiredPurposes(view.storage.type));
    const names: Partial<Record<CertificateRefType, string>> = {};
    const missing: CertificateRefType[] = [];
    const existingLeaves: Array<{ purpose: EtcdLeafPurpose; secret: V1Secret }> = [];
    const relabel: Array<{ name: string; patch: object }> = [];
    let generatedCa: CertKeyPem | undefined;
    // Absent from the cache: confirm with live reads, all at once.
    const found = await Promise.all(
      sources.map(
        (s) => this.cached<V1Secret>(SECRET, s.secretName) ?? client.get<V1Secret>({ ...SECRET, namespace: view.namespace, name: s.secretName }),
      ),
    );
    for (const [i, s] of sources.entries()) {
      names[s.purpose] = s.secretName;
      const secret = found[i];
      const owner = secret && !s.provided ? foreignController(secret, view.uid) : undefined;
      if (owner) {
        throw new SpecError('NameConflict', `Secret ${s.secretName} already exists and belongs to ${owner}; choose another Cluster name (nothing was written)`);
      }
      if (secret) {
        secretVersions[s.secretName] = secret.metadata?.resourceVersion ?? '';
        // User-provided certificates are the user's to renew; only generated leaves are ours.
        if (!s.provided && isEtcdLeaf(s.purpose)) existingLeaves.push({ purpose: s.purpose, secret });
        const repair = s.provided ? undefined : certificateLabelRepair(view.name, secret);
        if (repair) relabel.push({ name: s.secretName, patch: repair });
        continue;
      }
      if (s.provided) {
        const message = `Secret ${s.secretName} named in spec.certificateRefs (type ${s.purpose}) does not exist in namespace ${view.namespace}; create it with keys tls.crt and tls.key, or remove the reference to let k0smotron generate it`;
        this.facts.certificates = { ok: false, reason: 'CertificateSecretNotFound', message };
        throw new SpecError('CertificateSecretNotFound', message);
      }
      missing.push(s.purpose);
    }
    // A missing cluster CA is generated only for a Cluster that never had one (see ca-guard.ts).
    const regenerateCa = cluster.metadata.annotations?.[ANNOTATION_REGENERATE_CA] === 'true';
    if (missing.includes('ca') && !regenerateCa) {
      const evidence = caEvidence({
        otherCertificates: sources.filter((s, i) => s.purpose !== 'ca' && !s.provided && found[i]).map((s) => s.secretName),
        kubeconfigSecret: this.cached(SECRET, view.names.kubeconfigSecret) ? view.names.kubeconfigSecret : undefined,
        // Also after this rule has turned the condition False, when every Secret may be gone.
        certificatesWereAvailable: (cluster.status?.conditions ?? []).some(
          (c) => c.type === 'CertificatesAvailable' && (c.status === 'True' || c.reason === CA_SECRET_MISSING),
        ),
      });
      if (evidence) {
        const message = caMissingMessage(names.ca!, view.namespace, view.name, evidence);
        this.facts.certificates = { ok: false, reason: CA_SECRET_MISSING, message };
        throw new SpecError(CA_SECRET_MISSING, message);
      }
    }
    // Identity labels removed or changed by hand: put back with a metadata-only patch (the data,
    // which the operator does not keep, is never rewritten; see secret-drift.ts).
    await Promise.all(
      relabel.map(async ({ name, patch }) => {
        const patched = await client.mergePatch<V1Secret>({ ...SECRET, namespace: view.namespace, name }, patch);
        secretVersions[name] = patched.metadata?.resourceVersion ?? secretVersions[name];
      }),
    );
    // A new etcd CA (its Secret was deleted) trusts none of the existing leaves: sign them all again.
    const newEtcdCa = missing.includes('etcd');
    const renewing = newEtcdCa ? existingLeaves.map((l) => l.purpose) : await this.leavesToRenew(existingLeaves, secretVersions);
    if (missing.length || renewing.length) {
      const etcdCaName = names.etcd!;
      // Leaves are signed by the etcd CA in its Secret, or by the one generated just now because
      // that Secret is missing; renewing a leaf never generates a CA.
      const needsEtcdCa = [...missing, ...renewing].some(isEtcdLeaf) && !missing.includes('etcd');
      const existingEtcdCa = needsEtcdCa ? await this.readCertKey(etcdCaName, 'etcd') : undefined;
      const pki = await pkiSemaphore.run(() =>
        generatePki({
          missing: [...missing, ...renewing],
          existingEtcdCa,
          etcdServiceName: view.names.etcdService,
          namespace: view.namespace,
          now: this.ctx.now(),
        }),
      );
      // The new resourceVersions go into the control-plane pods' config hash, so they restart
      // with the renewed files (k0s copies its certificates at start).
      // The cluster CA is written first, alone: any other certificate Secret counts as evidence
      // that this Cluster once had a CA (see ca-guard.ts), so if the CA's write failed after the
      // others had landed, the next reconcile would refuse to generate one and the Cluster
      // would wait for a backup that never existed.
      const write = (purposes: CertificateRefType[]) =>
        settleAll(
          purposes.map(async (purpose) => {
            const applied = await client.apply(certificateSecret(view, purpose, pki[purpose]!));
            secretVersions[names[purpose]!] = applied.metadata?.resourceVersion ?? '';
          }),
        );
      const toWrite = [...missing, ...renewing];
      await write(toWrite.filter((p) => p === 'ca'));
      await write(toWrite.filter((p) => p !== 'ca'));
      if (missing.length) this.ctx.events.event(cluster, 'Normal', 'CertificatesGenerated', `generated ${missing.join(', ')}`);
      if (renewing.length) {
        const validity = certificateValidity(pki[renewing[0]]!.cert);
        this.ctx.events.event(
          cluster,
          'Normal',
          'CertificatesRenewed',
          newEtcdCa
            ? `signed ${renewing.join(', ')} again with the new etcd CA, valid until ${validity.notAfter.toISOString()}`
            : `renewed ${renewing.join(', ')} before expiry, signed by the existing etcd CA, valid until ${validity.notAfter.toISOString()}`,
        );
        this.requeue(renewalTime(validity, ETCD_LEAF_VALIDITY_DAYS).getTime() - this.ctx.now().getTime());
      }
      generatedCa = pki.ca;
    }
    if (cluster.metadata.annotations?.[ANNOTATION_REGENERATE_CA] !== undefined) await this.acknowledgeRegenerateCa(cluster, names.ca!, !!generatedCa && missing.includes('ca'));
    const provided = sources.filter((s) => s.provided).map((s) => s.purpose);
    this.facts.certificates = {
      ok: true,
      generated: sources.filter((s) => !s.provided).map((s) => s.purpose),
      provided,
    } satisfies CertificatesFact;
    return { caSecretName: names.ca!, generatedCa };
  }

  /**
   * Removes the regenerate-ca annotation once acted on, and also when the CA Secret exists: left
   * in place it would replace the CA without asking the next time the Secret went missing.
   */
  private async acknowledgeRegenerateCa(cluster: Cluster & KubernetesObject, caSecret: string, regenerated: boolean): Promise<void> {
    await this.ctx.client.mergePatch(
      { ...CLUSTER_GVK, namespace: this.key.namespace, name: this.key.name },
      { metadata: { annotations: { [ANNOTATION_REGENERATE_CA]: null } } },
    );
    if (regenerated) {
      this.ctx.events.event(cluster, 'Warning', 'CARegenerated', `generated a new cluster CA in Secret ${caSecret} as ${ANNOTATION_REGENERATE_CA} asked; workers must join again and kubeconfigs signed by the old CA no longer work`);
    } else {
      this.ctx.events.event(cluster, 'Normal', 'RegenerateCAIgnored', `removed ${ANNOTATION_REGENERATE_CA}: Secret ${caSecret} exists, so the CA was kept`);
    }
  }

  /**
   * Generated etcd leaves due for renewal (two thirds into their life), decided from the validity
   * recorded in their Secrets' annotations, which the cache keeps. A Secret without them (written
   * by an earlier version or by upstream k0smotron) is read once and gets them, unless it is due
   * anyway. Leaves kept are looked at again when they become due.
   */
  private async leavesToRenew(
    leaves: Array<{ purpose: EtcdLeafPurpose; secret: V1Secret }>,
    secretVersions: Record<string, string>,
  ): Promise<EtcdLeafPurpose[]> {
    const now = this.ctx.now();
    const due = await Promise.all(
      leaves.map(async ({ purpose, secret }) => {
        const name = secret.metadata!.name!;
        let validity = validityFromAnnotations(secret.metadata?.annotations);
        const recorded = !!validity;
        if (!validity) {
          const live = secret.data?.['tls.crt'] ? secret : await this.ctx.client.get<V1Secret>({ ...SECRET, namespace: this.key.namespace, name });
          const pem = decodeSecret(live, 'tls.crt');
          try {
            validity = pem ? certificateValidity(pem) : undefined;
          } catch {
            validity = undefined; // not a certificate: replaced below
          }
        }
        const decision = certificateRenewal({ validity, now, lifetimeDays: ETCD_LEAF_VALIDITY_DAYS });
        if (decision.renew) return purpose;
        this.requeue(decision.renewAt!.getTime() - now.getTime());
        if (!recorded && validity) {
          const patched = await this.ctx.client.mergePatch<V1Secret>(
            { ...SECRET, namespace: this.key.namespace, name },
            { metadata: { annotations: validityAnnotations(validity), resourceVersion: secret.metadata?.resourceVersion } },
          );
          secretVersions[name] = patched.metadata?.resourceVersion ?? secretVersions[name];
        }
        return undefined;
      }),
    );
    return due.filter((p): p is EtcdLeafPurpose => p !== undefined);
  }

  private async readCertKey(secretName: string, purpose: string): Promise<CertKeyPem> {
    const secret = await this.ctx.client.get<V1Secret>({ ...SECRET, namespace: this.key.namespace, name: secretName });
    const cert = decodeSecret(secret, 'tls.crt');
    const key = decodeSecret(secret, 'tls.key');
    if (!cert || !key) {
      throw new SpecError('CertificateSecretInvalid', `Secret ${secretName} (${purpose}) must hold tls.crt and tls.key in PEM form`);
    }
    return { cert, key };
  }

  /** `<n>-kubeconfig`: signed from the CA by the operator; renewed on endpoint/CA change or at 2/3 of its life. */
  private async ensureKubeconfig(
    cluster: Cluster & KubernetesObject,
    view: ClusterView,
    endpoint: Extract<EndpointResult, { known: true }>,
    { caSecretName, generatedCa }: CertificatesResult,
    secretVersions: Record<string, string>,
  ): Promise<void> {
    const existing = this.cached<V1Secret>(SECRET, view.names.kubeconfigSecret);
    const caVersion = secretVersions[caSecretName] ?? '';
    // Changed by someone else (its value or a label it is found by): signed again, as at renewal.
    const edited = existing ? kubeconfigDrift(existing, kubeconfigSecretLabels(view)) : undefined;
    const renewal = kubeconfigRenewal({
      exists: !!existing,
      existingAnnotations: existing?.metadata?.annotations,
      server: endpoint.url,
      caVersion,
      now: this.ctx.now(),
    });
    const decision = edited && !renewal.renew ? { ...renewal, renew: true } : renewal;
    const secretName = view.names.kubeconfigSecret;
    if (decision.renew) {
      let ca: CertKeyPem;
      try {
        // The CA generated by this very reconcile needs no read back.
        ca = generatedCa ?? (await this.readCertKey(caSecretName, 'ca'));
      } catch (err) {
        this.facts.kubeconfig = { ok: false, reason: 'CANotAvailable', message: (err as Error).message };
        throw err;
      }
      const kc = await pkiSemaphore.run(() => signAdminKubeconfig({ clusterName: view.name, server: endpoint.url, ca, now: this.ctx.now() }));
      await this.ctx.client.apply(kubeconfigSecret(view, kc, endpoint.url, caVersion));
      const why = !renewal.renew ? `${edited} was changed by someone else` : { Missing: 'created', EndpointChanged: `endpoint is now ${endpoint.url}`, CaChanged: 'the CA changed', Expiring: 'renewed before expiry', Unreadable: 'replaced an unreadable one' }[renewal.reason!];
      this.ctx.events.event(cluster, 'Normal', 'KubeconfigSigned', `signed admin kubeconfig ${secretName} (${why})`);
      this.requeue(renewalTime(kc, ADMIN_CERT_VALIDITY_DAYS).getTime() - this.ctx.now().getTime());
    } else if (decision.renewAt) {
      this.requeue(decision.renewAt.getTime() - this.ctx.now().getTime());
    }
    this.facts.kubeconfig = { ok: true, secretName } satisfies KubeconfigFact;
  }

  /**
   * autoDeletePVCs: Kubernetes 1.20 has no StatefulSet PVC retention policy, so PVCs get a
   * (non-controller) owner reference to the Cluster and the garbage collector deletes them with
   * it. Works the same on newer versions; no finalizer needed.
   */
  private async reconcilePvcOwnership(view: ClusterView): Promise<void> {
    const groups: Array<{ prefix: string; labels: Record<string, string>; auto: boolean }> = [
      {
        prefix: `${dataVolumeName(view)}-${view.names.statefulSet}-`,
        labels: controlPlaneSelectorLabels(view.name),
        auto: view.persistence.type === 'pvc' && view.persistence.autoDeletePVCs,
      },
    ];
    if (view.storage.type === 'etcd') {
      groups.push({ prefix: `${ETCD_DATA_VOLUME}-${view.names.etcdStatefulSet}-`, labels: etcdSelectorLabels(view.name), auto: view.storage.etcd.autoDeletePVCs });
    }
    const owner = { ...ownerReference(view), controller: false, blockOwnerDeletion: false } satisfies V1OwnerReference;
    for (const g of groups) {
      const pvcs = this.ctx.cache.list<V1PersistentVolumeClaim>(PVC, { namespace: view.namespace, labels: g.labels });
      for (const pvc of pvcs) {
        const name = pvc.metadata?.name ?? '';
        if (!name.startsWith(g.prefix)) continue;
        const refs = pvc.metadata?.ownerReferences ?? [];
        const has = refs.some((r) => r.uid === view.uid);
        if (g.auto === has) continue;
        const next = g.auto ? [...refs, owner] : refs.filter((r) => r.uid !== view.uid);
        await this.ctx.client.mergePatch(
          { ...PVC, namespace: view.namespace, name },
          { metadata: { ownerReferences: next, resourceVersion: pvc.metadata?.resourceVersion } },
        );
      }
    }
  }

  private async probeFunctional(cluster: Cluster, sts: V1StatefulSet | undefined): Promise<void> {
    const probe = this.opts.functionalProbe;
    if (!probe) return;
    if ((sts?.status?.readyReplicas ?? 0) < 1) {
      this.facts.functional = { status: 'Unknown', reason: 'NoReadyReplicas', message: 'no control-plane replica is Ready yet' };
      return;
    }
    // A probe can take seconds: reuse the last answer until the probe asked to be asked again, or
    // the endpoint changed; status writes and owned-object events do not trigger new probes.
    const now = this.ctx.now().getTime();
    const uid = cluster.metadata.uid ?? '';
    const cached = this.memory.probes.get(this.key, uid, cluster.status?.endpoint ?? '', now);
    if (cached) {
      this.facts.functional = cached.result;
      this.requeue(cached.dueAt - now);
      return;
    }
    let result: FunctionalResult;
    let recheck: number;
    try {
      const r = await probe(cluster, { client: this.ctx.client, signal: this.ctx.signal });
      result = { status: r.status, reason: r.reason, message: r.message, ...(r.workers ? { workers: r.workers } : {}) };
      recheck = r.recheckAfterMs ?? 60_000;
    } catch (err) {
      result = { status: 'Unknown', reason: 'InternalError', message: `probe failed: ${(err as Error).message}` };
      recheck = 30_000;
    }
    this.facts.functional = result;
    this.memory.probes.set(this.key, { uid, result, endpoint: cluster.status?.endpoint ?? '', dueAt: now + recheck });
    this.requeue(recheck);
  }

  /** Writes status through the status subresource, only when it differs; one Event per changed condition. */
  private async writeStatus(cluster: Cluster & KubernetesObject, facts: StatusFacts): Promise<void> {
    const status = computeStatus(facts);
    if (canonical(status) === canonical(cluster.status ?? {})) return;
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
