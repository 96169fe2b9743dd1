// JoinTokenRequest reconciler: issues one k0s join token per request without exec'ing into a pod.
// The bootstrap-token Secret is written straight into the child API server (as `k0s token
// pre-shared` and upstream's CAPI path do), the token is encoded from the Cluster CA and
// endpoint, and the user gets it in Secret `<jtr-name>`.
//
// One reconcile, as named steps (JoinTokenRequestReconcile.run): read the request, find the
// Cluster, check the tenant policy, take ownership (finalizer, owner reference), check that the
// Cluster can be joined, then issue the token or reuse the one issued. Beside it, one concern
// each, pure functions apart from a thin I/O layer:
// - cluster-ref.ts: which Cluster a request names; the cache index JTR_CLUSTER_INDEX answers
//   which requests name a Cluster, for the Cluster watch;
// - admission.ts: the tenant policy's answer, and the datastore a controller token would share;
// - metadata.ts: the finalizer and the owner reference;
// - joinability.ts: whether the Cluster can be joined now, and the URL a joining machine dials;
// - issue.ts: the token, issued once (id recorded first), child-token.ts writing it to the child;
// - status.ts, conditions.ts: the status and its conditions (a waiting request costs no writes);
// - wait-schedule.ts: the requeue schedule while the control plane is still starting;
// - revoke.ts: revoking the token when the request is deleted;
// - request-memory.ts: what is kept per request between reconciles.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { DEFAULT_TENANT_POLICY, LABEL_COMPONENT, type Cluster, type JoinRole, type JoinTokenRequest, type TenantPolicy } from '@k0smotron/api';
import type { ChildApiAccess } from '../childapi/access';
import type { ControllerSpec, ObjectKey, ReconcileContext, ReconcileResult } from '../engine/contract';
import { dropSecretData } from '../cluster/watch-index';
import { admission, joinStorage } from './admission';
import { ANNOTATION_TOKEN_REQUEST } from './child-token';
import { JTR_CLUSTER_INDEX, clusterKeyOf, issuedClusterGone, jtrClusterIndex, keyString, requestsNaming } from './cluster-ref';
import { issueToken } from './issue';
import { joinability, joinServerUrl } from './joinability';
import { CLUSTER_GVK, JTR_GVK, SECRET_GVK } from './kinds';
import { JTR_FINALIZER, ensureFinalizerAndOwner } from './metadata';
import type { JoinTokenStep } from './reconcile-step';
import { JoinTokenMemory, JTR_MEMORY_SWEEP_MS } from './request-memory';
import { REVOKE_GIVE_UP_MS, revokeAndRelease } from './revoke';
import { notYet, refuse, tokenIssued } from './status';
import { CHILD_RETRY_BASE_MS, CHILD_RETRY_MAX_MS } from './wait-schedule';

export {
  ANNOTATION_TOKEN_REQUEST,
  CHILD_RETRY_BASE_MS,
  CHILD_RETRY_MAX_MS,
  CLUSTER_GVK,
  JTR_CLUSTER_INDEX,
  JTR_FINALIZER,
  JTR_GVK,
  JTR_MEMORY_SWEEP_MS,
  REVOKE_GIVE_UP_MS,
  clusterKeyOf,
  joinServerUrl,
};

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
  const memory = new JoinTokenMemory();
  return {
    name: 'jointokenrequest',
    for: JTR_GVK,
    owns: [{ ...SECRET_GVK, labelSelector: `${LABEL_COMPONENT}=jointoken`, transform: dropSecretData }],
    watches: [
      {
        // A Cluster event (endpoint set, deleted) wakes the requests naming it; a deleted
        // Cluster's child-API credentials are dropped.
        ...CLUSTER_GVK,
        map: (obj, event, cache) => {
          if (event === 'delete') access.forget({ metadata: { namespace: obj.metadata?.namespace, name: obj.metadata?.name } });
          return requestsNaming(cache, obj);
        },
      },
    ],
    indexes: [jtrClusterIndex],
    reconcile: (key, ctx) => {
      memory.sweep(ctx);
      return new JoinTokenRequestReconcile(key, ctx, access, memory, policy).run();
    },
    concurrency: opts.concurrency,
    sizes: () => memory.sizes(),
  };
}

/** One reconcile of one JoinTokenRequest. */
class JoinTokenRequestReconcile implements JoinTokenStep {
  readonly jtrKey: string;

  constructor(
    readonly key: ObjectKey,
    readonly ctx: ReconcileContext,
    readonly access: ChildApiAccess,
    readonly memory: JoinTokenMemory,
    private readonly policy: TenantPolicy,
  ) {
    this.jtrKey = keyString(key);
  }

  async run(): Promise<ReconcileResult | void> {
    // Read the request; a deleted one revokes its token and lets go.
    const jtr = this.readRequest();
    if (!jtr) return;
    const named = clusterKeyOf(jtr);
    const clusterKey = 'error' in named ? undefined : named;
    if (jtr.metadata.deletionTimestamp) return revokeAndRelease(this, jtr, clusterKey);
    if ('error' in named) return notYet(this, jtr, 'InvalidSpec', named.error);

    // Find the Cluster. When the one the token was issued for is gone, so is the request
    // (same-namespace JTRs also go by owner-reference GC; this covers clusterRef in another namespace).
    const cluster = this.ctx.cache.get<Cluster & KubernetesObject>(CLUSTER_GVK, named.namespace, named.name);
    if (issuedClusterGone(jtr, cluster)) {
      await this.ctx.client.delete({ ...JTR_GVK, namespace: this.key.namespace, name: this.key.name });
      return;
    }

    // Check tenancy and policy. A controller token shares the Cluster's datastore: refused when
    // k0s would refuse it.
    const role: JoinRole = jtr.spec?.role ?? 'worker';
    const issued = tokenIssued(jtr);
    const storage = role === 'controller' && cluster ? await joinStorage(this.ctx, cluster) : undefined;
    const admitted = admission({ jtr, role, clusterKey: named, cluster, storage, issued }, this.policy);
    if (admitted.refused) return refuse(this, jtr, admitted.refused.reason, admitted.refused.message);

    // Take ownership before anything is issued; the update event brings the request back.
    if (await ensureFinalizerAndOwner(this, jtr, cluster)) return;

    // Check that the Cluster can be joined now, or that the token is out already.
    const userSecret = this.ctx.cache.get<V1Secret & KubernetesObject>(SECRET_GVK, this.key.namespace, this.key.name);
    const join = joinability({ jtr, role, clusterKey: named, cluster, issued, userSecret });
    if ('wait' in join) return notYet(this, jtr, join.wait.reason, join.wait.message);
    if ('done' in join) return; // no request made

    // Issue the token, or reuse the one an earlier attempt issued; status says which.
    return issueToken(this, { jtr, role, clusterKey: named, cluster: join.cluster, server: join.server, expiryMs: admitted.expiryMs });
  }

  /** The request as cached; gone: everything remembered about it is dropped. */
  private readRequest(): (JoinTokenRequest & KubernetesObject) | undefined {
    const jtr = this.ctx.cache.get<JoinTokenRequest & KubernetesObject>(JTR_GVK, this.key.namespace, this.key.name);
    if (!jtr) this.memory.forget(this.jtrKey);
    else this.memory.noteRequest(this.jtrKey, jtr);
    return jtr;
  }
}
