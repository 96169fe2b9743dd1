// Ownership of the PVCs the StatefulSets' volumeClaimTemplates create (autoDeletePVCs).
import type { V1OwnerReference, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { controlPlaneSelectorLabels } from '@k0smotron/api';
import { dataVolumeName, etcdSelectorLabels, ETCD_DATA_VOLUME, ownerReference, type ClusterView } from './desired';
import { PVC } from './kinds';
import type { ClusterStep } from './reconcile-step';

/**
 * autoDeletePVCs: Kubernetes 1.20 has no StatefulSet PVC retention policy, so PVCs get a
 * (non-controller) owner reference to the Cluster and the garbage collector deletes them with
 * it. Works the same on newer versions; no finalizer needed.
 */
export async function reconcilePvcOwnership(step: ClusterStep, view: ClusterView): Promise<void> {
  const groups: Array<{ prefix: string; labels: Record<string, string>; auto: boolean }> = [
    {
      prefix: `${dataVolumeName(view)}-${view.names.statefulSet}-`,
      labels: controlPlaneSelectorLabels(view.name),
      auto: view.persistence.type === 'pvc' && view.persistence.autoDeletePVCs,
    },
  ];
  if (view.storage.type === 'etcd') {
    groups.push({
      prefix: `${ETCD_DATA_VOLUME}-${view.names.etcdStatefulSet}-`,
      labels: etcdSelectorLabels(view.name),
      auto: view.storage.etcd.autoDeletePVCs,
    });
  }
  const owner = { ...ownerReference(view), controller: false, blockOwnerDeletion: false } satisfies V1OwnerReference;
  for (const g of groups) {
    const pvcs = step.ctx.cache.list<V1PersistentVolumeClaim>(PVC, { namespace: view.namespace, labels: g.labels });
    for (const pvc of pvcs) {
      const name = pvc.metadata?.name ?? '';
      if (!name.startsWith(g.prefix)) continue;
      const refs = pvc.metadata?.ownerReferences ?? [];
      const has = refs.some(r => r.uid === view.uid);
      if (g.auto === has) continue;
      const next = g.auto ? [...refs, owner] : refs.filter(r => r.uid !== view.uid);
      await step.ctx.client.mergePatch(
        { ...PVC, namespace: view.namespace, name },
        { metadata: { ownerReferences: next, resourceVersion: pvc.metadata?.resourceVersion } },
      );
    }
  }
}
