// What one JoinTokenRequest reconcile hands to its steps (admission.ts, metadata.ts, issue.ts,
// revoke.ts, status.ts).
import type { ChildApiAccess } from '../childapi/access';
import type { ObjectKey, ReconcileContext } from '../engine/contract';
import type { JoinTokenMemory } from './request-memory';

export interface JoinTokenStep {
  readonly key: ObjectKey;
  /** The request's "ns/name", as the memory keys it. */
  readonly jtrKey: string;
  readonly ctx: ReconcileContext;
  /** What the controller remembers between reconciles (request-memory.ts). */
  readonly memory: JoinTokenMemory;
  /** Credentials for the Clusters' own API servers, shared with the Cluster controller. */
  readonly access: ChildApiAccess;
}
