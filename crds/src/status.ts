// Who wrote a Cluster's status, and what it says in terms every face can show, whichever operator
// wrote it: this project's operator (or its embedded reconciler), or upstream k0smotron's Go
// operator, whose status has another shape. Pure and browser-safe: the CLI and Backstage call the
// same functions, so they cannot disagree about an upstream-managed Cluster.
//
// Upstream's shape (Go types `ClusterStatus`, `ClusterStatusDeprecated` and
// `ClusterStatusV1beta1Deprecated` in api/k0smotron.io/v1beta2/k0smotroncluster_types.go):
// replicas, readyReplicas, updatedReplicas, selector, conditions and
// `deprecated.v1beta1{reconciliationStatus, ready}`; read through v1beta1, `ready` and
// `reconciliationStatus` sit at the top. There is no observedGeneration, no endpoint, no version
// and no worker count. Its conditions (k0smotroncluster_status.go) use other reasons than ours
// (KubeSystemNamespaceFound, ClusterWithExternalAddress, ...), and its Available condition is a
// summary that needs ControlPlaneExposed, which is True only when spec.externalAddress is set.
import { findCondition, isConditionTrue } from './conditions';
import { parseGoDuration } from './duration';
import { JOIN_TOKEN_CONDITION } from './constants';
import { clusterServiceName } from './names';
import { normalizeClusterSpec } from './normalize';
import type { Cluster } from './schema/cluster';
import type { JoinTokenRequest } from './schema/jointokenrequest';

/**
 * `k0smotron`: this project's operator (it always writes status.observedGeneration, a field
 * upstream's status type does not have). `upstream`: upstream k0smotron's operator. `none`: nobody
 * has written a status yet.
 */
export type StatusWriter = 'k0smotron' | 'upstream' | 'none';

/** Condition reasons only upstream's operator writes. */
const UPSTREAM_ONLY_REASONS = new Set(['KubeSystemNamespaceFound', 'ClusterWithExternalAddress']);

interface UpstreamDeprecated {
  v1beta1?: { reconciliationStatus?: unknown; ready?: unknown };
}

function deprecatedBlock(cluster: Pick<Cluster, 'status'>): UpstreamDeprecated | undefined {
  // Not part of our schema: read structurally, and only what has the expected type.
  const d = (cluster.status as { deprecated?: unknown } | undefined)?.deprecated;
  return d && typeof d === 'object' ? (d as UpstreamDeprecated) : undefined;
}

/** Which operator wrote the Cluster's status (see StatusWriter). */
export function statusWriter(cluster: Pick<Cluster, 'status'>): StatusWriter {
  const s = cluster.status;
  if (!s || Object.keys(s).length === 0) return 'none';
  if (s.observedGeneration !== undefined) return 'k0smotron';
  if (deprecatedBlock(cluster)) return 'upstream';
  if (typeof s.reconciliationStatus === 'string' || typeof s.ready === 'boolean') return 'upstream';
  if ((s.conditions ?? []).some(c => UPSTREAM_ONLY_REASONS.has(c.reason))) return 'upstream';
  // Conditions without observedGeneration: written by hand or by an older build of ours; read as ours.
  return 'k0smotron';
}

/** A sentence naming who manages the Cluster, for status views. */
export function statusWriterDescription(writer: StatusWriter): string {
  switch (writer) {
    case 'k0smotron':
      return 'this k0smotron operator';
    case 'upstream':
      return 'the upstream k0smotron operator (managed elsewhere)';
    default:
      return 'no operator has reported on it yet';
  }
}

/** `ready` and `reconciliationStatus` of upstream's v1beta1 status, from the v1beta2 `deprecated` block or the top level. */
export function upstreamStatusFields(cluster: Pick<Cluster, 'status'>): { ready?: boolean; reconciliationStatus?: string } {
  const v1 = deprecatedBlock(cluster)?.v1beta1;
  const out: { ready?: boolean; reconciliationStatus?: string } = {};
  const ready = typeof v1?.ready === 'boolean' ? v1.ready : cluster.status?.ready;
  const rs = typeof v1?.reconciliationStatus === 'string' ? v1.reconciliationStatus : cluster.status?.reconciliationStatus;
  if (typeof ready === 'boolean') out.ready = ready;
  if (typeof rs === 'string' && rs !== '') out.reconciliationStatus = rs;
  return out;
}

/**
 * Whether every desired control-plane replica is Ready: our `status.ready`, upstream's
 * `deprecated.v1beta1.ready`, else readyReplicas against spec.replicas; undefined when nobody
 * has reported. A StatefulSet, when given, is the fresher source.
 */
