// `status`: gathers the Cluster and what the operator made for it, each piece on its own so a
// missing permission or object becomes a listed problem instead of an abort.
import { X509Certificate } from 'node:crypto';
import {
  ANNOTATION_PAUSED,
  clusterObjectNames,
  clusterEndpoint,
  clusterPhase,
  clusterServiceName,
  joinTokenExpiry,
  statusWriter,
  upstreamStatusFields,
  controlPlaneSelectorLabels,
  formatLabelSelector,
  normalizeClusterSpec,
  expectedCertificates,
} from '@k0smotron/api';
import { toCliError, type Operation } from '../errors';
import { renderStatus, type CertificateInfo, type StatusReport } from '../output/status';
import type { Session } from '../session';
import { forOutput, JOIN_TOKEN_REQUESTS, oneOf, render, requireCluster } from './common';
import { ANNOTATION_SLEEP_REPLICAS } from './lifecycle';
import { readWorkers } from './workers';

/** Reads notAfter from a PEM certificate (pure); the sa "certificate" is a bare key pair. */
export function certificateInfo(type: string, secret: string, tlsCrtBase64: string | undefined): CertificateInfo {
  if (!tlsCrtBase64) return { type, secret, error: 'no tls.crt' };
  const pem = Buffer.from(tlsCrtBase64, 'base64').toString('utf8');
  if (!pem.includes('BEGIN CERTIFICATE')) {
    return pem.includes('PUBLIC KEY')
      ? { type, secret, subject: 'key pair', error: undefined, notAfter: undefined }
      : { type, secret, error: 'tls.crt is not a PEM certificate' };
  }
  try {
    const cert = new X509Certificate(pem);
    return { type, secret, subject: cert.subject.replace(/\n/g, ', '), notAfter: new Date(cert.validTo).toISOString() };
  } catch (err) {
    return { type, secret, error: `unreadable certificate (${(err as Error).message})` };
  }
}

