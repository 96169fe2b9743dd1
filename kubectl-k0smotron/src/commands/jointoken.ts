// `join-token`: issue a token through a JoinTokenRequest (the operator writes it into a Secret),
// print it or the commands a worker runs; list and revoke them.
import { randomBytes } from 'node:crypto';
import {
  API_VERSION,
  DEFAULT_JOIN_TOKEN_EXPIRY,
  JOIN_TOKEN_REQUEST_KIND,
  JOIN_TOKEN_CONDITION,
  findCondition,
  formatGoDuration,
  joinTokenExpiry,
  joinTokenRequestPhase,
  normalizeClusterSpec,
  workerJoinCommands,
  type JoinTokenRequest,
  type JoinRole,
} from '@k0smotron/api';
import { CliError } from '../errors';
import { age } from '../output/age';
import { renderTable } from '../output/table';
import type { Session } from '../session';
import { asList, forOutput, JOIN_TOKEN_REQUESTS, oneOf, render, requireCluster, sleep } from './common';
import { checkJoinTokenRequest } from './validate';
import { parseTimeout, POLL_MS } from './wait';

const JTR_TYPE = 'jointokenrequest.k0smotron.io';
/** The operator's condition reason for a controller token the Cluster's storage cannot take. */
const STORAGE_NOT_JOINABLE = 'StorageNotJoinable';

export function defaultRequestName(cluster: string, random = randomBytes(3).toString('hex')): string {
  return `${cluster.slice(0, 63 - 13)}-token-${random.slice(0, 6)}`;
}

export function joinScript(token: string, role: JoinRole, k0sVersion: string): string {
  return ['#!/bin/sh', '# Joins this machine to the k0smotron cluster; run as a user that can sudo.', 'set -eu', ...workerJoinCommands({ token, role, k0sVersion })].join('\n') + '\n';
}

export interface JoinTokenCreateArgs {
  cluster: string;
  expiry?: string;
  role?: string;
  name?: string;
  output?: string;
  timeout: string;
}

export async function runJoinTokenCreate(s: Session, args: JoinTokenCreateArgs): Promise<void> {
  const output = oneOf('--output', args.output, ['token', 'script', 'yaml', 'json'] as const) ?? 'token';
  const timeoutMs = parseTimeout(args.timeout);
  const namespace = s.namespace;
  const name = args.name ?? defaultRequestName(args.cluster);
  const jtr: JoinTokenRequest = {
    apiVersion: API_VERSION,
    kind: JOIN_TOKEN_REQUEST_KIND,
    metadata: { name, namespace },
    spec: {
      clusterName: args.cluster,
      // Always spelled out: upstream's CRD defaults an absent expiry to 0s (never expires), ours
      // to 24h, and the token must not outlive its welcome because of which CRD is installed.
      expiry: args.expiry ?? DEFAULT_JOIN_TOKEN_EXPIRY,
      ...(args.role !== undefined ? { role: args.role as JoinRole } : {}),
    },
  };
  checkJoinTokenRequest(jtr);
  const cluster = await requireCluster(s, args.cluster);
  const created = await s.call({ verb: 'create', resource: JOIN_TOKEN_REQUESTS, namespace, name }, () => s.client.createJoinTokenRequest(jtr));
  s.progress(`${JTR_TYPE}/${name} created; waiting for the operator to issue the token…`);

  const started = Date.now();
  let token: string | undefined;
  let current: JoinTokenRequest | undefined = created;
  let lastReason = '';
  for (;;) {
    token = await s.call({ verb: 'get', resource: 'secrets', namespace, name }, () => s.client.readJoinToken(namespace, name));
    if (token) break;
    current = await s.call({ verb: 'get', resource: JOIN_TOKEN_REQUESTS, namespace, name }, () => s.client.getJoinTokenRequest(namespace, name));
    const cond = current ? findCondition(current, JOIN_TOKEN_CONDITION) : undefined;
    const reason = cond ? `${cond.reason}${cond.message ? `: ${cond.message.split('\n')[0]}` : ''}` : 'not reconciled yet';
    if (reason !== lastReason) {
      s.progress(`${s.err.dim(`[${formatGoDuration(Date.now() - started).padStart(5)}]`)} ${JTR_TYPE}/${name}: ${reason}`);
      lastReason = reason;
    }
    // The operator refuses a controller token for storage no controller can join (as k0s would):
    // waiting cannot change that, so the request goes and the operator's reason is the error.
    if (cond?.status === 'False' && cond.reason === STORAGE_NOT_JOINABLE) {
      await s.call({ verb: 'delete', resource: JOIN_TOKEN_REQUESTS, namespace, name }, () => s.client.deleteJoinTokenRequest(namespace, name));
      throw new CliError(cond.message ?? 'the Cluster\'s storage cannot take another controller', `${JTR_TYPE}/${name} was deleted; a worker token (--role worker) is not affected`);
    }
    if (Date.now() - started >= timeoutMs) {
      throw new CliError(
        `timed out after ${formatGoDuration(timeoutMs)} waiting for the token of ${JTR_TYPE}/${name}; last condition: ${cond ? `${cond.type}=${cond.status} ${reason}` : 'none (is the operator running?)'}`,
        `the request stays; check \`kubectl k0smotron status ${args.cluster}\`, then \`kubectl k0smotron join-token revoke ${name}\` if you give up`,
      );
    }
    await sleep(POLL_MS);
  }
  // The operator writes the Secret before the status that reports it: read the request until it
  // does, so that -o yaml|json and the expiry below describe the issued token, not "Issuing".
  const settleBy = Math.min(started + timeoutMs, Date.now() + SETTLE_MS);
  for (;;) {
    current = (await s.call({ verb: 'get', resource: JOIN_TOKEN_REQUESTS, namespace, name }, () => s.client.getJoinTokenRequest(namespace, name))) ?? current;
    if (isIssued(current) || Date.now() >= settleBy) break;
    await sleep(SETTLE_POLL_MS);
  }
  const role = (current?.spec.role ?? jtr.spec.role ?? 'worker') as JoinRole;
  if (output === 'token') s.print(token);
  else if (output === 'script') s.print(joinScript(token, role, cluster.status?.version ?? normalizeClusterSpec(cluster.spec).version));
  else s.print(render(withToken(forOutput(current ?? created), token), output));
  const expiry = current && isIssued(current) ? joinTokenExpiry(current) : undefined;
  const validity =
    expiry?.kind === 'at' ? `, valid until ${expiry.estimated ? 'about ' : ''}${expiry.at}` : expiry?.kind === 'never' ? ', never expires' : '';
  s.progress(`Token issued${validity}; revoke it with \`kubectl k0smotron join-token revoke ${name}\`.`);
}

