import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { DurationError, parseGoDuration, joinTokenExpiry, workerJoinCommands, type Cluster, type JoinTokenRequest } from '@k0smotron/api';
import {
  issueJoinToken as issueApiJoinToken,
  joinTokenRequestName,
  newJoinTokenRequest,
  JoinTokenRefusedError,
  JoinTokenTimeoutError,
  type K0smotronClient,
} from '@k0smotron/api/client';
import type { JoinTokenRequestBody, JoinTokenResponse } from '@k0smotron/plugin-k0smotron-common';
import { FieldValidationError, fieldErrorSummary } from './errors';

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

/** The request names, the wait and the refusals are @k0smotron/api's (the CLI issues tokens the same way). */
export { JoinTokenRefusedError, JoinTokenTimeoutError, joinTokenRequestName };

export function desiredJoinTokenRequest(cluster: Cluster, body: JoinTokenRequestBody, name: string, requestedBy: string | undefined): JoinTokenRequest {
  return newJoinTokenRequest({
    namespace: cluster.metadata.namespace ?? 'default',
    clusterName: cluster.metadata.name ?? '',
    role: body.role,
    expiry: body.expiry,
    name,
    labels: { [LABEL_CREATED_BY]: CREATED_BY_BACKSTAGE },
    ...(requestedBy ? { annotations: { 'k0smotron.io/requested-by': requestedBy } } : {}),
  });
}

/**
 * Creates a JoinTokenRequest and waits for the operator to issue its token. The JTR stays (its
 * deletion would invalidate the token); on timeout, refusal or failure it is removed, since
 * nobody got the token. The token is returned to the caller and kept nowhere else.
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
  const name = joinTokenRequestName(cluster.metadata.name ?? '', body.role);
  let nextProgress = 5_000;
  const issued = await issueApiJoinToken(client, desiredJoinTokenRequest(cluster, body, name, opts.requestedBy), {
    timeoutMs: opts.timeoutMs ?? JOIN_TOKEN_WAIT_MS,
    pollMs: opts.pollMs ?? 300,
    settleMs: JOIN_TOKEN_SETTLE_MS,
    settlePollMs: opts.pollMs ?? 300,
    signal: opts.signal,
    onProgress: p => {
      if (p.elapsedMs < nextProgress) return;
      opts.onProgress?.(`waiting for the join token of ${namespace}/${cluster.metadata.name} (JoinTokenRequest ${name})…`);
      nextProgress = p.elapsedMs + 5_000;
    },
  }).catch((err: unknown) => {
    // The operator's refusal (the request is gone): a 400 on the role, worded as the check
    // before the request words the same refusal when it can make it here.
    if (err instanceof JoinTokenRefusedError) {
      const storage = err.reason === 'StorageNotJoinable';
      const errors = [{ path: storage ? 'role' : '', message: err.message }];
      const what = storage ? "the Cluster's storage does not allow" : "the operator's tenant policy does not allow";
      throw new FieldValidationError(`${what} this join token: ${fieldErrorSummary(errors)}`, errors);
    }
    throw err;
  });
  const response: JoinTokenResponse & { joinTokenRequestName: string } = {
    token: issued.token,
    role: body.role,
    commands: workerJoinCommands({
      token: issued.token,
      role: body.role,
      k0sVersion: cluster.status?.version ?? cluster.spec?.version,
    }),
    joinTokenRequestName: name,
  };
  // Ours reports status.expiration; upstream's operator does not, so its expiry is the
  // request's spec.expiry counted from the issue (estimated), once its condition says so.
  const expiry = joinTokenExpiry(issued.request);
  if (expiry.kind === 'at') response.expiresAt = expiry.at;
  return response;
}
