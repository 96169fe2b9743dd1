// The demo runs on kubemark hollow nodes: control-plane pods become Ready but no k0s runs inside
// them. This module stands in for k0s so the demo behaves end to end: for every Cluster whose
// controller pods are Ready it starts a real kube-apiserver (+ etcd) with the PKI the operator
// generated for that Cluster (testenv's child API fixture), stops it when the Cluster sleeps or
// goes away, and points the embedded reconciler at it. Enabled by
// `k0smotron.demo.simulateControlPlanes: true`; never use it with a real cluster.
import { coreServices, createBackendModule, type LoggerService } from '@backstage/backend-plugin-api';
import { KubeConfig } from '@kubernetes/client-node';
import { K0smotronClient } from '@k0smotron/api/client';
import type { Cluster } from '@k0smotron/api';
import { k0smotronReconcilerExtensionPoint } from '@k0smotron/plugin-k0smotron-backend';
import { staticChildApi } from '@k0smotron/operator';
import { readChildApiPki, startChildApiServer, type ChildApiServer } from '@k0smotron/testenv';
import { createServer } from 'node:net';

const key = (c: Cluster) => `${c.metadata.namespace}/${c.metadata.name}`;

/** The Cluster's own API port when it is free on this machine, so its kubeconfig works as is. */
async function pickPort(preferred: number | undefined): Promise<number | undefined> {
  if (!preferred) return undefined;
  return new Promise(resolve => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}

export class SimulatedControlPlanes {
  private readonly running = new Map<string, ChildApiServer>();
  private readonly starting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly logger: LoggerService,
    private readonly intervalMs = 2000,
  ) {}

  urlOf(cluster: Cluster): string | undefined {
    return this.running.get(key(cluster))?.url;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.sync();
      } catch (err) {
        this.logger.warn(`simulated control planes: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
    };
    void tick();
  }

  private async sync(): Promise<void> {
    const clusters = await new K0smotronClient(this.kc).listClusters();
    const wanted = new Map(clusters.filter(c => !c.metadata.deletionTimestamp && (c.status?.readyReplicas ?? 0) > 0).map(c => [key(c), c] as const));
    for (const [k, server] of this.running) {
      if (wanted.has(k)) continue;
      this.running.delete(k);
      this.logger.info(`simulated control plane ${k} stopped (no ready controller pods)`);
      await server.stop();
    }
    for (const [k, cluster] of wanted) {
      if (this.running.has(k) || this.starting.has(k)) continue;
      this.starting.add(k);
      void this.startOne(k, cluster).finally(() => this.starting.delete(k));
    }
  }

  private async startOne(k: string, cluster: Cluster): Promise<void> {
    const { namespace, name } = cluster.metadata as { namespace: string; name: string };
    let pki;
    try {
      pki = await readChildApiPki(this.kc, namespace, name);
    } catch {
      return; // certificates not generated yet; the next tick tries again
    }
    const port = await pickPort(cluster.spec?.service?.apiPort);
    const server = await startChildApiServer({ pki, ...(port ? { port } : {}) });
    if (this.stopped) {
      await server.stop();
      return;
    }
    this.running.set(k, server);
    this.logger.info(`simulated control plane ${k} serving at ${server.url}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const servers = [...this.running.values()];
    this.running.clear();
    await Promise.all(servers.map(s => s.stop()));
  }
}

export const simulatedControlPlanesModule = createBackendModule({
  pluginId: 'k0smotron',
  moduleId: 'demo-simulated-control-planes',
  register(reg) {
    reg.registerInit({
      deps: {
        reconciler: k0smotronReconcilerExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.rootLifecycle,
      },
      async init({ reconciler, config, logger, lifecycle }) {
        if (!config.getOptionalBoolean('k0smotron.demo.simulateControlPlanes')) return;
        const kc = new KubeConfig();
        kc.loadFromDefault();
        const simulated = new SimulatedControlPlanes(kc, logger);
        reconciler.setChildApiResolver(staticChildApi(c => simulated.urlOf(c)));
        // A worker joined in the demo should reach the card within seconds, not a minute.
        reconciler.setFunctionalProbeOptions({ healthyPeriodMs: 3_000 });
        simulated.start();
        lifecycle.addShutdownHook(() => simulated.stop());
        logger.warn('demo mode: control planes are simulated by local kube-apiservers (hollow nodes run no k0s)');
      },
    });
  },
});