export function controlPlaneReady(
  cluster: Pick<Cluster, 'spec' | 'status'>,
  statefulSet?: { status?: { readyReplicas?: number } } | null,
): boolean | undefined {
  const desired = cluster.spec?.replicas ?? 1;
  if (statefulSet) return (statefulSet.status?.readyReplicas ?? 0) >= desired;
  const writer = statusWriter(cluster);
  if (writer === 'none') return undefined;
  const flag = writer === 'upstream' ? upstreamStatusFields(cluster).ready : cluster.status?.ready;
  if (typeof flag === 'boolean') return flag;
  return (cluster.status?.readyReplicas ?? 0) >= desired;
}

/** The parts of a Service the endpoint derivation reads. */
export interface ServiceFacts {
  spec?: { type?: string };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export type EndpointSource = 'status' | 'ingress' | 'externalAddress' | 'loadBalancer' | 'serviceDNS';

export interface ClusterEndpoint {
  url: string;
  /** Where it came from: our operator's status.endpoint, or derived from the spec and the Service. */
  source: EndpointSource;
}

function hostPort(host: string, port: number): string {
  return `https://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** `spec.ingress` is not in our schema (we do not serve it) but upstream Clusters may carry it. */
function ingressOf(cluster: Pick<Cluster, 'spec'>): { apiHost: string; port: number } | undefined {
  const ing = (cluster.spec as { ingress?: unknown } | undefined)?.ingress;
  if (!ing || typeof ing !== 'object') return undefined;
  const { apiHost, port } = ing as { apiHost?: unknown; port?: unknown };
  if (typeof apiHost !== 'string' || apiHost === '') return undefined;
  return { apiHost, port: typeof port === 'number' && port > 0 ? port : 443 };
}

/**
 * The API URL of a Cluster. Our operator reports it in status.endpoint. Upstream's does not: there
 * it is derived the way upstream builds its kubeconfig and join tokens: the ingress host, else
 * spec.externalAddress (upstream writes the detected LoadBalancer or node address there), else
 * the LoadBalancer Service's address (when the Service is given), else, for ClusterIP, the
 * Service's DNS name (in upstream's certificate SANs; reachable inside the management cluster).
 * Undefined while nothing is known, and for a Cluster no operator has reported on.
 */
export function clusterEndpoint(cluster: Pick<Cluster, 'metadata' | 'spec' | 'status'>, service?: ServiceFacts | null): ClusterEndpoint | undefined {
  if (cluster.status?.endpoint) return { url: cluster.status.endpoint, source: 'status' };
  if (statusWriter(cluster) !== 'upstream') return undefined;
  const spec = normalizeClusterSpec(cluster.spec);
  const port = spec.service.apiPort;
  const ingress = ingressOf(cluster);
  if (ingress) return { url: hostPort(ingress.apiHost, ingress.port), source: 'ingress' };
  if (spec.externalAddress) return { url: hostPort(spec.externalAddress, port), source: 'externalAddress' };
  if (spec.service.type === 'LoadBalancer') {
    const lb = service?.status?.loadBalancer?.ingress?.[0];
    const host = lb?.ip || lb?.hostname;
    return host ? { url: hostPort(host, port), source: 'loadBalancer' } : undefined;
  }
  if (spec.service.type === 'ClusterIP') {
    const name = cluster.metadata?.name ?? '';
    const namespace = cluster.metadata?.namespace ?? 'default';
    return { url: hostPort(`${clusterServiceName(name, 'ClusterIP')}.${namespace}.svc`, port), source: 'serviceDNS' };
  }
  // NodePort without an external address: upstream has not picked a node address yet.
  return undefined;
}

/** Whether clusterEndpoint needs the Service: an upstream LoadBalancer Cluster nothing else tells the address of. */
export function endpointNeedsService(cluster: Pick<Cluster, 'metadata' | 'spec' | 'status'>): boolean {
  return clusterEndpoint(cluster) === undefined && statusWriter(cluster) === 'upstream' && normalizeClusterSpec(cluster.spec).service.type === 'LoadBalancer';
}

/**
 * Every phase a face shows for a Cluster (clusterPhase in summary.ts decides which), in the order
 * lists and filters offer them: healthy, on its way, broken, then the states a user chose.
 */
export const CLUSTER_PHASES = ['Available', 'Progressing', 'Degraded', 'Paused', 'Sleeping', 'Deleting'] as const;
export type ClusterPhase = (typeof CLUSTER_PHASES)[number];

/** Whether a string (a query parameter, a flag) names a phase. */
export function isClusterPhase(value: string): value is ClusterPhase {
  return (CLUSTER_PHASES as readonly string[]).includes(value);
}

export type UpstreamPhase = Extract<ClusterPhase, 'Available' | 'Progressing' | 'Degraded'>;

/**
 * The phase of an upstream-managed Cluster that is not deleting or asleep. Degraded: a condition
 * failed with InternalError, or reconciliationStatus reports a failure. Available: upstream's
 * Available is True, or (for a control plane without an external address, which upstream never
 * marks Available) its API answers (ControlPlaneFunctional) and every replica is Ready.
 */
export function upstreamPhase(cluster: Pick<Cluster, 'spec' | 'status'>, failureReasons: ReadonlySet<string>): UpstreamPhase {
  const conditions = cluster.status?.conditions ?? [];
  const { reconciliationStatus } = upstreamStatusFields(cluster);
  if (conditions.some(c => c.status === 'False' && failureReasons.has(c.reason))) return 'Degraded';
  if (reconciliationStatus && /^failed\b/i.test(reconciliationStatus)) return 'Degraded';
  if (isConditionTrue(conditions, 'Available')) return 'Available';
  if (isConditionTrue(conditions, 'ControlPlaneFunctional') && controlPlaneReady(cluster)) return 'Available';
  return 'Progressing';
}

/** Why an upstream-managed Cluster is not Available, in one sentence. */
export function upstreamMessage(cluster: Pick<Cluster, 'status'>, phase: UpstreamPhase, failureReasons: ReadonlySet<string>): string {
  if (phase === 'Available') return '';
  const conditions = cluster.status?.conditions ?? [];
  const { reconciliationStatus } = upstreamStatusFields(cluster);
  const failing = conditions.find(c => c.status === 'False' && failureReasons.has(c.reason));
  if (failing) return `${failing.type}: ${failing.message || failing.reason}`;
  if (reconciliationStatus && /^failed\b/i.test(reconciliationStatus)) return `reconciliationStatus: ${reconciliationStatus}`;
  for (const type of ['KubeconfigSecretAvailable', 'ControlPlaneFunctional']) {
    const c = conditions.find(x => x.type === type && x.status !== 'True');
    if (c) return `${c.type}: ${c.message || c.reason}`;
  }
  return 'Waiting for the upstream k0smotron operator.';
}

/** Whether the JoinTokenRequest's status was written by this project's operator (it writes observedGeneration; upstream's JoinTokenRequestStatus has no such field). */
export function joinTokenStatusWriter(jtr: Pick<JoinTokenRequest, 'status'>): StatusWriter {
  const s = jtr.status;
  if (!s || Object.keys(s).length === 0) return 'none';
  if (s.observedGeneration !== undefined || s.expiration !== undefined || s.cluster !== undefined) return 'k0smotron';
  return 'upstream';
}

export type JoinTokenExpiry =
  | { kind: 'at'; at: string; /** Computed from the issue time and spec.expiry, as upstream does not report it. */ estimated: boolean }
  | { kind: 'never' }
  | { kind: 'unknown' };

/**
 * When an issued token stops working. Ours reports status.expiration (absent: never). Upstream
 * reports nothing: its token lives spec.expiry from when it was created (`0s`: forever), so the
 * expiry is estimated from the JoinTokenSecretCreated condition's time.
 */
export function joinTokenExpiry(jtr: Pick<JoinTokenRequest, 'spec' | 'status'>): JoinTokenExpiry {
  if (jtr.status?.expiration) return { kind: 'at', at: jtr.status.expiration, estimated: false };
  if (!jtr.status?.tokenID) return { kind: 'unknown' };
  if (joinTokenStatusWriter(jtr) === 'k0smotron') return { kind: 'never' };
  let ms: number;
  try {
    ms = parseGoDuration(jtr.spec.expiry ?? '0s', 'spec.expiry');
  } catch {
    return { kind: 'unknown' };
  }
  if (ms === 0) return { kind: 'never' };
  const created = findCondition(jtr, JOIN_TOKEN_CONDITION);
  const issued = created?.status === 'True' ? created.lastTransitionTime : undefined;
  const t = issued ? Date.parse(issued) : NaN;
  if (Number.isNaN(t)) return { kind: 'unknown' };
  return { kind: 'at', at: new Date(t + ms).toISOString().replace(/\.000Z$/, 'Z'), estimated: true };
}
