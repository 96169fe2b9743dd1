// Waiting with context (like vcluster): progress lines on stderr whenever the phase or the ready
// count changes, new Warning events as they appear, and on timeout the last condition.
import { clusterPhase, findCondition, formatGoDuration, tryParseGoDuration, type Cluster } from '@k0smotron/api';
import { CliError } from '../errors';
import type { Session } from '../session';
import { CLUSTERS, sleep } from './common';

export const POLL_MS = 1000;

export function parseTimeout(value: string, flag = '--timeout'): number {
  const ms = tryParseGoDuration(value);
  if (ms === undefined) throw new CliError(`invalid ${flag} "${value}"`, 'use a duration such as 30s, 5m or 1h');
  return ms;
}

/** One-line summary of where a Cluster is (pure). */
export function progressLine(c: Cluster): string {
  const desired = c.spec?.replicas ?? 1;
  const ready = c.status?.readyReplicas ?? 0;
  const phase = clusterPhase(c);
  const notReady = (c.status?.conditions ?? []).find(x => x.status !== 'True' && !['Deleting', 'Paused', 'ControlPlaneScaling'].includes(x.type));
  const why =
    phase !== 'Available' && notReady ? ` — ${notReady.type}: ${notReady.reason}${notReady.message ? ` (${notReady.message.split('\n')[0]})` : ''}` : '';
  return `${phase}, ${ready}/${desired} ready${why}`;
}

/** The condition that best explains why a Cluster is not Available. */
export function lastCondition(c: Cluster | undefined): string {
  if (!c) return 'the Cluster is gone';
  const available = findCondition(c, 'Available');
  const blocking = (c.status?.conditions ?? []).find(
    x => x.status === 'False' && x.type !== 'Available' && x.type !== 'Deleting' && x.type !== 'ControlPlaneScaling',
  );
  const cond = blocking ?? available;
  if (!cond) return 'no conditions reported (is the operator running? see `kubectl k0smotron install`)';
  return `${cond.type}=${cond.status} ${cond.reason}${cond.message ? `: ${cond.message.split('\n')[0]}` : ''}`;
}

export async function waitForCluster(
  s: Session,
  namespace: string,
  name: string,
  done: (c: Cluster | undefined) => boolean,
  timeoutMs: number,
  what: string,
  /** Why it is not done yet, for the timeout message. */
  explain: (c: Cluster | undefined) => string = c => `last condition: ${lastCondition(c)}`,
): Promise<Cluster | undefined> {
  const started = Date.now();
  const seenEvents = new Set<string>();
  let last = '';
  let cluster: Cluster | undefined;
  let lastPrint = 0;
  for (;;) {
    cluster = await s.call({ verb: 'get', resource: CLUSTERS, namespace, name }, () => s.client.getCluster(namespace, name));
    if (done(cluster)) return cluster;
    const line = cluster ? progressLine(cluster) : 'gone';
    const elapsed = Date.now() - started;
    // Print on change, and every 10 s anyway so a long wait never looks stuck.
    if (line !== last || Date.now() - lastPrint > 10_000) {
      s.progress(`${s.err.dim(`[${formatGoDuration(elapsed).padStart(5)}]`)} cluster/${name}: ${line}`);
      last = line;
      lastPrint = Date.now();
    }
    try {
      const events = await s.client.listEvents(namespace, name, 'Cluster');
      for (const e of events) {
        const key = `${e.metadata?.uid}/${e.count ?? 1}`;
        if (e.type === 'Warning' && !seenEvents.has(key)) {
          seenEvents.add(key);
          if (new Date(String(e.lastTimestamp ?? e.eventTime ?? 0)).getTime() >= started - 60_000) {
            s.progress(`${s.err.yellow('Warning')} ${e.reason}: ${e.message?.split('\n')[0] ?? ''}`);
          }
        }
      }
    } catch {
      // Events are a courtesy while waiting; RBAC may not allow reading them.
    }
    if (elapsed >= timeoutMs) {
      throw new CliError(
        `timed out after ${formatGoDuration(timeoutMs)} waiting for cluster "${name}" to ${what}; ${explain(cluster)}`,
        `see \`kubectl k0smotron status ${name}${namespace !== s.namespace ? ` -n ${namespace}` : ''}\`, or wait longer with --timeout`,
      );
    }
    await sleep(Math.min(POLL_MS, Math.max(0, timeoutMs - elapsed)));
  }
}

export function isAvailable(c: Cluster | undefined): boolean {
  return !!c && clusterPhase(c) === 'Available';
}

export function timeoutMessage(ms: number): string {
  return formatGoDuration(ms);
}
