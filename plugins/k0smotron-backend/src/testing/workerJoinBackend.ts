// A worker-join bed (a Cluster with a stand-in control plane and the operator) behind a k0smotron
// test backend that serves the bed's namespace: what the REST-route join tests share.
import { sharedTestCluster, createTestNamespace } from '@k0smotron/testenv';
import k0smotronPlugin from '..';
import { startK0smotronTestBackend, type K0smotronTestBackend } from './testBackend';
import { startWorkerJoinBed, type WorkerJoinBed } from './workerJoinBed';

export interface WorkerJoinBackend {
  ns: string;
  bed: WorkerJoinBed;
  t: K0smotronTestBackend;
  stop(): Promise<void>;
}

export async function startWorkerJoinBackend(namespacePrefix: string): Promise<WorkerJoinBackend> {
  const { kubeConfig, kubeconfigPath } = sharedTestCluster();
  const ns = await createTestNamespace(kubeConfig, namespacePrefix);
  const bed = await startWorkerJoinBed(kubeConfig, ns);
  const t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: { k0smotron: { managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }] } },
  });
  return {
    ns,
    bed,
    t,
    stop: async () => {
      await t.backend.stop();
      await bed.stop();
    },
  };
}
