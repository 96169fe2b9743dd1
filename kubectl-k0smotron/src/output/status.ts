// `status` output in the style of `kubectl cnpg status`: titled sections of aligned key/values
// and small tables; green = fine, yellow = not configured or in progress, red = failing.
// Problems met while gathering are listed at the end instead of aborting.
import type { Palette } from './color';
import { renderKeyValues, renderTable } from './table';
import { age, humanDuration } from './age';
import type { WorkersInfo } from '../commands/workers';
import { statusWriterDescription, type EndpointSource, type StatusWriter } from '@k0smotron/api';

export type Health = 'ok' | 'warn' | 'bad' | 'none';

export interface CertificateInfo {
  /** Certificate purpose, e.g. ca, etcd, apiserver-etcd-client. */
  type: string;
  secret: string;
  subject?: string;
  notAfter?: string;
  /** Why the expiry could not be read. */
  error?: string;
  /** The Secret exists or not, but reading it failed (e.g. forbidden): listed among the problems. */
  unreadable?: boolean;
}

export interface InstanceInfo {
  name: string;
  ready: boolean;
  phase: string;
  node?: string;
  restarts: number;
  createdAt?: string;
}

export interface EventInfo {
  type: string;
  reason: string;
  object: string;
  message: string;
  lastSeen?: string;
  count?: number;
}

