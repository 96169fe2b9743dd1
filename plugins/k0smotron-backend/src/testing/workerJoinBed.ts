// A bed for worker-join tests of the Backstage faces (REST route, scaffolder action): the
// standalone operator on the shared test cluster, and Clusters whose control plane is testenv's
// stand-in (kube-apiserver + kube-controller-manager with the operator's PKI), exposed at
// spec.externalAddress 127.0.0.1 and the port the stand-in listens on. status.endpoint, the
// address in every token and the operator's address for the child are then the same URL, so a
// worker joins with a token exactly as issued.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { childApiResolver, startOperator, silentLogger, type RunningOperator } from '@k0smotron/operator';
import { freePort, poller, readChildApiPki, startChildApiServer, type ChildApiServer, type JoinedWorker } from '@k0smotron/testenv';

const until = poller({ timeoutMs: 120_000, everyMs: 300 });

export interface WorkerJoinBed {
  client: K0smotronClient;
  /** Creates the Cluster, starts its stand-in control plane and waits until the operator finds it functional. */
  clusterWithControlPlane(name: string): Promise<{ port: number; child: ChildApiServer }>;
  /** Waits until the operator recorded this many workers in the Cluster's status. */
  workerCount(name: string, want: { total: number; ready: number }): Promise<void>;
  /** Workers to stop at the end. */
  workers: JoinedWorker[];
  stop(): Promise<void>;
}

export async function startWorkerJoinBed(kc: KubeConfig, namespace: string): Promise<WorkerJoinBed> {
  const client = new K0smotronClient(kc);
  const children: ChildApiServer[] = [];
  const workers: JoinedWorker[] = [];
  const operator: RunningOperator = await startOperator({
    kubeConfig: kc,
    namespaces: [namespace],
    logger: silentLogger,
    // As outside a pod: each control plane at its status.endpoint.
    childApi: childApiResolver('endpoint'),
    // The default healthy recheck is a minute; the workers' count comes with it.
    functionalProbe: { healthyPeriodMs: 2_000 },
  });
  return {
    client,
    workers,
    async clusterWithControlPlane(name) {
      const port = await freePort();
      const cluster: Cluster = {
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'Cluster',
        metadata: { name, namespace },
        spec: { externalAddress: '127.0.0.1', service: { type: 'ClusterIP', apiPort: port } },
      };
      await client.createCluster(cluster);
      const pki = await until(`PKI Secrets of ${name}`, () => readChildApiPki(kc, namespace, name));
      const child = await startChildApiServer({ pki, port, log: () => {} });
      children.push(child);
      await until(`${name} ControlPlaneFunctional`, async () => {
        const c = await client.getCluster(namespace, name);
        return c?.status?.conditions?.find(x => x.type === 'ControlPlaneFunctional')?.status === 'True';
      });
      return { port, child };
    },
    async workerCount(name, want) {
      await until(`status.workers of ${name} to be ${want.ready}/${want.total}`, async () => {
        const w = (await client.getCluster(namespace, name))?.status?.workers;
        return w?.total === want.total && w.ready === want.ready;
      });
    },
    async stop() {
      await Promise.all(workers.map(w => w.stop()));
      await operator.stop();
      await Promise.all(children.map(c => c.stop()));
    },
  };
}
