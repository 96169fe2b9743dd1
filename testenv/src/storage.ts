// Storage for a cluster without a provisioner: a default StorageClass and a pool of hostPath
// PersistentVolumes that the real PV controller binds to claims. A small loop in this process
// makes Released volumes Available again and keeps the pool topped up, so tests that create and
// delete many claims never run dry.
import * as path from 'node:path';
import { CoreV1Api, type KubeConfig, type V1PersistentVolume, type V1StorageClass } from '@kubernetes/client-node';

export const STORAGE_CLASS = 'standard';
export const VOLUME_POOL_LABEL = 'k0smotron.io/testenv-volume-pool';
export const VOLUME_SIZE = '10Gi';

export function storageClassManifest(): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'Immediate',
    reclaimPolicy: 'Retain',
  };
}

export function volumeName(index: number): string {
  return `testenv-pv-${String(index).padStart(3, '0')}`;
}

/** PersistentVolumes number `from` … `from + count - 1` of the pool. */
export function desiredVolumes(volumesDir: string, from: number, count: number): V1PersistentVolume[] {
  return Array.from({ length: count }, (_, i) => {
    const name = volumeName(from + i);
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, labels: { [VOLUME_POOL_LABEL]: 'true' } },
      spec: {
        storageClassName: STORAGE_CLASS,
        capacity: { storage: VOLUME_SIZE },
        accessModes: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: path.join(volumesDir, name), type: 'DirectoryOrCreate' },
      },
    };
  });
}

export interface VolumePool {
  stop(): void;
}

/** Every `intervalMs`: Released → Available (claimRef cleared), and at least `minAvailable` Available. */
export function startVolumeRecycler(kc: KubeConfig, volumesDir: string, minAvailable: number, intervalMs = 2000): VolumePool {
  const core = kc.makeApiClient(CoreV1Api);
  let stopped = false;
  let running = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const list = await core.listPersistentVolume({ labelSelector: `${VOLUME_POOL_LABEL}=true` });
      let available = 0;
      let highest = -1;
      for (const pv of list.items) {
        const m = /-(\d+)$/.exec(pv.metadata?.name ?? '');
        if (m) highest = Math.max(highest, Number(m[1]));
        const phase = pv.status?.phase;
        if (phase === 'Available' || phase === 'Pending' || phase === 'Released') available++;
        if (phase === 'Released' && pv.spec) {
          // Replace, not patch: a conflict just means we try again next tick.
          await core.replacePersistentVolume({ name: pv.metadata!.name!, body: { ...pv, spec: { ...pv.spec, claimRef: undefined } } }).catch(() => undefined);
        }
      }
      if (!stopped && available < minAvailable) {
        await Promise.all(
          desiredVolumes(volumesDir, highest + 1, minAvailable - available).map(body => core.createPersistentVolume({ body }).catch(() => undefined)),
        );
      }
    } catch {
      // The apiserver is stopping or briefly unavailable: try again next tick.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
