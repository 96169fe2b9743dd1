// Whether the tenant policy lets this request have a token for this Cluster (joinTokenDecision in
// @k0smotron/api holds the rule), and the datastore a controller token would share.
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import {
  DEFAULT_JOIN_TOKEN_EXPIRY,
  KINE_DATASOURCE_SECRET_KEY,
  controllerJoinStorage,
  joinTokenDecision,
  type Cluster,
  type ControllerJoinStorage,
  type JoinRole,
  type JoinTokenRequest,
  type TenantPolicy,
} from '@k0smotron/api';
import type { ObjectKey, ReconcileContext } from '../engine/contract';
import { SECRET_GVK } from './kinds';

/** Refused (with the condition's reason and message), or allowed for this long (undefined: no expiry, or not decided yet). */
export type Admission = { refused: { reason: string; message: string } } | { refused?: undefined; expiryMs: number | undefined };

/**
 * The policy's answer for `jtr`. A Cluster that does not exist in the request's own namespace
 * is not refused here (the request waits for it, ClusterNotFound), unless the expiry alone is
 * refused. Another namespace's Cluster that does not exist is refused exactly like one that
 * exists and does not opt in, so a JoinTokenRequest cannot probe which Clusters exist elsewhere.
 */
export function admission(
  input: {
    jtr: JoinTokenRequest;
    role: JoinRole;
    clusterKey: ObjectKey;
    cluster: Cluster | undefined;
    storage: ControllerJoinStorage | undefined;
    /** A token was issued earlier: the refusal says it keeps working. */
    issued: boolean;
  },
  policy: TenantPolicy,
): Admission {
  const { jtr, clusterKey, cluster, storage } = input;
  const requestNamespace = jtr.metadata.namespace ?? '';
  const decision = joinTokenDecision(
    {
      requestNamespace,
      role: input.role,
      expiry: jtr.spec?.expiry,
      cluster: { namespace: clusterKey.namespace, name: clusterKey.name, annotations: cluster?.metadata.annotations, ...(storage ? { storage } : {}) },
    },
    policy,
    DEFAULT_JOIN_TOKEN_EXPIRY,
  );
  if (decision.allowed) return { expiryMs: decision.expiryMs };
  const crossNamespace = clusterKey.namespace !== requestNamespace;
  if (cluster || crossNamespace || decision.field === 'spec.expiry') {
    const already = input.issued ? ' (the token issued earlier keeps working until it expires; delete this JoinTokenRequest to revoke it)' : '';
    return { refused: { reason: decision.reason, message: decision.message + already } };
  }
  return { expiryMs: undefined };
}

/**
 * The datastore a controller joining `cluster` would share (see controllerJoinStorage). A kine
 * URL kept in the user's Secret is read here, only for its backend: it is passed to the decision
 * and never logged, recorded or put in a message. A Secret that cannot be read leaves the
 * question open (undefined data source), as the Cluster cannot run without it anyway.
 */
export async function joinStorage(ctx: ReconcileContext, cluster: Cluster): Promise<ControllerJoinStorage> {
  const storage = controllerJoinStorage(cluster.spec);
  if (storage.type !== 'kine' || storage.dataSource !== undefined || !storage.secretName) return storage;
  const secret = await ctx.client.get<V1Secret & KubernetesObject>({ ...SECRET_GVK, namespace: cluster.metadata.namespace, name: storage.secretName });
  const encoded = secret?.data?.[KINE_DATASOURCE_SECRET_KEY];
  return encoded ? { ...storage, dataSource: Buffer.from(encoded, 'base64').toString('utf8').trim() } : storage;
}
