// The tenant boundaries end to end: the real permission backend with a real policy
// (K0smotronTenantPermissionPolicy), two teams, two namespaces and two management clusters
// ("east" and "west" are the same test cluster under two names with different ownership
// settings). Each team sees and changes only its own Clusters through the REST API, the
// permission backend's own /authorize (what the frontend asks per entity), the scaffolder actions
// and the catalog module.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createServiceFactory,
  type BackstageCredentials,
  type BackstageUserPrincipal,
  type HttpAuthService,
  type PermissionsService,
  type UserInfoService,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices, startTestBackend, type TestBackend } from '@backstage/backend-test-utils';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { catalogProcessingExtensionPoint, type EntityProvider, type EntityProviderMutation } from '@backstage/plugin-catalog-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { k0smotronClusterUpdatePermission, k0smotronPermissions, type ClusterListResponse } from '@k0smotron/plugin-k0smotron-common';
import { createK0smotronClusterCreateAction, createK0smotronJoinTokenCreateAction } from '@k0smotron/plugin-scaffolder-backend-module-k0smotron';
import catalogModule, { K0smotronEntityProvider } from '@k0smotron/plugin-catalog-backend-module-k0smotron';
import k0smotronPlugin, { managementClustersServiceRef, type ManagementClustersService } from '.';
import { K0smotronTenantPermissionPolicy } from './permissions/tenantPermissionPolicy';
import { k0smotronClusterConditions } from './permissions/clusterPermissions';
import { CapturingLogger, capturingRootLoggerFactory, eventually } from './testing/testBackend';

jest.setTimeout(180_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const client = new K0smotronClient(kubeConfig);
const logs = new CapturingLogger();

const TEAM_A = 'group:default/team-a';
const TEAM_B = 'group:default/team-b';
const PLATFORM = 'group:default/platform';
const GROUPS: Record<string, string[]> = {
  'user:default/alice': [TEAM_A],
  'user:default/bob': [TEAM_B],
  'user:default/pat': [PLATFORM],
};
const alice = 'user:default/alice';
const bob = 'user:default/bob';
const pat = 'user:default/pat';

/** The catalog's answer for our users: themselves and their groups. */
const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: (): UserInfoService => ({
    async getUserInfo(credentials) {
      const ref = (credentials.principal as BackstageUserPrincipal).userEntityRef;
      return { userEntityRef: ref, ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])] };
    },
  }),
});

/**
 * Backstage's mock auth drops the actor of an on-behalf-of token: a plugin asking the permission
 * backend for a user then looks like the user asking directly, which the permission backend
 * refuses for resource permissions without a resourceRef (authorizeConditional). The real auth
 * service sets the actor (the calling plugin); this puts it back, and changes nothing else.
 */
const httpAuthWithActorFactory = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): HttpAuthService {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    const prefix = 'mock-service-token:';
    return {
      async credentials(req, options) {
        const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
        if (token?.startsWith(prefix) && (!options?.allow || (options.allow as readonly string[]).includes('user'))) {
          const { obo, target } = JSON.parse(token.slice(prefix.length)) as { obo?: string; target?: string };
          if (obo && target === plugin.getId()) {
            return mockCredentials.user(obo, { actor: { subject: 'plugin:on-behalf-of' } }) as never;
          }
        }
        return inner.credentials(req, options);
      },
      issueUserCookie: (res, options) => inner.issueUserCookie(res, options),
    };
  },
});

let nsA: string;
let nsB: string;
let backend: TestBackend;
// Services of a probe plugin in the same backend: the real permission client and user info.
let probe: { permissions: PermissionsService; userInfo: UserInfoService; managementClusters: ManagementClustersService };
const providers: EntityProvider[] = [];

const everyClusterPermission = k0smotronPermissions.filter(p => p.type === 'resource').map(p => p.name);

function policyModule() {
  return createBackendModule({
    pluginId: 'permission',
    moduleId: 'k0smotron-tenants',
    register(reg) {
      reg.registerInit({
        deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
        async init({ policy, userInfo }) {
          const { isInManagementCluster, isInNamespace } = k0smotronClusterConditions;
          policy.setPolicy(
            new K0smotronTenantPermissionPolicy({
              userInfo,
              admins: [PLATFORM],
              // On "west" nobody is a namespace owner: the teams get their namespace there by grant.
              grants: [
                {
                  claims: [TEAM_A],
                  permissions: everyClusterPermission,
                  conditions: { allOf: [isInManagementCluster({ managementClusters: ['west'] }), isInNamespace({ namespaces: [nsA] })] },
                },
                {
                  claims: [TEAM_B],
                  permissions: everyClusterPermission,
                  conditions: { allOf: [isInManagementCluster({ managementClusters: ['west'] }), isInNamespace({ namespaces: [nsB] })] },
                },
              ],
            }),
          );
        },
      });
    },
  });
}