export interface ConditionInfo {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** Everything `status` shows; also its `-o json` output. */
export interface StatusReport {
  name: string;
  namespace: string;
  phase: string;
  /** Who writes the Cluster's status: this operator, upstream k0smotron's, or nobody yet. */
  managedBy: StatusWriter;
  /** Upstream's `reconciliationStatus` (its v1beta1 summary line), when upstream manages the Cluster. */
  reconciliationStatus?: string;
  paused: boolean;
  createdAt?: string;
  controlPlane: {
    desiredReplicas: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    version: string;
    runningVersion?: string;
    image: string;
    endpoint?: string;
    /** Our operator's status.endpoint, or derived from the spec and Service for upstream Clusters. */
    endpointSource?: EndpointSource;
    externalAddress?: string;
    service?: { name: string; type: string; ports: string; clusterIP?: string; loadBalancer?: string };
    kubeconfigSecret?: string;
    sleepingFromReplicas?: number;
  };
  datastore: {
    type: string;
    statefulSet?: string;
    replicas?: number;
    readyReplicas?: number;
    size?: string;
    kine?: string;
  };
  instances: InstanceInfo[];
  /** Worker nodes, from the control plane's API or else the operator's count. */
  workers: WorkersInfo;
  certificates: CertificateInfo[];
  conditions: ConditionInfo[];
  events: EventInfo[];
  joinTokens: { name: string; role: string; expiration?: string; issued: boolean }[];
  problems: string[];
}

export interface StatusRenderOptions {
  palette: Palette;
  now: Date;
  verbose: number;
}

const DAY = 86_400_000;

/** How a derived endpoint was found (upstream's operator does not report one). */
const ENDPOINT_SOURCES: Record<EndpointSource, string> = {
  status: 'status.endpoint',
  ingress: 'from spec.ingress',
  externalAddress: 'from spec.externalAddress',
  loadBalancer: 'from the Service load balancer',
  serviceDNS: 'the Service DNS name, inside the management cluster',
};

export function certificateHealth(c: CertificateInfo, now: Date): Health {
  if (c.error || !c.notAfter) return 'bad';
  const left = Date.parse(c.notAfter) - now.getTime();
  if (left <= 0) return 'bad';
  if (left < 30 * DAY) return 'warn';
  return 'ok';
}

export function phaseHealth(phase: string): Health {
  switch (phase) {
    case 'Available':
      return 'ok';
    case 'Degraded':
    case 'Deleting':
      return 'bad';
    default:
      return 'warn';
  }
}

function paint(p: Palette, h: Health, s: string): string {
  return h === 'ok' ? p.green(s) : h === 'warn' ? p.yellow(s) : h === 'bad' ? p.red(s) : s;
}

function section(p: Palette, title: string, body: string): string {
  return `${p.bold(p.cyan(title))}\n${body}\n`;
}

function replicasHealth(ready: number | undefined, desired: number): Health {
  if (desired === 0) return 'warn';
  if ((ready ?? 0) >= desired) return 'ok';
  return (ready ?? 0) === 0 ? 'bad' : 'warn';
}

function renderWorkers(r: StatusReport, o: StatusRenderOptions): string {
  const p = o.palette;
  const w = r.workers;
  const count = (total = 0, ready = 0) => paint(p, total === 0 ? 'warn' : ready === total ? 'ok' : ready === 0 ? 'bad' : 'warn', `${ready}/${total} Ready`);
  if (w.source === 'child') {
    if (!w.nodes?.length) return p.yellow(`none joined yet (a token: kubectl k0smotron join-token ${r.name})`);
    const rows = w.nodes.map(n => [
      n.name,
      paint(p, n.ready === 'True' ? 'ok' : 'bad', n.ready),
      n.kubeletVersion ?? '<unknown>',
      age(n.createdAt, o.now),
      n.address ?? '<none>',
    ]);
    return `${count(w.total, w.ready)}
${renderTable(['NAME', 'READY', 'VERSION', 'AGE', 'ADDRESS'], rows).trimEnd()}`;
  }
  if (w.source === 'status') return `${count(w.total, w.ready)} (the operator's count; nodes not listed: ${w.note ?? 'unknown reason'})`;
  return p.yellow(`unknown (${w.note ?? 'the operator has not counted them yet'})`);
}

export function renderStatus(r: StatusReport, o: StatusRenderOptions): string {
  const p = o.palette;
  const cp = r.controlPlane;
  const out: string[] = [];

  const summary: [string, string][] = [
    ['Name', `${r.namespace}/${r.name}`],
    ['Phase', paint(p, phaseHealth(r.phase), r.phase)],
  ];
  if (r.createdAt) summary.push(['Age', humanDuration(o.now.getTime() - Date.parse(r.createdAt))]);
  // Only said when it is not this operator: the usual case stays as short as it was.
  if (r.managedBy !== 'k0smotron') summary.push(['Managed by', p.yellow(statusWriterDescription(r.managedBy))]);
  if (r.reconciliationStatus) summary.push(['Reconciliation', r.reconciliationStatus]);
  if (r.managedBy === 'upstream') {
    if (r.paused) summary.push(['Paused', p.yellow('annotation set, but the upstream operator does not honour it')]);
  } else {
    summary.push(['Paused', r.paused ? p.yellow('yes (the operator leaves this Cluster alone)') : 'no']);
  }
  out.push(section(p, 'Cluster Summary', renderKeyValues(summary)));

  const replicas =
    cp.desiredReplicas === 0
      ? p.yellow(`0 (sleeping${cp.sleepingFromReplicas ? `; wakes to ${cp.sleepingFromReplicas}` : ''})`)
      : paint(p, replicasHealth(cp.readyReplicas, cp.desiredReplicas), `${cp.readyReplicas ?? 0}/${cp.desiredReplicas} ready`) +
        (cp.updatedReplicas !== undefined ? `, ${cp.updatedReplicas} up to date` : '');
  const version = cp.runningVersion && cp.runningVersion !== cp.version ? p.yellow(`${cp.version} (running ${cp.runningVersion})`) : cp.version;
  const cpLines: [string, string][] = [
    ['Replicas', replicas],
    ['Version', version],
    ['Image', cp.image],
    [
      'Endpoint',
      cp.endpoint
        ? `${cp.endpoint}${cp.endpointSource && cp.endpointSource !== 'status' ? p.dim(` (${ENDPOINT_SOURCES[cp.endpointSource]})`) : ''}`
        : p.yellow('<pending>'),
    ],
  ];
  if (cp.service) {
    const s = cp.service;
    cpLines.push([
      'Service',
      `${s.name} (${s.type}) ports ${s.ports}${s.clusterIP ? `, cluster IP ${s.clusterIP}` : ''}${
        s.type === 'LoadBalancer' ? `, load balancer ${s.loadBalancer ?? p.yellow('<pending>')}` : ''
      }`,
    ]);
  } else {
    cpLines.push(['Service', p.yellow('<none>')]);
  }
  cpLines.push(['Kubeconfig', cp.kubeconfigSecret ? `Secret ${cp.kubeconfigSecret}` : p.yellow('<pending>')]);
  out.push(section(p, 'Control Plane', renderKeyValues(cpLines)));

  if (o.verbose > 0 && r.instances.length > 0) {
    const rows = r.instances.map(i => [
      i.name,
      i.ready ? p.green('true') : p.red('false'),
      i.phase,
      String(i.restarts),
      i.node ?? '<none>',
      i.createdAt ? humanDuration(o.now.getTime() - Date.parse(i.createdAt)) : '<unknown>',
    ]);
    out.push(section(p, 'Instances', renderTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE', 'AGE'], rows).trimEnd()));
  }
  out.push(section(p, 'Workers', renderWorkers(r, o)));

  const ds = r.datastore;
  const dsLines: [string, string][] = [['Type', ds.type]];
  if (ds.type === 'etcd') {
    dsLines.push([
      'StatefulSet',
      ds.statefulSet
        ? `${ds.statefulSet} ${paint(p, replicasHealth(ds.readyReplicas, ds.replicas ?? 0), `${ds.readyReplicas ?? 0}/${ds.replicas ?? 0} ready`)}`
        : p.yellow('<pending>'),
    ]);
    dsLines.push(['Volume size', ds.size ?? '1Gi']);
  } else if (ds.kine) {
    dsLines.push(['Data source', ds.kine]);
  }
  out.push(section(p, 'Datastore', renderKeyValues(dsLines)));

  if (r.certificates.length === 0) {
    out.push(section(p, 'Certificates', p.yellow('none yet (the operator creates them)')));
  } else {
    const rows = r.certificates.map(c => {
      const h = certificateHealth(c, o.now);
      const expires = c.notAfter ? c.notAfter.replace(/\.\d{3}Z$/, 'Z') : '<unknown>';
      const left = c.notAfter ? Date.parse(c.notAfter) - o.now.getTime() : NaN;
      const inText = c.error ? c.error : Number.isNaN(left) ? '' : left <= 0 ? 'expired' : humanDuration(left);
      return [c.type, c.secret, paint(p, h, expires), paint(p, h, inText)];
    });
    out.push(section(p, 'Certificates', renderTable(['TYPE', 'SECRET', 'EXPIRES', 'IN'], rows).trimEnd()));
  }

  if (r.conditions.length > 0) {
    const rows = r.conditions.map(c => {
      // Deleting, Paused and ControlPlaneScaling are "bad when True"; the rest are "good when True".
      const inverted = ['Deleting', 'Paused', 'ControlPlaneScaling'].includes(c.type);
      const good = (c.status === 'True') !== inverted;
      const h: Health = c.status === 'Unknown' ? 'warn' : good ? 'ok' : inverted ? 'warn' : 'bad';
      return [
        c.type,
        paint(p, h, c.status),
        c.reason ?? '',
        c.lastTransitionTime ? humanDuration(o.now.getTime() - Date.parse(c.lastTransitionTime)) : '',
        (c.message ?? '').split('\n')[0],
      ];
    });
    out.push(section(p, 'Conditions', renderTable(['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'], rows).trimEnd()));
  } else {
    out.push(section(p, 'Conditions', p.yellow('none reported yet')));
  }

  if (r.joinTokens.length > 0) {
    const rows = r.joinTokens.map(t => [t.name, t.role, t.issued ? p.green('yes') : p.yellow('no'), t.expiration ?? 'never']);
    out.push(section(p, 'Join Tokens', renderTable(['NAME', 'ROLE', 'ISSUED', 'EXPIRES'], rows).trimEnd()));
  }

  const events = o.verbose > 0 ? r.events : r.events.slice(-5);
  if (events.length > 0) {
    const rows = events.map(e => [
      e.lastSeen ? humanDuration(o.now.getTime() - Date.parse(e.lastSeen)) : '<unknown>',
      e.type === 'Warning' ? p.yellow(e.type) : e.type,
      e.reason,
      e.object,
      e.message.split('\n')[0],
    ]);
    out.push(section(p, 'Recent Events', renderTable(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows).trimEnd()));
  }

  if (r.problems.length > 0) {
    out.push(section(p, 'Problems', r.problems.map(x => p.red(`- ${x}`)).join('\n')));
  }
  return out.join('\n');
}
