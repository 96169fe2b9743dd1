import { randomBytes } from 'node:crypto';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  API_VERSION,
  DurationError,
  parseGoDuration,
  JOIN_TOKEN_CONDITION,
  JOIN_TOKEN_REQUEST_KIND,
  LABEL_CLUSTER,
  joinTokenExpiry,
  shortenName,
  workerJoinCommands,
  type Cluster,
  type JoinTokenRequest,
} from '@k0smotron/api';
import type { K0smotronClient } from '@k0smotron/api/client';
import type { JoinTokenRequestBody, JoinTokenResponse } from '@k0smotron/plugin-k0smotron-common';

export const JOIN_TOKEN_WAIT_MS = 30_000;
const JOIN_TOKEN_SETTLE_MS = 5_000;
export const JOIN_TOKEN_TIMEOUT_KEY = 'k0smotron.joinTokenTimeout';

/**
 * `k0smotron.joinTokenTimeout` (a duration such as `30s`, default 30 s): how long the join-token
 * route waits for the operator before answering 503. Checked at startup.
 */
export function readJoinTokenTimeoutMs(root: Config): number {
  const text = root.getOptionalString(JOIN_TOKEN_TIMEOUT_KEY);
  if (text === undefined) return JOIN_TOKEN_WAIT_MS;
  try {
    const ms = parseGoDuration(text, JOIN_TOKEN_TIMEOUT_KEY);
    if (ms <= 0) throw new Error('must be more than 0');
    return ms;
  } catch (err) {
    const why = err instanceof DurationError ? err.message : `${JOIN_TOKEN_TIMEOUT_KEY}: ${(err as Error).message}`;
    throw new InputError(`${why} (e.g. 30s, 1m)`);
  }
}
export const LABEL_CREATED_BY = 'app.kubernetes.io/created-by';
export const CREATED_BY_BACKSTAGE = 'backstage';

export class JoinTokenTimeoutError extends Error {
  override readonly name = 'JoinTokenTimeoutError';
}

/** A unique JoinTokenRequest name for a Cluster (pure but for the random suffix). */
export function joinTokenRequestName(clusterName: string, role: string, suffix = randomBytes(3).toString('hex')): string {
  return shortenName(`${clusterName}-${role}-${suffix}`);
}

export function desiredJoinTokenRequest(
  cluster: Cluster,
  body: JoinTokenRequestBody,
  name: string,
  requestedBy: string | undefined,
): JoinTokenRequest {
  return {
    apiVersion: API_VERSION,
    kind: JOIN_TOKEN_REQUEST_KIND,
    metadata: {
      name,
      namespace: cluster.metadata.namespace,
      labels: { [LABEL_CLUSTER]: cluster.metadata.name ?? '', [LABEL_CREATED_BY]: CREATED_BY_BACKSTAGE },
      ...(requestedBy ? { annotations: { 'k0smotron.io/requested-by': requestedBy } } : {}),
    },
    spec: { clusterName: cluster.metadata.name, role: body.role, expiry: body.expiry },
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>(resolve => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Creates a JoinTokenRequest and waits for the operator to issue its token. The JTR stays (its
 * deletion would invalidate the token); on timeout or failure it is removed, since nobody got
 * the token. The token is returned to the caller and kept nowhere else.
 */
export async function issueJoinToken(opts: {
  client: K0smotronClient;
  cluster: Cluster;
  body: JoinTokenRequestBody;
  requestedBy?: string;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}): Promise<JoinTokenResponse & { joinTokenRequestName: string }> {
  const { client, cluster, body } = opts;
  const namespace = cluster.metadata.namespace ?? 'default';
  const timeoutMs = opts.timeoutMs ?? JOIN_TOKEN_WAIT_MS;
  const name = joinTokenRequestName(cluster.metadata.name ?? '', body.role);
  await client.createJoinTokenRequest(desiredJoinTokenRequest(cluster, body, name, opts.requestedBy));

  const deadline = Date.now() + timeoutMs;
  let nextProgress = Date.now() + 5_000;
  try {
    for (;;) {
      const token = await client.readJoinToken(namespace, name);
      if (token) {
        // The Secret is written before the status that reports the token (and its expiry):
        // read the request until it does, for a few seconds at most.
        let jtr = await client.getJoinTokenRequest(namespace, name);
        const settleBy = Math.min(deadline, Date.now() + JOIN_TOKEN_SETTLE_MS);
        while (jtr && joinTokenExpiry(jtr).kind === 'unknown' && Date.now() < settleBy && !opts.signal?.aborted) {
          await sleep(opts.pollMs ?? 300, opts.signal);
          jtr = (await client.getJoinTokenRequest(namespace, name)) ?? jtr;
        }
        const response: JoinTokenResponse & { joinTokenRequestName: string } = {
          token,
          role: body.role,
          commands: workerJoinCommands({
            token,
            role: body.role,
            k0sVersion: cluster.status?.version ?? cluster.spec?.version,
          }),
          joinTokenRequestName: name,
        };
        // Ours reports status.expiration; upstream's operator does not, so its expiry is the
        // request's spec.expiry counted from the issue (estimated), once its condition says so.
        const expiry = jtr ? joinTokenExpiry(jtr) : undefined;
        if (expiry?.kind === 'at') response.expiresAt = expiry.at;
        return response;
      }
      // A False condition may be transient (the control plane is still starting): report it
      // with the timeout instead of giving up early.
      const jtr = await client.getJoinTokenRequest(namespace, name);
      const condition = jtr?.status?.conditions?.find(c => c.type === JOIN_TOKEN_CONDITION && c.status === 'False');
      if (Date.now() >= deadline || opts.signal?.aborted) {
        throw new JoinTokenTimeoutError(
          `no join token for ${namespace}/${cluster.metadata.name} within ${Math.round(timeoutMs / 1000)} s` +
            (condition
              ? ` (the operator reports ${condition.reason}: ${condition.message})`
              : `: is the k0smotron operator (ours, the embedded reconciler, or upstream k0smotron's) running for namespace ${namespace}, and is the control plane Available?`),
        );
      }
      if (Date.now() >= nextProgress) {
        opts.onProgress?.(`waiting for the join token of ${namespace}/${cluster.metadata.name} (JoinTokenRequest ${name})…`);
        nextProgress = Date.now() + 5_000;
      }
      await sleep(opts.pollMs ?? 300, opts.signal);
    }
  } catch (err) {
    await client.deleteJoinTokenRequest(namespace, name).catch(() => undefined);
    throw err;
  }
}