export async function gatherStatus(s: Session, name: string): Promise<StatusReport> {
  const namespace = s.namespace;
  const cluster = await requireCluster(s, name);
  const spec = normalizeClusterSpec(cluster.spec);
  const names = clusterObjectNames(name);
  // Reads that failed (other than "not found"), in the order they were started, so the list
  // does not depend on which answer came first. Each names the verb and resource (for RBAC).
  const readProblems: { slot: number; text: string }[] = [];
  const unreadable = new Set<string>();
  let slots = 0;
  const attempt = async <T>(op: Operation, fn: () => Promise<T>): Promise<T | undefined> => {
    const slot = slots++;
    try {
      return await fn();
    } catch (err) {
      const e = err as { code?: unknown; status?: unknown; reason?: unknown };
      if (e.code === 404 || (e.status === 404 && e.reason === 'NotFound')) return undefined;
      unreadable.add(`${op.resource}/${op.name ?? ''}`);
      readProblems.push({ slot, text: toCliError(err, op, { server: s.kube.server, requestTimeoutMs: s.kube.requestTimeoutMs }).message });
      return undefined;
    }
  };
  const get = (resource: string, objectName: string): Operation => ({ verb: 'get', resource, namespace, name: objectName });
  const list = (resource: string): Operation => ({ verb: 'list', resource, namespace });

  const svcName = clusterServiceName(name, spec.service.type);
  const selector = cluster.status?.selector || formatLabelSelector(controlPlaneSelectorLabels(name));
  const [sts, etcdSts, svc, pods, kubeconfigSecret, events, jtrs, workers] = await Promise.all([
    attempt(get('statefulsets.apps', names.statefulSet), () => s.objects.get('StatefulSet', namespace, names.statefulSet)),
    spec.storage.type === 'etcd'
      ? attempt(get('statefulsets.apps', names.etcdStatefulSet), () => s.objects.get('StatefulSet', namespace, names.etcdStatefulSet))
      : Promise.resolve(undefined),
    attempt(get('services', svcName), () => s.objects.get('Service', namespace, svcName)),
    attempt(list('pods'), () => s.objects.list('Pod', { namespace, labelSelector: selector })),
    attempt(list('secrets'), async () => {
      // Only existence matters here; the data is never printed.
      const found = await s.objects.list('Secret', { namespace, fieldSelector: `metadata.name=${names.kubeconfigSecret}` });
      return found.length > 0 ? names.kubeconfigSecret : undefined;
    }),
    attempt(list('events'), () => s.client.listEvents(namespace, name, 'Cluster')),
    attempt(list(JOIN_TOKEN_REQUESTS), () => s.client.listJoinTokenRequests(namespace)),
    readWorkers(s, cluster),
  ]);

  const certificates: CertificateInfo[] = [];
  const certProblems: string[] = [];
  await Promise.all(
    expectedCertificates(cluster).map(async ({ purpose, secretName }) => {
      const secret = await attempt(get('secrets', secretName), () => s.objects.get('Secret', namespace, secretName));
      if (secret) certificates.push(certificateInfo(purpose, secretName, secret.data?.['tls.crt']));
      // Already listed among the failed reads: do not call it missing.
      else if (unreadable.has(`secrets/${secretName}`))
        certificates.push({ type: purpose, secret: secretName, error: 'cannot read the Secret', unreadable: true });
      else certificates.push({ type: purpose, secret: secretName, error: 'Secret not found' });
    }),
  );
  const order: string[] = expectedCertificates(cluster).map(c => c.purpose);
  certificates.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  for (const c of certificates) {
    if (c.unreadable) continue;
    if (c.error && !(c.subject === 'key pair')) certProblems.push(`certificate ${c.type} (Secret ${c.secret}): ${c.error}`);
    else if (c.notAfter && Date.parse(c.notAfter) < Date.now()) certProblems.push(`certificate ${c.type} (Secret ${c.secret}) expired on ${c.notAfter}`);
  }
  const problems = [...readProblems.sort((a, b) => a.slot - b.slot).map(p => p.text), ...certProblems];

  const stsUnreadable = unreadable.has(`statefulsets.apps/${names.statefulSet}`);
  const writer = statusWriter(cluster);
  const phase = clusterPhase(cluster);
  if (!sts && !stsUnreadable && phase !== 'Sleeping') {
    problems.push(
      `StatefulSet ${names.statefulSet} does not exist yet (${writer === 'upstream' ? 'the upstream k0smotron operator manages this Cluster; see its logs' : 'is the operator running?'})`,
    );
  }
  if (writer === 'none') problems.push('the Cluster has no status: no operator has reconciled it (run `kubectl k0smotron install` if none is installed)');
  for (const cond of cluster.status?.conditions ?? []) {
    if (cond.status !== 'False' || !['Available', 'ControlPlaneFunctional', 'KubeconfigSecretAvailable', 'CertificatesAvailable'].includes(cond.type)) continue;
    // Upstream never marks a control plane without spec.externalAddress Available; when we show
    // it Available (its API answers and its replicas are Ready) that is not a problem.
    if (writer === 'upstream' && cond.type === 'Available' && phase === 'Available') continue;
    problems.push(`${cond.type} is False: ${cond.reason}${cond.message ? ` — ${cond.message.split('\n')[0]}` : ''}`);
  }

  const lb = svc?.status?.loadBalancer?.ingress?.[0];
  const endpoint = clusterEndpoint(cluster, svc);
  const { reconciliationStatus } = upstreamStatusFields(cluster);
  const report: StatusReport = {
    name,
    namespace,
    phase,
    managedBy: writer,
    ...(writer === 'upstream' && reconciliationStatus ? { reconciliationStatus } : {}),
    paused: cluster.metadata.annotations?.[ANNOTATION_PAUSED] === 'true',
    createdAt: cluster.metadata.creationTimestamp,
    controlPlane: {
      desiredReplicas: spec.replicas,
      replicas: sts?.status?.replicas ?? cluster.status?.replicas,
      readyReplicas: sts?.status?.readyReplicas ?? cluster.status?.readyReplicas ?? 0,
      updatedReplicas: sts?.status?.updatedReplicas ?? cluster.status?.updatedReplicas,
      version: spec.version,
      runningVersion: cluster.status?.version,
      image: spec.image,
      endpoint: endpoint?.url,
      endpointSource: endpoint?.source,
      externalAddress: cluster.spec?.externalAddress,
      service: svc
        ? {
            name: svcName,
            type: svc.spec?.type ?? 'ClusterIP',
            ports: (svc.spec?.ports ?? []).map(p => `${p.name ?? ''}${p.name ? ' ' : ''}${p.port}${p.nodePort ? `:${p.nodePort}` : ''}`).join(', '),
            clusterIP: svc.spec?.clusterIP,
            loadBalancer: lb ? (lb.ip ?? lb.hostname) : undefined,
          }
        : undefined,
      kubeconfigSecret: kubeconfigSecret ?? undefined,
      sleepingFromReplicas: Number(cluster.metadata.annotations?.[ANNOTATION_SLEEP_REPLICAS]) || undefined,
    },
    datastore: {
      type: spec.storage.type,
      statefulSet: etcdSts ? names.etcdStatefulSet : undefined,
      replicas: etcdSts?.spec?.replicas,
      readyReplicas: etcdSts?.status?.readyReplicas ?? 0,
      size: spec.storage.type === 'etcd' ? String(spec.storage.etcd?.persistence.size ?? '') : undefined,
      // The URL may hold a password: show only where it comes from.
      kine:
        spec.storage.type === 'kine'
          ? spec.storage.kine?.dataSourceSecretName
            ? `Secret ${spec.storage.kine.dataSourceSecretName}`
            : spec.storage.kine?.dataSourceURL
              ? `${spec.storage.kine.dataSourceURL.split(':')[0]}:// URL in the spec`
              : '<unset>'
          : undefined,
    },
    instances: (pods ?? [])
      .map(p => ({
        name: p.metadata?.name ?? '',
        ready: !!p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True'),
        phase: p.metadata?.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Unknown'),
        node: p.spec?.nodeName,
        restarts: (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
        createdAt: p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).toISOString() : undefined,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    workers,
    certificates,
    conditions: (cluster.status?.conditions ?? []).map(c => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: c.lastTransitionTime,
    })),
    events: (events ?? []).map(e => ({
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
      message: e.message ?? '',
      count: e.count,
      lastSeen: toIso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp),
    })),
    joinTokens: (jtrs ?? [])
      .filter(j => (j.spec.clusterName ?? j.spec.clusterRef?.name) === name)
      .map(j => {
        const expiry = joinTokenExpiry(j);
        return {
          name: j.metadata.name ?? '',
          role: j.spec.role ?? 'worker',
          issued: !!j.status?.tokenID,
          expiration:
            expiry.kind === 'at'
              ? `${expiry.at}${expiry.estimated ? ' (estimated)' : ''}`
              : expiry.kind === 'unknown' && j.status?.tokenID
                ? '<unknown>'
                : undefined,
        };
      }),
    problems,
  };
  return report;
}

function toIso(t: unknown): string | undefined {
  if (!t) return undefined;
  const d = t instanceof Date ? t : new Date(String(t));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export async function runStatus(s: Session, args: { name: string; output?: string }): Promise<void> {
  const output = oneOf('--output', args.output, ['json', 'yaml'] as const);
  const report = await gatherStatus(s, args.name);
  if (output) {
    s.print(render(forOutput(report as unknown as { metadata?: object }), output));
    return;
  }
  s.print(renderStatus(report, { palette: s.out, now: new Date(), verbose: s.verbosity }));
}
