// JoinTokenRequest reconciler: issues one k0s join token per request without exec'ing into a pod.
// The bootstrap-token Secret is written straight into the child API server (as `k0s token
// pre-shared` and upstream's CAPI path do), the token is encoded from the Cluster CA and
// endpoint, and the user gets it in Secret `<jtr-name>`.
//
// Issued once: the token id is chosen and persisted in `status.tokenID` (with an optimistic lock)
// before anything is written to the child, and a retry reuses the child's Secret for that id, so a
// crash or a stale cache never mints a second token.
//
// Revocation: a finalizer deletes `kube-system/bootstrap-token-<id>` in the child when the JTR is
// deleted. It does not hold the JTR forever: the finalizer is released at once when the Cluster
// is gone or being deleted (its datastore goes with it), when the token already expired, and
// otherwise after REVOKE_GIVE_UP_MS of failed attempts, with a Warning event saying the token
// may keep working until it expires.
//
// Beside it: child-token.ts (the bootstrap Secret in the child), request-memory.ts (what is kept
// per request between reconciles, and the retry schedule while the child cannot be reached);
// which requests name a Cluster is the engine cache's index JTR_CLUSTER_INDEX.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import {
  API_VERSION,
  CLUSTER_KIND,
  DEFAULT_JOIN_TOKEN_EXPIRY,
  JOIN_TOKEN_CONDITION,
  JOIN_TOKEN_REQUEST_KIND,
  JOIN_TOKEN_SECRET_KEY,
  K0S_JOIN_API_PORT,
  KINE_DATASOURCE_SECRET_KEY,
  LABEL_COMPONENT,
  LABEL_TOKEN_REQUEST,
  type Cluster,
  type Condition,
  type JoinRole,
  type JoinTokenRequest,
  type JoinTokenRequestStatus,
  type OwnerReference,
  type TenantPolicy,
  DEFAULT_TENANT_POLICY,
  controllerJoinStorage,
  joinTokenDecision,
  type ControllerJoinStorage,
} from '@k0smotron/api';
import type { ControllerSpec, ObjectKey, ReconcileContext, ReconcileResult } from '../engine/contract';
import { ChildAccessError, type ChildApiAccess } from '../childapi/access';
import { ChildApiError } from '../childapi/client';
import { secretReaderOf } from '../childapi/probe';
import { dropSecretData } from '../cluster/watch-index';
import { ANNOTATION_TOKEN_REQUEST, deleteChildSecret, ensureChildSecret } from './child-token';
import { conditionUnchanged, setCondition } from './conditions';
import { CHILD_RETRY_BASE_MS, CHILD_RETRY_MAX_MS, JoinTokenMemory, JTR_MEMORY_SWEEP_MS } from './request-memory';
import { CLUSTER_GVK, JTR_GVK, SECRET_GVK } from './kinds';
import { encodeJoinToken, generateTokenId, joinTokenSecret } from './token';

export { ANNOTATION_TOKEN_REQUEST, CHILD_RETRY_BASE_MS, CHILD_RETRY_MAX_MS, CLUSTER_GVK, JTR_GVK, JTR_MEMORY_SWEEP_MS };

export const JTR_FINALIZER = 'jointokenrequests.k0smotron.io/finalizer';
/** Give up revoking a deleted JTR's token after this long (see the header). */
export const REVOKE_GIVE_UP_MS = 10 * 60_000;

/**
 * Cache index on JoinTokenRequests: "ns/name" of the Cluster each names, so a Cluster event
 * (endpoint set, deleted) wakes the requests that name it.
 */
export const JTR_CLUSTER_INDEX = 'cluster';

/**
 * The Cluster a JTR names: `clusterName` (same namespace) or `clusterRef` (namespace optional).
 * Naming another namespace's Cluster is allowed here; whether it may be served is the policy's
 * call (joinTokenDecision), which needs the Cluster's annotations.
 */
export function clusterKeyOf(jtr: JoinTokenRequest): ObjectKey | { error: string } {
  const ns = jtr.metadata.namespace ?? '';
  if (jtr.spec?.clusterName) return { namespace: ns, name: jtr.spec.clusterName };
  if (jtr.spec?.clusterRef?.name) return { namespace: jtr.spec.clusterRef.namespace || ns, name: jtr.spec.clusterRef.name };
  return { error: 'spec.clusterName (or spec.clusterRef.name) is required: name the Cluster to join' };
}