const probePlugin = createBackendPlugin({
  pluginId: 'matrix-probe',
  register(env) {
    env.registerInit({
      deps: { permissions: coreServices.permissions, userInfo: coreServices.userInfo, managementClusters: managementClustersServiceRef },
      async init(deps) {
        probe = deps;
      },
    });
  },
});

const header = (user: string) => mockCredentials.user.header(user);
const api = (path: string) => `/api/k0smotron${path}`;
const cluster = (namespace: string, name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'k0smotron.io/v1beta2' as const,
  kind: 'Cluster' as const,
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  spec: {},
});

async function visible(user: string): Promise<string[]> {
  const res = await request(backend.server).get(api('/clusters')).set('Authorization', header(user));
  if (res.status !== 200) throw new Error(`GET /clusters as ${user}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as ClusterListResponse).items.map(c => `${c.managementCluster}/${c.namespace}/${c.name}`).sort();
}

beforeAll(async () => {
  nsA = await createTestNamespace(kubeConfig, 'bs-matrix-a');
  nsB = await createTestNamespace(kubeConfig, 'bs-matrix-b');
  await client.createCluster(cluster(nsA, 'a1'));
  await client.createCluster(cluster(nsB, 'b1'));
  // Anyone who may write Clusters in nsB could claim another owner with the annotation.
  await client.createCluster(cluster(nsB, 'forged', { 'backstage.io/owner': TEAM_A }));
  backend = await startTestBackend({
    extensionPoints: [
      [catalogProcessingExtensionPoint, { addEntityProvider: (...p: Array<EntityProvider | EntityProvider[]>) => void providers.push(...p.flat()) }],
    ],
    features: [
      k0smotronPlugin,
      import('@backstage/plugin-permission-backend'),
      policyModule(),
      probePlugin,
      catalogModule,
      userInfoFactory,
      httpAuthWithActorFactory,
      capturingRootLoggerFactory(logs),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          k0smotron: {
            managementClusters: [
              { name: 'east', kubeconfigPath, namespaces: [nsA, nsB], namespaceOwners: { [nsA]: TEAM_A, [nsB]: TEAM_B } },
              { name: 'west', kubeconfigPath, namespaces: [nsA, nsB] },
            ],
            ownership: { defaultOwner: PLATFORM },
          },
        },
      }),
    ],
  });
  await eventually('both caches list the three Clusters', async () => (await visible(pat)).length === 6, 20_000);
});

afterAll(async () => {
  await backend?.stop();
});

describe('REST API', () => {
  it('GET /clusters lists for each team only its own Clusters', async () => {
    expect(await visible(alice)).toEqual([`east/${nsA}/a1`, `west/${nsA}/a1`]);
    // The forged owner annotation changes nothing: on east the namespace owner wins, on west
    // the annotation is not trusted (the default owner, then bob's namespace grant).
    expect(await visible(bob)).toEqual([`east/${nsB}/b1`, `east/${nsB}/forged`, `west/${nsB}/b1`, `west/${nsB}/forged`]);
    expect(await visible(pat)).toHaveLength(6);
    const filtered = await request(backend.server)
      .get(api(`/clusters?managementCluster=east&namespace=${nsB}`))
      .set('Authorization', header(alice));
    expect(filtered.body.items).toEqual([]);
  });

  // NS_A / NS_B stand for the test's namespaces (created in beforeAll, after this table).
  const clusterAccess: Array<[user: string, template: string, status: 200 | 404]> = [
    [alice, 'east/NS_B/b1', 404],
    [alice, 'west/NS_B/b1', 404],
    [alice, 'east/NS_B/forged', 404],
    [alice, 'east/NS_A/a1', 200],
    [alice, 'west/NS_A/a1', 200],
    [bob, 'east/NS_A/a1', 404],
    [bob, 'west/NS_A/a1', 404],
    [bob, 'east/NS_B/forged', 200],
    [pat, 'west/NS_B/b1', 200],
  ];
  const clusterRef = (template: string) => template.replace('NS_A', nsA).replace('NS_B', nsB);

  it.each(clusterAccess)('%s reads, pauses, resumes and asks a join token for %s: %d', async (user, template, status) => {
    const ref = clusterRef(template);
    const read = await request(backend.server)
      .get(api(`/clusters/${ref}`))
      .set('Authorization', header(user));
    expect(read.status).toBe(status);
    for (const paused of [true, false]) {
      const patch = await request(backend.server)
        .patch(api(`/clusters/${ref}`))
        .set('Authorization', header(user))
        .send({ paused });
      expect(patch.status).toBe(status);
    }
    const join = await request(backend.server)
      .post(api(`/clusters/${ref}/join-tokens`))
      .set('Authorization', header(user))
      .send({ role: 'worker', expiry: '0s' });
    // Allowed users get as far as the tenant policy, which refuses a never-expiring token.
    expect(join.status).toBe(status === 404 ? 404 : 400);
  });

  // Deleting is tried where it must fail only (a refused delete changes nothing, so the rows
  // above still hold); allowed deletes are in the create test.
  it.each(clusterAccess.filter(([, , status]) => status === 404))('%s cannot delete %s: %d', async (user, template) => {
    const del = await request(backend.server)
      .delete(api(`/clusters/${clusterRef(template)}`))
      .set('Authorization', header(user));
    expect(del.status).toBe(404);
  });

  it("creates only in the team's own namespace and management cluster, with an owner the user holds", async () => {
    const create = (user: string, mc: string, body: object) =>
      request(backend.server)
        .post(api(`/clusters/${mc}`))
        .set('Authorization', header(user))
        .send(body);
    expect((await create(alice, 'east', { namespace: nsA, name: 'a2', spec: { replicas: 1 } })).status).toBe(201);
    expect((await create(alice, 'west', { namespace: nsA, name: 'a3', spec: {} })).status).toBe(201);
    const crossNs = await create(alice, 'east', { namespace: nsB, name: 'a4', spec: {} });
    expect(crossNs.status).toBe(403);
    expect(crossNs.body.error.message).toContain(`owned by ${TEAM_B}`);
    expect((await create(alice, 'west', { namespace: nsB, name: 'a5', spec: {} })).status).toBe(403);
    expect((await create(bob, 'east', { namespace: nsB, name: 'b2', spec: {}, owner: TEAM_A })).status).toBe(403);
    // Fields beyond the self-service ones need create.advanced: the platform team has it.
    expect((await create(alice, 'east', { namespace: nsA, name: 'a6', spec: { k0sConfig: {} } })).status).toBe(403);
    expect((await create(pat, 'east', { namespace: nsA, name: 'a6', spec: { k0sConfig: {} } })).status).toBe(201);
    expect((await client.listClusters(nsB)).map(c => c.metadata.name).sort()).toEqual(['b1', 'forged']);
    // Deleting: alice her own, never bob's.
    expect(
      (
        await request(backend.server)
          .delete(api(`/clusters/east/${nsA}/a2`))
          .set('Authorization', header(alice))
      ).status,
    ).toBe(202);
    expect(
      (
        await request(backend.server)
          .delete(api(`/clusters/east/${nsB}/b1`))
          .set('Authorization', header(alice))
      ).status,
    ).toBe(404);
  });

  it('controller join tokens need their own permission, which team members do not hold', async () => {
    const res = await request(backend.server)
      .post(api(`/clusters/east/${nsB}/b1/join-tokens`))
      .set('Authorization', header(bob))
      .send({ role: 'controller', expiry: '1h' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('k0smotron.jointoken.controller.create');
    expect(await client.listJoinTokenRequests(nsB)).toEqual([]);
  });

  it('GET /settings tells the frontend the join-token limits', async () => {
    const res = await request(backend.server).get(api('/settings')).set('Authorization', header(alice));
    expect(res.body).toEqual({ createAllowed: true, joinTokens: { maxExpiry: '24h', maxExpirySeconds: 86400, allowNeverExpiring: false } });
  });
});

describe('the permission backend, as the frontend asks it per entity', () => {
  async function decide(user: string, resourceRef: string): Promise<string> {
    const id = randomUUID();
    const res = await request(backend.server)
      .post('/api/permission/authorize')
      .set('Authorization', header(user))
      .send({ items: [{ id, permission: k0smotronClusterUpdatePermission, resourceRef }] });
    expect(res.status).toBe(200);
    return res.body.items[0].result;
  }

  it('allows a team its own Clusters only (the resource is loaded by the k0smotron plugin)', async () => {
    expect(await decide(alice, `east/${nsA}/a1`)).toBe('ALLOW');
    expect(await decide(alice, `east/${nsB}/b1`)).toBe('DENY');
    expect(await decide(bob, `east/${nsB}/b1`)).toBe('ALLOW');
    expect(await decide(bob, `west/${nsA}/a1`)).toBe('DENY');
    expect(await decide(bob, `east/kube-system/x`)).toBe('DENY');
  });
});

describe('scaffolder actions', () => {
  function context(user: string, input: Record<string, unknown>) {
    const ctx = createMockActionContext({ input: input as never, task: { id: randomUUID() } });
    const credentials: BackstageCredentials<BackstageUserPrincipal> = mockCredentials.user(user);
    ctx.getInitiatorCredentials = async () => credentials as never;
    return ctx;
  }
  const createAction = () => createK0smotronClusterCreateAction(probe);
  const joinAction = () => createK0smotronJoinTokenCreateAction(probe);
  const base = { replicas: 1, serviceType: 'ClusterIP', storageType: 'etcd', wait: false, timeoutSeconds: 600 };

  it('creates for a team only where the policy lets it, with an owner the user holds', async () => {
    await createAction().handler(context(alice, { ...base, managementCluster: 'east', namespace: nsA, name: 's1' }));
    expect(await client.getCluster(nsA, 's1')).toBeDefined();
    await expect(createAction().handler(context(alice, { ...base, managementCluster: 'east', namespace: nsB, name: 's2' }))).rejects.toThrow(
      "permission 'k0smotron.cluster.create' is required",
    );
    await expect(createAction().handler(context(alice, { ...base, managementCluster: 'west', namespace: nsB, name: 's3' }))).rejects.toThrow(
      "permission 'k0smotron.cluster.create' is required",
    );
    await expect(createAction().handler(context(bob, { ...base, managementCluster: 'east', namespace: nsB, name: 's4', owner: TEAM_A }))).rejects.toThrow(
      'neither you nor a group you belong to',
    );
    expect((await client.listClusters(nsB)).map(c => c.metadata.name).sort()).toEqual(['b1', 'forged']);
  });

  it("issues join tokens only for the team's own Clusters, within the tenant policy", async () => {
    const join = (user: string, input: Record<string, unknown>) => joinAction().handler(context(user, { managementCluster: 'east', ...input }));
    await expect(join(alice, { namespace: nsB, name: 'b1', role: 'worker', expiry: '1h' })).rejects.toThrow('not found');
    await expect(join(bob, { namespace: nsB, name: 'b1', role: 'controller', expiry: '1h' })).rejects.toThrow('k0smotron.jointoken.controller.create');
    await expect(join(bob, { namespace: nsB, name: 'b1', role: 'worker', expiry: '0s' })).rejects.toThrow('never expires');
    expect(await client.listJoinTokenRequests(nsB)).toEqual([]);
  });
});

describe('catalog module', () => {
  it('publishes each Cluster with the owner the permission rules check, so each team owns only its own entities', async () => {
    const provider = providers.find((p): p is K0smotronEntityProvider => p instanceof K0smotronEntityProvider);
    expect(provider).toBeDefined();
    const mutations: EntityProviderMutation[] = [];
    await provider!.connect({ applyMutation: async m => void mutations.push(m), refresh: async () => {} });
    await provider!.refresh();
    const full = [...mutations].reverse().find(m => m.type === 'full');
    const entities: Entity[] = full?.type === 'full' ? full.entities.map(e => e.entity) : [];
    const owners = Object.fromEntries(entities.map(e => [e.metadata.annotations?.['k0smotron.io/cluster'], e.spec?.owner]));
    expect(owners[`east/${nsA}/a1`]).toBe(TEAM_A);
    expect(owners[`east/${nsB}/b1`]).toBe(TEAM_B);
    expect(owners[`east/${nsB}/forged`]).toBe(TEAM_B);
    expect(owners[`west/${nsB}/forged`]).toBe(PLATFORM);
    // What the catalog's IS_ENTITY_OWNER gives a team equals the Clusters it owns in k0smotron.
    for (const [user, team] of [
      [alice, TEAM_A],
      [bob, TEAM_B],
    ]) {
      const owned = entities
        .filter(e => e.spec?.owner === team)
        .map(e => e.metadata.annotations?.['k0smotron.io/cluster'])
        .sort();
      const restVisibleOnEast = (await visible(user)).filter(r => r.startsWith('east/'));
      expect(owned).toEqual(restVisibleOnEast);
    }
    provider!.disconnect();
  });
});
