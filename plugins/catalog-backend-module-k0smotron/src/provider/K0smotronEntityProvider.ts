import type { LoggerService, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import type { DeferredEntity, EntityProvider, EntityProviderConnection } from '@backstage/plugin-catalog-node';
import type { Cluster } from '@k0smotron/api';
import type { ClusterChange, ManagementCluster, ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import { PROVIDER_NAME, clusterToEntity, locationKeyOf, type ClusterEntityDefaults } from './clusterEntity';

const SYNC_WAIT_MS = 15_000;

/**
 * Publishes every Cluster of every management cluster as a `Resource` entity: a delta for
 * each watch event (seconds after a change) and a full mutation on the schedule, which also
 * removes entities whose Cluster vanished while nobody watched.
 */
export class K0smotronEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly unsubscribes: Array<() => void> = [];
  /** Last entity JSON per Cluster key, to skip deltas that change nothing (status churn). */
  private readonly emitted = new Map<string, string>();
  /** CA certificate per Cluster uid: fetched once it exists. */
  private readonly caByUid = new Map<string, string>();

  constructor(
    private readonly opts: {
      managementClusters: ManagementClustersService;
      logger: LoggerService;
      taskRunner: SchedulerServiceTaskRunner;
      defaults: ClusterEntityDefaults;
    },
  ) {}

  getProviderName(): string {
    return PROVIDER_NAME;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    for (const mc of this.opts.managementClusters.list()) {
      this.unsubscribes.push(mc.cache.subscribe(change => void this.onChange(mc, change)));
    }
    await this.opts.taskRunner.run({
      id: `${PROVIDER_NAME}:refresh`,
      fn: () => this.refresh(),
    });
  }

  /** Stops reacting to watch events (the caches themselves belong to the shared service). */
  disconnect(): void {
    this.unsubscribes.splice(0).forEach(u => u());
  }

  private key(mc: string, c: Cluster) {
    return `${mc}/${c.metadata.namespace}/${c.metadata.name}`;
  }

  private async entityFor(mc: ManagementCluster, cluster: Cluster): Promise<DeferredEntity> {
    const uid = cluster.metadata.uid ?? '';
    let ca = this.caByUid.get(uid);
    if (!ca) {
      try {
        ca = await mc.caCertificateBase64(cluster);
        if (ca) this.caByUid.set(uid, ca);
      } catch (err) {
        this.opts.logger.warn(`k0smotron catalog: cannot read the CA of ${this.key(mc.name, cluster)}: ${(err as Error).message}`);
      }
    }
    return {
      entity: clusterToEntity(mc.name, cluster, this.opts.defaults, ca, mc.ownerOf(cluster)),
      locationKey: locationKeyOf(mc.name),
    };
  }

  private async onChange(mc: ManagementCluster, change: ClusterChange): Promise<void> {
    if (!this.connection) return;
    const key = this.key(mc.name, change.cluster);
    try {
      if (change.type === 'delete') {
        this.emitted.delete(key);
        this.caByUid.delete(change.cluster.metadata.uid ?? '');
        const deferred = await this.entityFor(mc, change.cluster);
        await this.connection.applyMutation({ type: 'delta', added: [], removed: [deferred] });
        return;
      }
      const deferred = await this.entityFor(mc, change.cluster);
      const json = JSON.stringify(deferred.entity);
      if (this.emitted.get(key) === json) return;
      this.emitted.set(key, json);
      await this.connection.applyMutation({ type: 'delta', added: [deferred], removed: [] });
    } catch (err) {
      this.opts.logger.warn(`k0smotron catalog: could not apply the change of ${key}: ${(err as Error).message}`);
    }
  }

  /** Full mutation from the caches of all management clusters. */
  async refresh(): Promise<void> {
    if (!this.connection) throw new Error('K0smotronEntityProvider is not connected');
    const entities: DeferredEntity[] = [];
    const emitted = new Map<string, string>();
    for (const mc of this.opts.managementClusters.list()) {
      if (!(await mc.cache.waitForSync(SYNC_WAIT_MS))) {
        // Publishing an empty list would delete every entity of this cluster: skip instead.
        this.opts.logger.warn(
          `k0smotron catalog: management cluster '${mc.name}' is not in sync (${mc.cache.lastError()}); keeping its entities until the next refresh`,
        );
        throw new Error(`management cluster '${mc.name}' is not in sync; refresh skipped`);
      }
      for (const cluster of mc.cache.list()) {
        const deferred = await this.entityFor(mc, cluster);
        emitted.set(this.key(mc.name, cluster), JSON.stringify(deferred.entity));
        entities.push(deferred);
      }
    }
    await this.connection.applyMutation({ type: 'full', entities });
    this.emitted.clear();
    emitted.forEach((v, k) => this.emitted.set(k, v));
    this.opts.logger.info(`k0smotron catalog: published ${entities.length} Cluster entities`);
  }
}
