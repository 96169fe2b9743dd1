// metav1.Condition bookkeeping: the transition time moves only when the status does.
import type { Condition } from '@k0smotron/api';

export function setCondition(conditions: Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const list = conditions ?? [];
  const old = list.find(c => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const updated: Condition = { ...next, lastTransitionTime };
  return old ? list.map(c => (c.type === next.type ? updated : c)) : [...list, updated];
}

/** True when `next` would change nothing in `conditions` (so no write is needed). */
export function conditionUnchanged(conditions: Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>): boolean {
  const old = conditions?.find(c => c.type === next.type);
  return (
    !!old && old.status === next.status && old.reason === next.reason && old.message === next.message && old.observedGeneration === next.observedGeneration
  );
}
