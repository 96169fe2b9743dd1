// Issuing the token, once. The token id is chosen and persisted in `status.tokenID` (with an
// optimistic lock) before anything is written to the child, and a retry reuses the child's
// bootstrap Secret for that id, so a crash or a stale cache never mints a second token. Then the
// token (Cluster CA, join URL, id.secret) goes to the user in Secret `<jtr-name>`.
import type { KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, JOIN_TOKEN_REQUEST_KIND, type Cluster, type JoinRole, type JoinTokenRequest } from '@k0smotron/api';
import { ChildApiError, type ChildApiClient } from '../childapi/client';
import type { ObjectKey, ReconcileResult } from '../engine/contract';
import { ensureChildSecret } from './child-token';
import { keyString } from './cluster-ref';
import { reachChild } from './control-plane';
import { JTR_GVK } from './kinds';
import type { JoinTokenStep } from './reconcile-step';
import { createdCondition, issuingCondition, latest, notYet, writeStatus } from './status';
import { encodeJoinToken, generateTokenId, joinTokenSecret } from './token';
import { controlPlaneWaitReason } from './wait-schedule';

export interface IssueRequest {
  /** The request as cached. */
  jtr: JoinTokenRequest & KubernetesObject;
  role: JoinRole;
  clusterKey: ObjectKey;
  cluster: Cluster;
  /** The URL joining machines dial (joinServerUrl). */
  server: string;
  /** How long the token is valid; undefined: it never expires. */
  expiryMs: number | undefined;
}

/**
 * Issues the token, or finishes what an earlier attempt started. A control plane that is not
 * there yet is a wait (a False condition and the request's own requeue schedule, see
 * wait-schedule.ts); anything else is thrown for the engine's backoff and log.
 */
export async function issueToken(step: JoinTokenStep, req: IssueRequest): Promise<ReconcileResult | void> {
  const { ctx, key } = step;
  let current: JoinTokenRequest = req.jtr;
  try {
    const { child, caPem } = await reachChild(step, req.cluster, { ca: true });
    const recorded = await recordTokenId(step, req);
    if (!recorded) return; // deleted meanwhile
    current = recorded.jtr;
    await handOutToken(step, req, child, caPem, recorded);
    step.memory.controlPlaneReached(step.jtrKey);
  } catch (err) {
    const reason = controlPlaneWaitReason(err);
    if (!reason) {
      if (err instanceof ChildApiError) await notYet(step, latest(ctx, key, current), 'ControlPlaneError', err.message).catch(() => undefined);
      throw err;
    }
    ctx.log.debug('control plane not reachable yet', { reason, error: (err as Error).message });
    await notYet(step, latest(ctx, key, current), reason, (err as Error).message);
    return step.memory.waitForControlPlane(step.jtrKey);
  }
}

/**
 * 1. The token id, recorded in status before anything reaches the child: the cached one, else
 * the live JTR's (the cache may lag behind), else a new one written under an optimistic lock (two
 * writers cannot both record an id). Undefined when the JTR is gone or being deleted.
 */
async function recordTokenId(step: JoinTokenStep, req: IssueRequest): Promise<{ tokenId: string; jtr: JoinTokenRequest } | undefined> {
  const { ctx, key, memory } = step;
  const cachedId = req.jtr.status?.tokenID;
  if (cachedId) return { tokenId: cachedId, jtr: req.jtr };
  const live = await ctx.client.get<JoinTokenRequest & KubernetesObject>({ ...JTR_GVK, namespace: key.namespace, name: key.name });
  if (!live || live.metadata.deletionTimestamp) return undefined;
  const uid = live.metadata.uid;
  const liveId = live.status?.tokenID;
  if (liveId) {
    if (uid) memory.recorded.set(uid, liveId);
    return { tokenId: liveId, jtr: live };
  }
  const tokenId = generateTokenId();
  if (uid) memory.recorded.set(uid, tokenId);
  const written = await writeStatus(
    step,
    live,
    { tokenID: tokenId, cluster: keyString(req.clusterKey), clusterUID: req.cluster.metadata.uid },
    issuingCondition(live, tokenId),
    live.metadata.resourceVersion,
  );
  return { tokenId, jtr: written };
}

/** 2. The bootstrap Secret in the child, created once per id; 3. the token in the user's Secret, and status True. */
async function handOutToken(
  step: JoinTokenStep,
  req: IssueRequest,
  child: ChildApiClient,
  caPem: string,
  recorded: { tokenId: string; jtr: JoinTokenRequest },
) {
  const { ctx, key } = step;
  const { jtr, role, clusterKey, cluster } = req;
  const { tokenId } = recorded;
  const { tokenSecret, expiration } = await ensureChildSecret(child, {
    tokenId,
    role,
    expiration: req.expiryMs === undefined ? undefined : new Date(ctx.now().getTime() + req.expiryMs),
    owner: step.jtrKey,
    signal: ctx.signal,
  });
  const joinToken = encodeJoinToken({ server: req.server, caPem, role, token: `${tokenId}.${tokenSecret}` });
  await ctx.client.apply(
    joinTokenSecret({
      jtr: { ...jtr, apiVersion: jtr.apiVersion ?? API_VERSION, kind: JOIN_TOKEN_REQUEST_KIND },
      clusterName: clusterKey.name,
      role,
      joinToken,
    }) as KubernetesObject,
  );
  await writeStatus(
    step,
    recorded.jtr,
    { tokenID: tokenId, cluster: keyString(clusterKey), clusterUID: cluster.metadata.uid, ...(expiration ? { expiration } : {}) },
    createdCondition(jtr, tokenId, key.name, expiration),
  );
  ctx.events.event(jtr, 'Normal', 'JoinTokenCreated', `join token ${tokenId} for Cluster ${keyString(clusterKey)} stored in Secret ${key.name}`);
}
