// A small real controller for engine tests: each ConfigMap labelled `engine-test=parent` owns a
// Secret `<name>-child` carrying the parent's `v`. Level-based and idempotent like the real ones.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ControllerSpec } from '../contract';

export const PARENT = { apiVersion: 'v1', kind: 'ConfigMap' };
export const CHILD = { apiVersion: 'v1', kind: 'Secret' };

type ConfigMap = KubernetesObject & { data?: Record<string, string> };

export function parentChildController(name = 'parent-child'): ControllerSpec & { reconciled: string[] } {
  const reconciled: string[] = [];
  return {
    name,
    reconciled,
    for: { ...PARENT, labelSelector: 'engine-test=parent' },
    // The cache keeps no Secret data: the hash annotation is enough to know nothing changed.
    owns: [
      {
        ...CHILD,
        labelSelector: 'engine-test=child',
        transform: o => {
          const { data: _d, ...rest } = o as ConfigMap;
          return rest;
        },
      },
    ],
    async reconcile(key, ctx) {
      reconciled.push(`${key.namespace}/${key.name}`);
      const parent = ctx.cache.get<ConfigMap>(PARENT, key.namespace, key.name);
      if (!parent?.metadata?.uid) return;
      const childName = `${key.name}-child`;
      const desired = {
        ...CHILD,
        metadata: {
          name: childName,
          namespace: key.namespace,
          labels: { 'engine-test': 'child' },
          ownerReferences: [{ ...PARENT, name: key.name, uid: parent.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        type: 'Opaque',
        data: { v: Buffer.from(parent.data?.v ?? '').toString('base64') },
      };
      const applied = await ctx.client.applyIfChanged(desired, ctx.cache.get(CHILD, key.namespace, childName));
      if (applied) ctx.events.event(parent, 'Normal', 'ChildApplied', `Secret ${childName} applied for v=${parent.data?.v ?? ''}`);
    },
  };
}
