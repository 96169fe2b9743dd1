// Issuing a join token the one way every face does it: create a JoinTokenRequest, wait for the
// operator to write the token Secret, read the token, and wait briefly for the status that
// describes it. The CLI and the Backstage backend (and through it the scaffolder action) call
// this, so the request names, what counts as a refusal and the cleanup are the same everywhere.
import { randomBytes } from 'node:crypto';
import {
  API_VERSION,
  DEFAULT_JOIN_TOKEN_EXPIRY,
  GROUP,
  JOIN_TOKEN_CONDITION,
  JOIN_TOKEN_REQUEST_KIND,
  JOIN_TOKEN_REQUEST_PLURAL,
  LABEL_CLUSTER,
} from '../constants';
import { findCondition } from '../conditions';
import { shortenName } from '../names';
import type { Condition } from '../schema/common';
import type { JoinRole, JoinTokenRequest } from '../schema/jointokenrequest';
import { joinTokenRequestPhase } from '../summary';

/** What the issuing calls: the K0smotronClient's join-token methods. */
export interface JoinTokenApi {
  createJoinTokenRequest(jtr: JoinTokenRequest): Promise<JoinTokenRequest>;
  getJoinTokenRequest(namespace: string, name: string): Promise<JoinTokenRequest | undefined>;
  deleteJoinTokenRequest(namespace: string, name: string): Promise<void>;
  readJoinToken(namespace: string, jtrName: string): Promise<string | undefined>;
}

/** One API request of the issuing, as a caller names it in its errors (e.g. for RBAC hints). */
export interface JoinTokenStep {
  verb: 'create' | 'get' | 'delete';
  resource: typeof JOIN_TOKEN_REQUESTS_RESOURCE | 'secrets';
  namespace: string;
  name: string;
}

export const JOIN_TOKEN_REQUESTS_RESOURCE = `${JOIN_TOKEN_REQUEST_PLURAL}.${GROUP}`;

/**
 * Condition reasons with which the operator refuses a request for good (joinTokenDecision's
 * refusals): storage no other k0s controller can join, a field the tenant policy does not allow,
 * a Cluster in another namespace that does not serve this one. Waiting cannot change any of
 * them, so the wait ends at once, the request is deleted and the operator's message is the error.
 */
export const JOIN_TOKEN_REFUSAL_REASONS: ReadonlySet<string> = new Set(['StorageNotJoinable', 'PolicyViolation', 'CrossNamespaceDenied']);

/** The name of a new JoinTokenRequest: `<cluster>-<role>-<6 hex>`, shortened by upstream's rule past 63 characters. */
export function joinTokenRequestName(clusterName: string, role: JoinRole = 'worker', suffix = randomBytes(3).toString('hex')): string {
  return shortenName(`${clusterName}-${role}-${suffix}`);
}

export interface NewJoinTokenRequest {
  namespace: string;
  clusterName: string;
  /** Left out of the spec when not given (the CRD's default, worker, applies). */
  role?: JoinRole;
  /** Default 24h. Always written: upstream's CRD defaults an absent expiry to never. */
  expiry?: string;
  /** Default joinTokenRequestName(clusterName, role). */
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The JoinTokenRequest to create, labelled with its Cluster (`k0smotron.io/cluster`). */
export function newJoinTokenRequest(opts: NewJoinTokenRequest): JoinTokenRequest {
  return {
    apiVersion: API_VERSION,
    kind: JOIN_TOKEN_REQUEST_KIND,
    metadata: {
      name: opts.name ?? joinTokenRequestName(opts.clusterName, opts.role),
      namespace: opts.namespace,
      labels: { ...opts.labels, [LABEL_CLUSTER]: opts.clusterName },
      ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: opts.annotations } : {}),
    },
    spec: {
      clusterName: opts.clusterName,
      expiry: opts.expiry ?? DEFAULT_JOIN_TOKEN_EXPIRY,
      ...(opts.role !== undefined ? { role: opts.role } : {}),
    },
  };
}

export interface JoinTokenProgress {
  name: string;
  elapsedMs: number;
  /** The request's JoinTokenSecretCreated condition, once the operator wrote one. */
  condition?: Condition;
  /** The condition's reason and the first line of its message, or `not reconciled yet`. */
  reason: string;
  /** Whether `reason` differs from the previous poll's (always true on the first). */
  changed: boolean;
}

export interface IssueJoinTokenOptions {
  /** How long to wait for the token. */
  timeoutMs: number;
  /** Between two reads while waiting; default 1 s. */
  pollMs?: number;
  /** After the token: how long to wait for the status that reports it (and its expiry); default 10 s, within timeoutMs. */
  settleMs?: number;
  /** Between two reads while settling; default 200 ms. */
  settlePollMs?: number;
  /**
   * On a timeout or a failed request, keep the JoinTokenRequest (the operator may still issue
   * it; the user revokes it by name). Default false: it is deleted, since nobody got the token.
   * A refusal always deletes it.
   */
  keepOnFailure?: boolean;
  /** Ends the wait as a timeout does. */
  signal?: AbortSignal;
  /** Called once the request is created. */
  onCreated?: (request: JoinTokenRequest) => void;
  /** Called after every poll that found no token yet. */
  onProgress?: (progress: JoinTokenProgress) => void;
  /** Runs each API request, e.g. to turn its errors into the caller's own; default: as is. */
  call?: <T>(step: JoinTokenStep, fn: () => Promise<T>) => Promise<T>;
}

