// ClusterCache against the real test cluster: all namespaces but a denied one, or a list of
// namespaces; change listeners; a watch lost behind a cut connection, served from memory until
// the cache lists again; and a stop after which nothing is heard.
import * as net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, eventually, sharedTestCluster } from '@k0smotron/testenv';
import { CapturingLogger } from '../testing/testBackend';
import { ClusterCache, type ClusterChange } from './clusterCache';

jest.setTimeout(90_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const client = new K0smotronClient(kubeConfig);

const cluster = (namespace: string, name: string): Cluster => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name, namespace },
  spec: {},
});
const names = (clusters: readonly Cluster[]) => clusters.map(c => `${c.metadata.namespace}/${c.metadata.name}`).sort();

/**
 * A TCP pass-through in front of the API server (TLS stays end to end): `cut()` refuses new
 * connections and resets the open ones, as a network outage would; `open()` serves again on the
 * same port.
 */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    const server = net.createServer(inbound => {
      const outbound = net.connect(Number(this.target.port), this.target.hostname);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>(resolve => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise(resolve => server?.close(resolve));
    for (const s of this.sockets) s.resetAndDestroy();
    await closed;
  }

  /** The shared kubeconfig, pointed at this proxy. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    kc.loadFromOptions({
      clusters: kc.clusters.map(c => ({ ...c, server: `https://${this.target.hostname}:${this.port}` })),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return kc;
  }
}

let served: string;
let denied: string;
let other: string;

beforeAll(async () => {
  [served, denied, other] = await Promise.all([
    createTestNamespace(kubeConfig, 'bs-cache'),
    createTestNamespace(kubeConfig, 'bs-cache-denied'),
    createTestNamespace(kubeConfig, 'bs-cache-other'),
  ]);
  await Promise.all([client.createCluster(cluster(served, 'a')), client.createCluster(cluster(denied, 'd')), client.createCluster(cluster(other, 'o'))]);
});

it('watching all namespaces: the denied one is in no answer and no change; listeners see adds, updates and deletes', async () => {
  const logs = new CapturingLogger();
  const cache = new ClusterCache(kubeConfig, undefined, logs, [denied]);
  const changes: string[] = [];
  const mine = (c: ClusterChange) => [served, denied].includes(c.cluster.metadata.namespace ?? '');
  cache.subscribe(c => {
    if (mine(c)) changes.push(`${c.type} ${c.cluster.metadata.namespace}/${c.cluster.metadata.name}`);
  });
  // A listener that throws is logged; the others still hear every change.
  const unsubscribeFaulty = cache.subscribe(c => {
    if (mine(c)) throw new Error('listener bug');
  });
  try {
    await cache.start();
    expect(await cache.waitForSync(30_000)).toBe(true);
    expect([cache.isSynced(), cache.lastError()]).toEqual([true, undefined]);
    expect(names(cache.list(served))).toEqual([`${served}/a`]);
    expect(names(cache.list()).filter(n => n.startsWith(`${served}/`) || n.startsWith(`${other}/`))).toEqual([`${served}/a`, `${other}/o`]);
    expect(names(cache.list()).filter(n => n.startsWith(`${denied}/`))).toEqual([]);
    expect(cache.list(denied)).toEqual([]);
    expect(cache.get(denied, 'd')).toBeUndefined();
    expect(cache.get(served, 'a')?.metadata.name).toBe('a');
    expect(changes).toEqual([`add ${served}/a`]);
    expect(logs.text()).toContain('k0smotron: a Cluster change listener failed: listener bug');
    unsubscribeFaulty();

    const before = cache.revision();
    await client.createCluster(cluster(denied, 'd2'));
    await client.patchCluster(served, 'a', { metadata: { labels: { touched: 'yes' } } });
    await eventually('the update', () => changes.includes(`update ${served}/a`));
    expect(cache.get(served, 'a')?.metadata.labels?.touched).toBe('yes');
    expect(cache.revision()).toBeGreaterThan(before);
    await client.deleteCluster(served, 'a');
    await eventually('the delete', () => changes.includes(`delete ${served}/a`));
    expect(cache.get(served, 'a')).toBeUndefined();
    // The denied namespace's create came first: had it been reported, it would be here by now.
    expect(changes).toEqual([`add ${served}/a`, `update ${served}/a`, `delete ${served}/a`]);
    expect(logs.text().match(/listener failed/g)).toHaveLength(1);

    // Stopped: no watch is left to hear this.
    await cache.stop();
    await client.createCluster(cluster(served, 'after-stop'));
    await new Promise(resolve => setTimeout(resolve, 1_500));
    expect(changes).toEqual([`add ${served}/a`, `update ${served}/a`, `delete ${served}/a`]);
  } finally {
    await cache.stop();
  }
});

it('watching a list of namespaces: one informer each, nothing from any other namespace', async () => {
  const mine = await createTestNamespace(kubeConfig, 'bs-cache-list');
  await client.createCluster(cluster(mine, 'b'));
  const cache = new ClusterCache(kubeConfig, [mine, other], new CapturingLogger());
  try {
    await cache.start();
    expect(await cache.waitForSync(30_000)).toBe(true);
    expect(names(cache.list())).toEqual([`${mine}/b`, `${other}/o`]);
    expect(names(cache.list(other))).toEqual([`${other}/o`]);
    // Not watched (nor denied): the Cluster there exists, and is not in this cache.
    expect(cache.list(denied)).toEqual([]);
    expect(cache.get(denied, 'd')).toBeUndefined();
    expect(cache.get(other, 'o')?.metadata.namespace).toBe(other);
  } finally {
    await cache.stop();
  }
});

it('a lost watch: the last known state is served, the error is said, and the cache lists again when the API server is back', async () => {
  const ns = await createTestNamespace(kubeConfig, 'bs-cache-outage');
  await client.createCluster(cluster(ns, 'kept'));
  const proxy = new CuttableProxy(new URL(kubeConfig.getCurrentCluster()!.server));
  await proxy.open();
  const logs = new CapturingLogger();
  const cache = new ClusterCache(proxy.kubeConfig(), [ns], logs);
  const heard: string[] = [];
  cache.subscribe(c => heard.push(`${c.type} ${c.cluster.metadata.name}`));
  try {
    await cache.start();
    expect(await cache.waitForSync(30_000)).toBe(true);
    expect(names(cache.list())).toEqual([`${ns}/kept`]);

    await proxy.cut();
    await eventually('the lost watch is noticed', () => !cache.isSynced());
    expect(cache.lastError()).toMatch(/ECONNRE(SET|FUSED)|connection closed|socket hang up/);
    expect(cache.lastError()).not.toContain('\n');
    expect(logs.text()).toMatch(new RegExp(`watching Clusters in ${ns} failed: .*; retrying in 1 s`));
    // Meanwhile the last known state is what lists and reads answer.
    await client.createCluster(cluster(ns, 'during-outage'));
    expect(names(cache.list())).toEqual([`${ns}/kept`]);
    expect(cache.get(ns, 'kept')?.metadata.name).toBe('kept');
    expect(await cache.waitForSync(200)).toBe(false);

    await proxy.open();
    expect(await cache.waitForSync(60_000)).toBe(true);
    expect([cache.isSynced(), cache.lastError()]).toEqual([true, undefined]);
    expect(names(cache.list())).toEqual([`${ns}/during-outage`, `${ns}/kept`]);
    expect(heard).toEqual(['add kept', 'add during-outage']);
  } finally {
    await cache.stop();
    await proxy.cut();
  }
});
