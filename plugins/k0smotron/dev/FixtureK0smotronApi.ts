import { NotFoundError, InputError } from '@backstage/errors';
import {
  clusterEntityName,
  type ClusterDetails,
  type ClusterListResponse,
  type ClusterRef,
  type ClusterSummary,
  type ClusterWorkersResponse,
  type CreateClusterRequest,
  type JoinTokenRequestBody,
  type JoinTokenResponse,
  type ManagementClusterInfo,
  type SettingsResponse,
  type UpdateClusterRequest,
} from '@k0smotron/plugin-k0smotron-common';
import type { ClusterListFilter, K0smotronApi } from '../src/api';
import { clusterDetailsFixture } from '../src/__fixtures__/clusters';

// An in-memory K0smotronApi for the dev app: a few control planes on two management clusters
// that react to scale, upgrade, pause, delete and join-token requests, so every view can be tried
// without a backend. Nothing here talks to a cluster; tokens and kubeconfigs are placeholders.

const delay = (ms = 300) => new Promise(resolve => setTimeout(resolve, ms));
const key = (r: ClusterRef) => `${r.managementCluster}/${r.namespace}/${r.name}`;

export class FixtureK0smotronApi implements K0smotronApi {
  private readonly clusters = new Map<string, ClusterDetails>();

  constructor() {
    for (const c of [
      clusterDetailsFixture({ name: 'kmc-demo', phase: 'Available' }),
      clusterDetailsFixture({ name: 'ci-runners', namespace: 'team-ci', phase: 'Progressing' }),
      clusterDetailsFixture({ name: 'legacy-api', namespace: 'team-b', phase: 'Degraded', replicas: 1, readyReplicas: 0 }),
      clusterDetailsFixture({ name: 'nightly', namespace: 'team-ci', phase: 'Sleeping' }),
      clusterDetailsFixture({ name: 'edge-eu', managementCluster: 'eu-central', phase: 'Paused', version: 'v1.29.6-k0s.0' }),
    ]) {
      this.clusters.set(key(c), c);
    }
  }

  /** Catalog entity names of the fixture clusters, as the catalog module would make them. */
  entityNames(): { ref: ClusterRef; entityName: string }[] {
    return [...this.clusters.values()].map(c => ({ ref: c, entityName: clusterEntityName(c) }));
  }

  async getSettings(): Promise<SettingsResponse> {
    await delay();
    return { createAllowed: true, joinTokens: { maxExpiry: '24h', maxExpirySeconds: 86_400, allowNeverExpiring: false } };
  }

  async listManagementClusters(): Promise<ManagementClusterInfo[]> {
    await delay();
    return [{ name: 'local' }, { name: 'eu-central', namespaces: ['default'] }];
  }

  async listClusters(filter: ClusterListFilter = {}): Promise<ClusterListResponse> {
    await delay();
    const items: ClusterSummary[] = [...this.clusters.values()]
      .filter(
        c =>
          (!filter.managementCluster || c.managementCluster === filter.managementCluster) &&
          (!filter.namespace || c.namespace === filter.namespace) &&
          (!filter.phase || c.phase === filter.phase),
      )
      .map(({ spec: _s, status: _st, ownedObjects: _o, events: _e, certificates: _c, ...summary }) => summary);
    return { items, errors: [{ managementCluster: 'lab', message: 'connect ECONNREFUSED 10.0.0.7:6443 (fixture)' }] };
  }

  async getCluster(ref: ClusterRef): Promise<ClusterDetails> {
    await delay();
    return this.find(ref);
  }

  async createCluster(managementCluster: string, request: CreateClusterRequest): Promise<ClusterSummary> {
    await delay();
    const ref = { managementCluster, namespace: request.namespace, name: request.name };
    if (this.clusters.has(key(ref))) throw new InputError(`Cluster ${request.namespace}/${request.name} already exists`);
    const created = clusterDetailsFixture({ ...ref, phase: 'Progressing', replicas: request.spec.replicas ?? 1, readyReplicas: 0 });
    this.clusters.set(key(ref), created);
    return created;
  }

  async updateCluster(ref: ClusterRef, patch: UpdateClusterRequest): Promise<ClusterSummary> {
    await delay();
    const current = this.find(ref);
    const replicas = patch.replicas ?? current.replicas;
    const paused = patch.paused ?? current.paused;
    const next = clusterDetailsFixture({
      ...ref,
      version: patch.version ?? current.version,
      replicas,
      phase: paused ? 'Paused' : replicas === 0 ? 'Sleeping' : 'Available',
    });
    this.clusters.set(key(ref), { ...next, paused });
    return next;
  }

  async deleteCluster(ref: ClusterRef): Promise<void> {
    await delay();
    const current = this.find(ref);
    this.clusters.set(key(ref), { ...current, phase: 'Deleting' });
    setTimeout(() => this.clusters.delete(key(ref)), 5000);
  }

  async createJoinToken(ref: ClusterRef, request: JoinTokenRequestBody): Promise<JoinTokenResponse> {
    await delay(600);
    this.find(ref);
    const token = btoa(`dev fixture join token for ${key(ref)} (${request.role}); it joins nothing`);
    const seconds = request.expiry === '0s' ? 0 : parseInt(request.expiry, 10) * 3600;
    return {
      token,
      role: request.role,
      expiresAt: seconds ? new Date(Date.now() + seconds * 1000).toISOString() : undefined,
      commands: [
        `sudo mkdir -p /etc/k0s && echo '${token}' | sudo tee /etc/k0s/join-token >/dev/null`,
        `sudo k0s install ${request.role} --token-file /etc/k0s/join-token`,
        'sudo k0s start',
      ],
    };
  }

  async getWorkers(ref: ClusterRef): Promise<ClusterWorkersResponse> {
    await delay();
    const workers = this.find(ref).workers;
    const nodes = Array.from({ length: workers?.total ?? 0 }, (_, i) => ({
      name: `worker-${i + 1}`,
      ready: i < (workers?.ready ?? 0) ? 'True' : 'False',
      kubeletVersion: 'v1.27.9+k0s',
      createdAt: new Date(Date.now() - 3_600_000).toISOString(),
      address: `10.0.0.${i + 11}`,
    }));
    return { total: nodes.length, ready: nodes.filter(n => n.ready === 'True').length, nodes };
  }

  async getKubeconfig(ref: ClusterRef): Promise<string> {
    await delay();
    const c = this.find(ref);
    return [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: ${c.name}, cluster: { server: '${c.endpoint}' } }]`,
      '# dev fixture: no credentials',
      '',
    ].join('\n');
  }

  private find(ref: ClusterRef): ClusterDetails {
    const c = this.clusters.get(key(ref));
    if (!c) throw new NotFoundError(`Cluster ${ref.namespace}/${ref.name} not found in ${ref.managementCluster}`);
    return c;
  }
}
