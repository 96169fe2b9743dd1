// Reading metav1.Condition lists (a Cluster's, a JoinTokenRequest's, a Node's or a Deployment's):
// every face looks conditions up through these. Pure and browser-safe.

/** What these helpers read of a condition (client-node's types leave both optional). */
export interface ConditionLike {
  type?: string;
  status?: string;
}

/** An object whose status carries conditions, or the condition list itself. */
export type ConditionSource<C extends ConditionLike> = { status?: { conditions?: readonly C[] | null } | null } | readonly C[] | null | undefined;

function listOf<C extends ConditionLike>(from: ConditionSource<C>): readonly C[] {
  if (!from) return [];
  if (Array.isArray(from)) return from as readonly C[];
  return (from as { status?: { conditions?: readonly C[] | null } | null }).status?.conditions ?? [];
}

/** The condition of a type, if reported. */
export function findCondition<C extends ConditionLike>(from: ConditionSource<C>, type: string): C | undefined {
  return listOf(from).find(c => c.type === type);
}

/** Whether the condition of a type is reported True (absent or Unknown: false). */
export function isConditionTrue<C extends ConditionLike>(from: ConditionSource<C>, type: string): boolean {
  return findCondition(from, type)?.status === 'True';
}

/** `True`, `False` or `Unknown` (also for a condition not reported), as kubectl shows it. */
export function conditionStatus<C extends ConditionLike>(from: ConditionSource<C>, type: string): string {
  return findCondition(from, type)?.status ?? 'Unknown';
}