/** The URL a joining machine dials: the Cluster endpoint; controllers use k0s's join API port. */
export function joinServerUrl(cluster: Cluster, role: JoinRole): string | undefined {
  const endpoint = cluster.status?.endpoint;
  if (!endpoint) return undefined;
  if (role === 'controller') {
    const u = new URL(endpoint);
    u.port = String(K0S_JOIN_API_PORT);
    return u.origin;
  }
  return endpoint.replace(/\/+$/, '');
}

/**
 * The datastore a controller joining `cluster` would share (see controllerJoinStorage). A kine
 * URL kept in the user's Secret is read here, only for its backend: it is passed to the decision
 * and never logged, recorded or put in a message. A Secret that cannot be read leaves the
 * question open (undefined data source), as the Cluster cannot run without it anyway.
 */
async function joinStorage(ctx: ReconcileContext, cluster: Cluster): Promise<ControllerJoinStorage> {
  const storage = controllerJoinStorage(cluster.spec);
  if (storage.type !== 'kine' || storage.dataSource !== undefined || !storage.secretName) return storage;
  const secret = await ctx.client.get<V1Secret & KubernetesObject>({ ...SECRET_GVK, namespace: cluster.metadata.namespace, name: storage.secretName });
  const encoded = secret?.data?.[KINE_DATASOURCE_SECRET_KEY];
  return encoded ? { ...storage, dataSource: Buffer.from(encoded, 'base64').toString('utf8').trim() } : storage;
}

type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export interface JoinTokenRequestControllerOptions {
  access: ChildApiAccess;
  /** Workers (default 2). */
  concurrency?: number;
  /** Join-token limits (default: DEFAULT_TENANT_POLICY). */
  policy?: TenantPolicy;
}