const SETTLE_MS = 10_000;
const SETTLE_POLL_MS = 200;

function isIssued(j: JoinTokenRequest | undefined): boolean {
  return !!j && ['Issued', 'Expired'].includes(joinTokenRequestPhase(j));
}

/**
 * -o yaml|json: the JoinTokenRequest with the token the user asked for in status.token (where
 * kubectl's TokenRequest has it). The API object itself never holds it: it lives in the Secret.
 */
export function withToken(j: JoinTokenRequest, token: string): JoinTokenRequest & { status: { token: string } } {
  return { ...j, status: { ...j.status, token } };
}

/** EXPIRES: the time (`~` when estimated: upstream's operator does not report it), never, or pending. */
export function expiresCell(j: JoinTokenRequest): string {
  if (!j.status?.tokenID) return '<pending>';
  const e = joinTokenExpiry(j);
  return e.kind === 'at' ? `${e.estimated ? '~' : ''}${e.at}` : e.kind === 'never' ? 'never' : '<unknown>';
}

export function tokenTable(items: JoinTokenRequest[], allNamespaces: boolean, now: Date): string {
  const headers = ['NAME', 'CLUSTER', 'ROLE', 'ISSUED', 'EXPIRES', 'AGE'];
  if (allNamespaces) headers.unshift('NAMESPACE');
  const rows = items.map(j => {
    const row = [
      j.metadata.name ?? '',
      j.spec.clusterName ?? j.spec.clusterRef?.name ?? '',
      j.spec.role ?? 'worker',
      j.status?.tokenID ? 'True' : 'False',
      expiresCell(j),
      age(j.metadata.creationTimestamp, now),
    ];
    if (allNamespaces) row.unshift(j.metadata.namespace ?? '');
    return row;
  });
  return renderTable(headers, rows);
}

export async function runJoinTokenList(s: Session, args: { cluster?: string; output?: string }): Promise<void> {
  const output = oneOf('--output', args.output, ['json', 'yaml', 'name'] as const);
  const all = !!s.flags.allNamespaces;
  const namespace = all ? undefined : s.namespace;
  if (args.cluster && !all) await requireCluster(s, args.cluster);
  let items = await s.call({ verb: 'list', resource: JOIN_TOKEN_REQUESTS, namespace }, () => s.client.listJoinTokenRequests(namespace));
  if (args.cluster) items = items.filter(j => (j.spec.clusterName ?? j.spec.clusterRef?.name) === args.cluster);
  items.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  if (output === 'json' || output === 'yaml') return s.print(render(asList(items.map(forOutput)), output));
  if (output === 'name') return s.print(items.map(j => `${JTR_TYPE}/${j.metadata.name}`).join('\n'));
  if (items.length === 0) {
    s.progress(`No join tokens found${args.cluster ? ` for cluster ${args.cluster}` : ''}${all ? '' : ` in ${s.namespace} namespace`}.`);
    return;
  }
  s.print(tokenTable(items, all, new Date()));
}

export async function runJoinTokenRevoke(s: Session, args: { names: string[] }): Promise<void> {
  const namespace = s.namespace;
  for (const name of args.names) {
    const existing = await s.call({ verb: 'get', resource: JOIN_TOKEN_REQUESTS, namespace, name }, () => s.client.getJoinTokenRequest(namespace, name));
    if (!existing) {
      const names = (await s.client.listJoinTokenRequests(namespace).catch(() => [])).map(j => j.metadata.name).filter(Boolean);
      throw new CliError(
        `join token request "${name}" not found in namespace "${namespace}"`,
        names.length ? `join tokens in namespace "${namespace}": ${names.join(', ')}` : `there are no join tokens in namespace "${namespace}"`,
      );
    }
    await s.call({ verb: 'delete', resource: JOIN_TOKEN_REQUESTS, namespace, name }, () => s.client.deleteJoinTokenRequest(namespace, name));
    s.print(`${JTR_TYPE}/${name} revoked`);
  }
}
