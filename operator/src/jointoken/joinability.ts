// Whether the Cluster can be joined now (pure): it exists, is not being deleted, and has the
// endpoint a joining machine dials; or the request has its token already.
import type { V1Secret } from '@kubernetes/client-node';
import { K0S_JOIN_API_PORT, LABEL_TOKEN_REQUEST, type Cluster, type JoinRole, type JoinTokenRequest } from '@k0smotron/api';
import type { ObjectKey } from '../engine/contract';
import { keyString } from './cluster-ref';

export type Joinability =
  /** Not yet: the request waits with this reason (a False condition). */
  | { wait: { reason: string; message: string } }
  /** Issued and handed out already: nothing to do. */
  | { done: true }
  /** Issue (or finish issuing) a token for machines dialling `server`. */
  | { server: string; cluster: Cluster };

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
 * The user's Secret `<jtr-name>` holds the issued token: the request's condition says so and the
 * cached Secret is the one this request wrote (labelled and owned by it).
 */
export function tokenHandedOut(jtr: JoinTokenRequest, issued: boolean, userSecret: V1Secret | undefined): boolean {
  return (
    issued &&
    userSecret?.metadata?.labels?.[LABEL_TOKEN_REQUEST] === jtr.metadata.name &&
    !!userSecret?.metadata?.ownerReferences?.some(o => o.uid === jtr.metadata.uid)
  );
}

/**
 * What the request can do with `cluster` now. Done already means no request is made. (A token
 * issued before the Cluster withdrew its consent keeps working until it expires or its
 * JoinTokenRequest is deleted.)
 */
export function joinability(input: {
  jtr: JoinTokenRequest;
  role: JoinRole;
  clusterKey: ObjectKey;
  cluster: Cluster | undefined;
  issued: boolean;
  userSecret: V1Secret | undefined;
}): Joinability {
  const { clusterKey, cluster } = input;
  const named = keyString(clusterKey);
  if (!cluster) return { wait: { reason: 'ClusterNotFound', message: `Cluster ${named} does not exist; create it or fix spec.clusterName/clusterRef` } };
  if (cluster.metadata.deletionTimestamp) return { wait: { reason: 'ClusterDeleting', message: `Cluster ${named} is being deleted` } };
  if (tokenHandedOut(input.jtr, input.issued, input.userSecret)) return { done: true };
  const server = joinServerUrl(cluster, input.role);
  if (!server) return { wait: { reason: 'WaitingForEndpoint', message: `Cluster ${named} has no status.endpoint yet; the token needs the URL workers dial` } };
  return { server, cluster };
}