export interface IssuedJoinToken {
  name: string;
  token: string;
  /** The request as last read: once settled, its status reports the token (and its expiry). */
  request: JoinTokenRequest;
}

export interface JoinTokenFailureFacts {
  name: string;
  namespace: string;
  clusterName: string;
  /** The last JoinTokenSecretCreated condition seen. */
  condition?: Condition;
  /** Whether the JoinTokenRequest was deleted. */
  deleted: boolean;
}

/** No token within the timeout (or the wait was aborted). */
export class JoinTokenTimeoutError extends Error {
  override readonly name = 'JoinTokenTimeoutError';
  readonly request: JoinTokenFailureFacts;
  readonly timeoutMs: number;
  constructor(message: string, request: JoinTokenFailureFacts, timeoutMs: number) {
    super(message);
    this.request = request;
    this.timeoutMs = timeoutMs;
  }
}

/** The operator refused the request for a reason waiting cannot change (JOIN_TOKEN_REFUSAL_REASONS); the message is its own. */
export class JoinTokenRefusedError extends Error {
  override readonly name = 'JoinTokenRefusedError';
  readonly reason: string;
  readonly request: JoinTokenFailureFacts;
  constructor(message: string, reason: string, request: JoinTokenFailureFacts) {
    super(message);
    this.reason = reason;
    this.request = request;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>(resolve => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function reasonOf(condition: Condition | undefined): string {
  if (!condition) return 'not reconciled yet';
  return `${condition.reason}${condition.message ? `: ${condition.message.split('\n')[0]}` : ''}`;
}

function isIssued(jtr: JoinTokenRequest): boolean {
  const phase = joinTokenRequestPhase(jtr);
  return phase === 'Issued' || phase === 'Expired';
}

/**
 * Creates `request` (see newJoinTokenRequest) and waits for its token. The token is returned and
 * kept nowhere else; the request stays, since deleting it revokes the token.
 */
export async function issueJoinToken(client: JoinTokenApi, request: JoinTokenRequest, opts: IssueJoinTokenOptions): Promise<IssuedJoinToken> {
  const namespace = request.metadata.namespace ?? 'default';
  const name = request.metadata.name ?? '';
  const clusterName = request.spec.clusterName ?? request.spec.clusterRef?.name ?? '';
  const call = opts.call ?? (<T>(_step: JoinTokenStep, fn: () => Promise<T>) => fn());
  const step = (verb: JoinTokenStep['verb'], resource: JoinTokenStep['resource']): JoinTokenStep => ({ verb, resource, namespace, name });
  const getRequest = () => call(step('get', JOIN_TOKEN_REQUESTS_RESOURCE), () => client.getJoinTokenRequest(namespace, name));

  const created = await call(step('create', JOIN_TOKEN_REQUESTS_RESOURCE), () => client.createJoinTokenRequest(request));
  opts.onCreated?.(created);
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let current: JoinTokenRequest = created;
  let condition: Condition | undefined;
  let deleted = false;
  const remove = async () => {
    await call(step('delete', JOIN_TOKEN_REQUESTS_RESOURCE), () => client.deleteJoinTokenRequest(namespace, name));
    deleted = true;
  };
  const facts = (): JoinTokenFailureFacts => ({ name, namespace, clusterName, condition, deleted });

  try {
    let lastReason: string | undefined;
    let token: string | undefined;
    for (;;) {
      token = await call(step('get', 'secrets'), () => client.readJoinToken(namespace, name));
      if (token) break;
      current = (await getRequest()) ?? current;
      condition = findCondition(current, JOIN_TOKEN_CONDITION);
      const reason = reasonOf(condition);
      opts.onProgress?.({ name, elapsedMs: Date.now() - started, condition, reason, changed: reason !== lastReason });
      lastReason = reason;
      if (condition?.status === 'False' && JOIN_TOKEN_REFUSAL_REASONS.has(condition.reason)) {
        await remove();
        throw new JoinTokenRefusedError(condition.message || condition.reason, condition.reason, facts());
      }
      if (Date.now() >= deadline || opts.signal?.aborted) {
        if (!opts.keepOnFailure) await remove().catch(() => undefined);
        const refused = condition?.status === 'False' ? condition : undefined;
        throw new JoinTokenTimeoutError(
          `no join token for ${namespace}/${clusterName} within ${Math.round(opts.timeoutMs / 1000)} s` +
            (refused
              ? ` (the operator reports ${refused.reason}: ${refused.message})`
              : `: is the k0smotron operator (ours, the embedded reconciler, or upstream k0smotron's) running for namespace ${namespace}, and is the control plane Available?`),
          facts(),
          opts.timeoutMs,
        );
      }
      await sleep(opts.pollMs ?? 1000, opts.signal);
    }
    // The operator writes the Secret before the status that reports it: read the request until
    // it does, so the caller describes the issued token (its expiry), not "Issuing".
    const settleBy = Math.min(deadline, Date.now() + (opts.settleMs ?? 10_000));
    for (;;) {
      current = (await getRequest()) ?? current;
      if (isIssued(current) || Date.now() >= settleBy || opts.signal?.aborted) break;
      await sleep(opts.settlePollMs ?? 200, opts.signal);
    }
    return { name, token, request: current };
  } catch (err) {
    if (!opts.keepOnFailure && !deleted && !(err instanceof JoinTokenTimeoutError)) await remove().catch(() => undefined);
    throw err;
  }
}