export function jointokenRequestController(opts: JoinTokenRequestControllerOptions): ControllerSpec {
  const { access } = opts;
  const policy = opts.policy ?? DEFAULT_TENANT_POLICY;
  const k = (o: ObjectKey) => `${o.namespace}/${o.name}`;
  const memory = new JoinTokenMemory();
  // Child-API credentials of a Cluster that went away while this reconcile was using them must
  // not stay in memory (the Cluster controller forgets them when it sees the Cluster gone, which
  // may have been a moment earlier).
  const forgetIfGone = (ctx: ReconcileContext, cluster: Cluster) => {
    const now = ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, cluster.metadata.namespace ?? '', cluster.metadata.name ?? '');
    if (now?.metadata.uid !== cluster.metadata.uid) access.forget(cluster);
  };

  async function writeStatus(
    ctx: ReconcileContext,
    jtr: JoinTokenRequest,
    patch: Partial<JoinTokenRequestStatus>,
    condition: ConditionInput,
    resourceVersion?: string,
  ): Promise<JoinTokenRequest> {
    const cur = { ...(jtr.status ?? {}) };
    const known = jtr.metadata.uid ? memory.recorded.get(jtr.metadata.uid) : undefined;
    if (!cur.tokenID && known) cur.tokenID = known;
    // Server-side apply: every field this manager owns is sent each time, or it would be removed.
    const status: JoinTokenRequestStatus = {
      ...(cur.tokenID ? { tokenID: cur.tokenID } : {}),
      ...(cur.expiration ? { expiration: cur.expiration } : {}),
      ...(cur.cluster ? { cluster: cur.cluster } : {}),
      ...(cur.clusterUID ? { clusterUID: cur.clusterUID } : {}),
      ...patch,
      observedGeneration: jtr.metadata.generation,
      reconciliationStatus: condition.status === 'True' ? 'Reconciliation successful' : `${condition.reason}: ${condition.message}`,
      conditions: setCondition(cur.conditions, condition, ctx.now()),
    };
    const applied = await ctx.client.apply<KubernetesObject & { status: JoinTokenRequestStatus }>(
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

  /** Refuses a request the policy does not allow: a False condition and a Warning event, once. */
  async function refuse(ctx: ReconcileContext, jtr: JoinTokenRequest, reason: string, message: string): Promise<void> {
    const cond: ConditionInput = { type: JOIN_TOKEN_CONDITION, status: 'False', reason, message, observedGeneration: jtr.metadata.generation };
    if (conditionUnchanged(jtr.status?.conditions, cond)) return;
    await writeStatus(ctx, jtr, {}, cond);
    ctx.events.event(jtr as KubernetesObject, 'Warning', reason, `join token refused: ${message}`);
  }

  /** Writes a False condition only when it changed, so a waiting JTR costs no requests. */
  async function notYet(ctx: ReconcileContext, jtr: JoinTokenRequest, reason: string, message: string): Promise<void> {
    const cond: ConditionInput = { type: JOIN_TOKEN_CONDITION, status: 'False', reason, message, observedGeneration: jtr.metadata.generation };
    if (conditionUnchanged(jtr.status?.conditions, cond)) return;
    await writeStatus(ctx, jtr, {}, cond);
  }

  async function ensureMetadata(ctx: ReconcileContext, jtr: JoinTokenRequest, cluster: Cluster | undefined): Promise<boolean> {
    const finalizers = jtr.metadata.finalizers ?? [];
    const owners = jtr.metadata.ownerReferences ?? [];
    const wantOwner =
      cluster && cluster.metadata.namespace === jtr.metadata.namespace && cluster.metadata.uid && !owners.some(o => o.uid === cluster.metadata.uid);
    const wantFinalizer = !finalizers.includes(JTR_FINALIZER);
    if (!wantOwner && !wantFinalizer) return false;
    const ownerRef: OwnerReference | undefined = wantOwner
      ? {
          apiVersion: API_VERSION,
          kind: CLUSTER_KIND,
          name: cluster!.metadata.name!,
          uid: cluster!.metadata.uid!,
          // Controller only if nothing else controls it already (at most one controller owner).
          controller: !owners.some(o => o.controller),
          blockOwnerDeletion: true,
        }
      : undefined;
    // A merge patch with the cached resourceVersion: never re-creates a deleted JTR (apply would),
    // and a stale cache turns into a conflict and a retry instead of lost list entries.
    await ctx.client.mergePatch(
      { ...JTR_GVK, namespace: jtr.metadata.namespace, name: jtr.metadata.name! },
      {
        metadata: {
          resourceVersion: jtr.metadata.resourceVersion,
          ...(wantFinalizer ? { finalizers: [...finalizers, JTR_FINALIZER] } : {}),
          ...(ownerRef ? { ownerReferences: [...owners, ownerRef] } : {}),
        },
      },
    );
    return true;
  }

  async function finalize(ctx: ReconcileContext, jtr: JoinTokenRequest, clusterKey: ObjectKey | undefined): Promise<ReconcileResult | void> {
    const finalizers = jtr.metadata.finalizers ?? [];
    if (!finalizers.includes(JTR_FINALIZER)) return;
    const tokenId = jtr.status?.tokenID;
    const cluster = clusterKey ? ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, clusterKey.namespace, clusterKey.name) : undefined;
    const expiration = jtr.status?.expiration ? Date.parse(jtr.status.expiration) : undefined;
    let release = false;
    if (!tokenId) release = true;
    else if (!cluster || cluster.metadata?.deletionTimestamp || (jtr.status?.clusterUID && cluster.metadata?.uid !== jtr.status.clusterUID)) release = true;
    else if (expiration !== undefined && expiration <= ctx.now().getTime()) release = true;
    else {
      try {
        const child = await access.client(cluster, { readSecret: secretReaderOf(ctx.client) });
        forgetIfGone(ctx, cluster);
        await deleteChildSecret(child, tokenId, ctx.signal);
        ctx.events.event(jtr as KubernetesObject, 'Normal', 'TokenRevoked', `bootstrap token ${tokenId} deleted from the control plane`);
        release = true;
      } catch (err) {
        const since = jtr.metadata.deletionTimestamp ? Date.parse(jtr.metadata.deletionTimestamp) : ctx.now().getTime();
        if (ctx.now().getTime() - since < REVOKE_GIVE_UP_MS) throw err; // retried with backoff
        const until = jtr.status?.expiration ? `until ${jtr.status.expiration}` : 'with no expiry';
        ctx.events.event(
          jtr as KubernetesObject,
          'Warning',
          'TokenNotRevoked',
          `could not delete bootstrap-token-${tokenId} from the control plane for ${REVOKE_GIVE_UP_MS / 60000} min ` +
            `(${(err as Error).message}); the token may keep working ${until}. ` +
            `Delete it there with: kubectl -n kube-system delete secret bootstrap-token-${tokenId}`,
        );
        release = true;
      }
    }
    if (release) {
      await ctx.client.mergePatch(
        { ...JTR_GVK, namespace: jtr.metadata.namespace, name: jtr.metadata.name! },
        { metadata: { resourceVersion: jtr.metadata.resourceVersion, finalizers: finalizers.filter(f => f !== JTR_FINALIZER) } },
      );
    }
  }

  async function reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult | void> {
    memory.sweep(ctx);
    const jtrKey = k(key);
    const jtr = ctx.cache.get<JoinTokenRequest & KubernetesObject>(JTR_GVK, key.namespace, key.name);
    if (!jtr) {
      memory.forget(jtrKey);
      return;
    }
    if (jtr.metadata.uid) memory.noteUid(jtrKey, jtr.metadata.uid);
    if (jtr.status?.tokenID && jtr.metadata.uid) memory.recorded.set(jtr.metadata.uid, jtr.status.tokenID);
    const ref = clusterKeyOf(jtr);
    const clusterKey = 'error' in ref ? undefined : ref;
    if (jtr.metadata.deletionTimestamp) return finalize(ctx, jtr, clusterKey);
    if (!clusterKey) return notYet(ctx, jtr, 'InvalidSpec', (ref as { error: string }).error);

    const cluster = ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, clusterKey.namespace, clusterKey.name);
    const issuedFor = jtr.status?.clusterUID;
    if (issuedFor && (!cluster || cluster.metadata.uid !== issuedFor)) {
      // The Cluster this token was issued for is gone: so is the request (same-namespace JTRs
      // also go by owner-reference GC; this covers clusterRef in another namespace).
      await ctx.client.delete({ ...JTR_GVK, namespace: key.namespace, name: key.name });
      return;
    }
    const role: JoinRole = jtr.spec?.role ?? 'worker';
    const created = jtr.status?.conditions?.find(c => c.type === JOIN_TOKEN_CONDITION);
    const issued = !!jtr.status?.tokenID && created?.status === 'True';
    const crossNamespace = clusterKey.namespace !== key.namespace;
    // A controller token shares the Cluster's datastore: refused when k0s would refuse it.
    const storage = role === 'controller' && cluster ? await joinStorage(ctx, cluster) : undefined;
    const decision = joinTokenDecision(
      {
        requestNamespace: key.namespace,
        role,
        expiry: jtr.spec?.expiry,
        cluster: { namespace: clusterKey.namespace, name: clusterKey.name, annotations: cluster?.metadata.annotations, ...(storage ? { storage } : {}) },
      },
      policy,
      DEFAULT_JOIN_TOKEN_EXPIRY,
    );
    // Another namespace's Cluster that does not exist is refused exactly like one that exists
    // and does not opt in, so a JoinTokenRequest cannot probe which Clusters exist elsewhere.
    if (!decision.allowed && (cluster || crossNamespace || decision.field === 'spec.expiry')) {
      const already = issued ? ' (the token issued earlier keeps working until it expires; delete this JoinTokenRequest to revoke it)' : '';
      return refuse(ctx, jtr, decision.reason, decision.message + already);
    }
    const expiryMs = decision.allowed ? decision.expiryMs : undefined;
    if (await ensureMetadata(ctx, jtr, cluster)) return; // the update event brings us back
    if (!cluster) {
      return notYet(ctx, jtr, 'ClusterNotFound', `Cluster ${k(clusterKey)} does not exist; create it or fix spec.clusterName/clusterRef`);
    }
    if (cluster.metadata.deletionTimestamp) return notYet(ctx, jtr, 'ClusterDeleting', `Cluster ${k(clusterKey)} is being deleted`);

    // Done already? Then nothing to do, and no request made. (A token issued before the Cluster
    // withdrew its consent keeps working until it expires or its JoinTokenRequest is deleted.)
    const userSecret = ctx.cache.get<V1Secret & KubernetesObject>(SECRET_GVK, key.namespace, key.name);
    if (
      issued &&
      userSecret?.metadata?.labels?.[LABEL_TOKEN_REQUEST] === key.name &&
      userSecret.metadata.ownerReferences?.some(o => o.uid === jtr.metadata.uid)
    ) {
      return;
    }

    const server = joinServerUrl(cluster, role);
    if (!server) {
      return notYet(ctx, jtr, 'WaitingForEndpoint', `Cluster ${k(clusterKey)} has no status.endpoint yet; the token needs the URL workers dial`);
    }
    const readSecret = secretReaderOf(ctx.client);
    let current: JoinTokenRequest = jtr;
    try {
      const child = await access.client(cluster, { readSecret });
      const caPem = await access.caPem(cluster, { readSecret });
      forgetIfGone(ctx, cluster);

      // 1. The token id: recorded before anything reaches the child.
      let tokenId = jtr.status?.tokenID;
      if (!tokenId) {
        const live = await ctx.client.get<JoinTokenRequest & KubernetesObject>({ ...JTR_GVK, namespace: key.namespace, name: key.name });
        if (!live || live.metadata.deletionTimestamp) return;
        current = live;
        tokenId = live.status?.tokenID;
        if (tokenId && live.metadata.uid) memory.recorded.set(live.metadata.uid, tokenId);
        if (!tokenId) {
          tokenId = generateTokenId();
          if (live.metadata.uid) memory.recorded.set(live.metadata.uid, tokenId);
          current = await writeStatus(
            ctx,
            live,
            { tokenID: tokenId, cluster: k(clusterKey), clusterUID: cluster.metadata.uid },
            {
              type: JOIN_TOKEN_CONDITION,
              status: 'False',
              reason: 'Issuing',
              message: `writing bootstrap token ${tokenId} to the control plane`,
              observedGeneration: live.metadata.generation,
            },
            live.metadata.resourceVersion, // optimistic lock: two writers cannot both record an id
          );
        }
      }

      // 2. The bootstrap Secret in the child, created once per id.
      const { tokenSecret, expiration } = await ensureChildSecret(child, {
        tokenId,
        role,
        expiration: expiryMs === undefined ? undefined : new Date(ctx.now().getTime() + expiryMs),
        owner: jtrKey,
        signal: ctx.signal,
      });

      // 3. The token for the user.
      const joinToken = encodeJoinToken({ server, caPem, role, token: `${tokenId}.${tokenSecret}` });
      await ctx.client.apply(
        joinTokenSecret({
          jtr: { ...jtr, apiVersion: jtr.apiVersion ?? API_VERSION, kind: JOIN_TOKEN_REQUEST_KIND },
          clusterName: clusterKey.name,
          role,
          joinToken,
        }) as KubernetesObject,
      );
      await writeStatus(
        ctx,
        current,
        { tokenID: tokenId, cluster: k(clusterKey), clusterUID: cluster.metadata.uid, ...(expiration ? { expiration } : {}) },
        {
          type: JOIN_TOKEN_CONDITION,
          status: 'True',
          reason: 'Created',
          message: `token ${tokenId} is in Secret ${key.name} (key ${JOIN_TOKEN_SECRET_KEY}), ${expiration ? `valid until ${expiration}` : 'never expires'}`,
          observedGeneration: jtr.metadata.generation,
        },
      );
      ctx.events.event(jtr, 'Normal', 'JoinTokenCreated', `join token ${tokenId} for Cluster ${k(clusterKey)} stored in Secret ${key.name}`);
      memory.failures.delete(jtrKey);
    } catch (err) {
      // Waiting for the control plane is normal: say why in the condition and retry on our own
      // (capped) schedule. Anything else is a real error for the engine's backoff and log.
      let reason: string | undefined;
      if (err instanceof ChildAccessError) reason = err.reason === 'CertificatesNotReady' ? 'WaitingForCertificates' : 'WaitingForEndpoint';
      else if (err instanceof ChildApiError && ['Unreachable', 'Timeout', 'TLSError'].includes(err.reason)) reason = 'ControlPlaneUnreachable';
      if (!reason) {
        if (err instanceof ChildApiError) await notYet(ctx, latest(ctx, key, current), 'ControlPlaneError', err.message).catch(() => undefined);
        throw err;
      }
      ctx.log.debug('control plane not reachable yet', { reason, error: (err as Error).message });
      await notYet(ctx, latest(ctx, key, current), reason, (err as Error).message);
      return memory.retryLater(jtrKey);
    }
  }

  return {
    name: 'jointokenrequest',
    for: JTR_GVK,
    owns: [{ ...SECRET_GVK, labelSelector: `${LABEL_COMPONENT}=jointoken`, transform: dropSecretData }],
    watches: [
      {
        ...CLUSTER_GVK,
        map: (obj, event, cache) => {
          if (event === 'delete') access.forget({ metadata: { namespace: obj.metadata?.namespace, name: obj.metadata?.name } });
          return cache
            .byIndex(JTR_GVK, JTR_CLUSTER_INDEX, `${obj.metadata?.namespace}/${obj.metadata?.name}`)
            .map(jtr => ({ namespace: jtr.metadata?.namespace ?? '', name: jtr.metadata?.name ?? '' }));
        },
      },
    ],
    indexes: [
      {
        ...JTR_GVK,
        name: JTR_CLUSTER_INDEX,
        fn: obj => {
          const ref = clusterKeyOf(obj as JoinTokenRequest & KubernetesObject);
          return 'error' in ref ? [] : [k(ref)];
        },
      },
    ],
    reconcile,
    concurrency: opts.concurrency,
    sizes: () => memory.sizes(),
  };
}

/**
 * The newest view of the JTR this reconcile has: the cache, unless what the reconcile itself read
 * live or wrote is newer (a cache lagging behind our own status write must not win).
 */
function latest(ctx: ReconcileContext, key: ObjectKey, known: JoinTokenRequest): JoinTokenRequest {
  const cached = ctx.cache.get<JoinTokenRequest & KubernetesObject>(JTR_GVK, key.namespace, key.name);
  if (!cached) return known;
  return known.status?.tokenID && !cached.status?.tokenID ? known : cached;
}
