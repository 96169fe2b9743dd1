// `join-token`: issue a token through a JoinTokenRequest (the operator writes it into a Secret),
// print it or the commands a worker runs; list and revoke them.
import {
  formatGoDuration,
  joinTokenExpiry,
  joinTokenRequestPhase,
  normalizeClusterSpec,
  workerJoinCommands,
  type JoinTokenRequest,
  type JoinRole,
} from '@k0smotron/api';
import { issueJoinToken, JoinTokenRefusedError, JoinTokenTimeoutError, newJoinTokenRequest, type IssuedJoinToken } from '@k0smotron/api/client';
import { CliError } from '../errors';
import { age } from '../output/age';
import { renderTable } from '../output/table';
import type { Session } from '../session';
import { asList, forOutput, JOIN_TOKEN_REQUESTS, oneOf, render, requireCluster } from './common';
import { checkJoinTokenRequest } from './validate';
import { parseTimeout, POLL_MS } from './wait';

const JTR_TYPE = 'jointokenrequest.k0smotron.io';

export function joinScript(token: string, role: JoinRole, k0sVersion: string): string {
  return (
    [
      '#!/bin/sh',
      '# Joins this machine to the k0smotron cluster; run as a user that can sudo.',
      'set -eu',
      ...workerJoinCommands({ token, role, k0sVersion }),
    ].join('\n') + '\n'
  );
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
  const jtr = newJoinTokenRequest({
    namespace,
    clusterName: args.cluster,
    name: args.name,
    expiry: args.expiry,
    ...(args.role !== undefined ? { role: args.role as JoinRole } : {}),
  });
  const name = jtr.metadata.name!;
  checkJoinTokenRequest(jtr);
  const cluster = await requireCluster(s, args.cluster);

  let issued: IssuedJoinToken;
  try {
    issued = await issueJoinToken(s.client, jtr, {
      timeoutMs,
      pollMs: POLL_MS,
      // The request stays on a timeout: the operator may still issue it, and it is revoked by name.
      keepOnFailure: true,
      call: (step, fn) => s.call(step, fn),
      onCreated: () => s.progress(`${JTR_TYPE}/${name} created; waiting for the operator to issue the token…`),
      onProgress: p => {
        if (!p.changed) return;
        s.progress(`${s.err.dim(`[${formatGoDuration(p.elapsedMs).padStart(5)}]`)} ${JTR_TYPE}/${name}: ${p.reason}`);
      },
    });
  } catch (err) {
    if (err instanceof JoinTokenRefusedError) {
      const hint = err.reason === 'StorageNotJoinable' ? '; a worker token (--role worker) is not affected' : '';
      throw new CliError(err.message, `${JTR_TYPE}/${name} was deleted${hint}`);
    }
    if (err instanceof JoinTokenTimeoutError) {
      const cond = err.request.condition;
      throw new CliError(
        `timed out after ${formatGoDuration(timeoutMs)} waiting for the token of ${JTR_TYPE}/${name}; last condition: ${cond ? `${cond.type}=${cond.status} ${cond.reason}${cond.message ? `: ${cond.message.split('\n')[0]}` : ''}` : 'none (is the operator running?)'}`,
        `the request stays; check \`kubectl k0smotron status ${args.cluster}\`, then \`kubectl k0smotron join-token revoke ${name}\` if you give up`,
      );
    }
    throw err;
  }
  const { token, request: current } = issued;
  const role = (current.spec.role ?? jtr.spec.role ?? 'worker') as JoinRole;
  if (output === 'token') s.print(token);
  else if (output === 'script') s.print(joinScript(token, role, cluster.status?.version ?? normalizeClusterSpec(cluster.spec).version));
  else s.print(render(withToken(forOutput(current), token), output));
  const phase = joinTokenRequestPhase(current);
  const expiry = phase === 'Issued' || phase === 'Expired' ? joinTokenExpiry(current) : undefined;
  const validity = expiry?.kind === 'at' ? `, valid until ${expiry.estimated ? 'about ' : ''}${expiry.at}` : expiry?.kind === 'never' ? ', never expires' : '';
  s.progress(`Token issued${validity}; revoke it with \`kubectl k0smotron join-token revoke ${name}\`.`);
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
