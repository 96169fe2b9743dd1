// The JoinTokenRequest's status: what it says (pure: desiredStatus and the conditions), and the
// one way it is written (server-side apply to the status subresource); a waiting or refused
// request is written only when its condition changes.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  API_VERSION,
  JOIN_TOKEN_CONDITION,
  JOIN_TOKEN_REQUEST_KIND,
  JOIN_TOKEN_SECRET_KEY,
  type Condition,
  type JoinTokenRequest,
  type JoinTokenRequestStatus,
} from '@k0smotron/api';
import type { ObjectKey, ReconcileContext } from '../engine/contract';
import { conditionUnchanged, setCondition } from './conditions';
import { JTR_GVK } from './kinds';
import type { JoinTokenStep } from './reconcile-step';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/** The JoinTokenSecretCreated condition of `jtr` (True once the user's Secret holds a token). */
export function joinTokenCondition(jtr: JoinTokenRequest): Condition | undefined {
  return jtr.status?.conditions?.find(c => c.type === JOIN_TOKEN_CONDITION);
}

/** A token was issued and handed out: the id is recorded and the condition is True. */
export function tokenIssued(jtr: JoinTokenRequest): boolean {
  return !!jtr.status?.tokenID && joinTokenCondition(jtr)?.status === 'True';
}

/** A False JoinTokenSecretCreated condition: refused, or waiting for something, with why. */
export function notCreatedCondition(jtr: JoinTokenRequest, reason: string, message: string): ConditionInput {
  return { type: JOIN_TOKEN_CONDITION, status: 'False', reason, message, observedGeneration: jtr.metadata.generation };
}

/** The condition while the id is recorded and the child not yet written. */
export function issuingCondition(jtr: JoinTokenRequest, tokenId: string): ConditionInput {
  return {
    type: JOIN_TOKEN_CONDITION,
    status: 'False',
    reason: 'Issuing',
    message: `writing bootstrap token ${tokenId} to the control plane`,
    observedGeneration: jtr.metadata.generation,
  };
}

/** The condition once the user's Secret holds the token. */
export function createdCondition(jtr: JoinTokenRequest, tokenId: string, secretName: string, expiration: string | undefined): ConditionInput {
  return {
    type: JOIN_TOKEN_CONDITION,
    status: 'True',
    reason: 'Created',
    message: `token ${tokenId} is in Secret ${secretName} (key ${JOIN_TOKEN_SECRET_KEY}), ${expiration ? `valid until ${expiration}` : 'never expires'}`,
    observedGeneration: jtr.metadata.generation,
  };
}

/**
 * The status to apply: what `jtr` has (the token id falling back to `knownTokenId`, the id this
 * process recorded, when the cached JTR lags behind that write), then `patch`, then `condition`.
 * Server-side apply removes every field this manager owns and omits, so all of them are sent.
 */
export function desiredStatus(
  jtr: JoinTokenRequest,
  knownTokenId: string | undefined,
  patch: Partial<JoinTokenRequestStatus>,
  condition: ConditionInput,
  now: Date,
): JoinTokenRequestStatus {
  const cur = { ...(jtr.status ?? {}) };
  if (!cur.tokenID && knownTokenId) cur.tokenID = knownTokenId;
  return {
    ...(cur.tokenID ? { tokenID: cur.tokenID } : {}),
    ...(cur.expiration ? { expiration: cur.expiration } : {}),
    ...(cur.cluster ? { cluster: cur.cluster } : {}),
    ...(cur.clusterUID ? { clusterUID: cur.clusterUID } : {}),
    ...patch,
    observedGeneration: jtr.metadata.generation,
    reconciliationStatus: condition.status === 'True' ? 'Reconciliation successful' : `${condition.reason}: ${condition.message}`,
    conditions: setCondition(cur.conditions, condition, now),
  };
}

/**
 * Applies the status computed by desiredStatus; with `resourceVersion`, only if the JTR is still
 * at it (an optimistic lock). Returns the JTR as the API server stored it.
 */
export async function writeStatus(
  step: JoinTokenStep,
  jtr: JoinTokenRequest,
  patch: Partial<JoinTokenRequestStatus>,
  condition: ConditionInput,
  resourceVersion?: string,
): Promise<JoinTokenRequest> {
  const known = jtr.metadata.uid ? step.memory.recorded.get(jtr.metadata.uid) : undefined;
  const status = desiredStatus(jtr, known, patch, condition, step.ctx.now());
  const applied = await step.ctx.client.apply<KubernetesObject & { status: JoinTokenRequestStatus }>(
    {
      apiVersion: API_VERSION,
      kind: JOIN_TOKEN_REQUEST_KIND,
      metadata: { name: jtr.metadata.name, namespace: jtr.metadata.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      status,
    },
    { subresource: 'status' },
  );
  return applied as unknown as JoinTokenRequest; // the API returns the whole object
}

/** Waiting (or invalid): a False condition, written only when it changed, so a waiting JTR costs no requests. */
export async function notYet(step: JoinTokenStep, jtr: JoinTokenRequest, reason: string, message: string): Promise<void> {
  const cond = notCreatedCondition(jtr, reason, message);
  if (conditionUnchanged(jtr.status?.conditions, cond)) return;
  await writeStatus(step, jtr, {}, cond);
}

/** Refused by the policy: a False condition and a Warning event, once. */
export async function refuse(step: JoinTokenStep, jtr: JoinTokenRequest, reason: string, message: string): Promise<void> {
  const cond = notCreatedCondition(jtr, reason, message);
  if (conditionUnchanged(jtr.status?.conditions, cond)) return;
  await writeStatus(step, jtr, {}, cond);
  step.ctx.events.event(jtr as KubernetesObject, 'Warning', reason, `join token refused: ${message}`);
}

/**
 * The newest view of the JTR this reconcile has: the cache, unless what the reconcile itself read
 * live or wrote is newer (a cache lagging behind our own status write must not win).
 */
export function latest(ctx: ReconcileContext, key: ObjectKey, known: JoinTokenRequest): JoinTokenRequest {
  const cached = ctx.cache.get<JoinTokenRequest & KubernetesObject>(JTR_GVK, key.namespace, key.name);
  if (!cached) return known;
  return known.status?.tokenID && !cached.status?.tokenID ? known : cached;
}
