// Backstage's RBAC (plugins/k0smotron-backend/deploy/rbac*.yaml, from backstageRbacObjects)
// applied to the real API server, then used with the ServiceAccount's own token the way the
// backend plugin uses it: the embedded reconciler (startOperator, as embeddedReconciler.ts
// starts it) and the requests of the REST API, catalog and scaffolder (@k0smotron/api/client
// and the details route's reads, as clusterInspector.ts makes them). It also proves what the
// account may not do, by the API's own 403 answers.
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { clusterObjectNames, type Cluster, type JoinTokenRequest } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, eventually, sharedTestCluster } from '@k0smotron/testenv';
import { JsonLogger } from '../engine/logger';
import { startOperator } from '../index';
import {
  BACKSTAGE_API_ROLE,
  BACKSTAGE_RECONCILER_ROLE,
  backstageApiRules,
  backstageRbacObjects,
  clusterRoleRules,
  leaseRoleRules,
  namespacedRules,
  nodeRules,
  renderYaml,
} from './install';
import { applyYaml, canI, core, run, serviceAccountKubeConfig, statusOf, ungranted, waitReconciled } from './testing/rbac';

jest.setTimeout(180_000);

const cleanups: string[][] = [];
afterAll(async () => {
  for (const args of cleanups) await run(['delete', '--ignore-not-found', ...args]).catch(() => undefined);
});

async function serviceAccount(namespace: string, name: string): Promise<{ namespace: string; name: string }> {
  await run(['-n', namespace, 'create', 'serviceaccount', name]);
  return { namespace, name };
}

/** Node ports are cluster-wide: each Cluster here has its own pair (install.itest.ts uses 32301-32306). */
function cluster(namespace: string, name: string, apiPort = 32311): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace },
    spec: { service: { type: 'NodePort', apiPort, konnectivityPort: apiPort + 1 }, persistence: { type: 'emptyDir' } },
  } as Cluster;
}

/** The reads of the details route (clusterInspector.ts): owned objects and certificate Secrets. */
async function detailsReads(kc: KubeConfig, namespace: string, name: string): Promise<number[]> {
  const names = clusterObjectNames(name);
  const c = core(kc);
  const apps = kc.makeApiClient(AppsV1Api);
  return Promise.all([
    statusOf(() => apps.readNamespacedStatefulSet({ namespace, name: names.statefulSet })),
    statusOf(() => c.readNamespacedService({ namespace, name: names.nodePortService })),
    statusOf(() => c.readNamespacedConfigMap({ namespace, name: names.configMap })),
    statusOf(() => c.readNamespacedSecret({ namespace, name: names.kubeconfigSecret })),
    statusOf(() => c.readNamespacedSecret({ namespace, name: names.caSecret })),
  ]);
}

describe('Backstage RBAC, namespaced (managementClusters[].namespaces)', () => {
  it('is enough for the embedded reconciler and every REST operation, and no more', async () => {
    const admin = sharedTestCluster().kubeConfig;
    const [bsNs, served, other] = await Promise.all(['bsrbac', 'bsrbac-team', 'bsrbac-other'].map(p => createTestNamespace(admin, p)));
    const sa = await serviceAccount(bsNs!, 'backstage');
    cleanups.push(
      ['clusterrolebinding', `${BACKSTAGE_RECONCILER_ROLE}-nodes:${sa.namespace}:${sa.name}`],
      ['clusterrole', `${BACKSTAGE_RECONCILER_ROLE}-nodes`],
    );
    await applyYaml(renderYaml('', backstageRbacObjects({ serviceAccount: sa, namespaces: [served!], leaseNamespace: bsNs })));
    const asBackstage = await serviceAccountKubeConfig(sa);

    // The embedded reconciler, started as embeddedReconciler.ts starts it.
    const op = await startOperator({
      kubeConfig: asBackstage,
      namespaces: [served!],
      leaderElection: { namespace: bsNs!, name: 'k0smotron-leader', leaseDurationMs: 4000 },
      logger: new JsonLogger({ level: 'error' }),
    });
    try {
      await eventually('leadership', () => op.isLeader(), 15_000);
      const api = new K0smotronClient(asBackstage, { fieldManager: 'backstage' });

      // Create (the scaffolder dry-runs first), list (the cache), get (details).
      await api.createCluster(cluster(served!, 'bs'), { dryRun: true });
      await api.createCluster(cluster(served!, 'bs'));
      expect((await api.listClusters(served)).map(c => c.metadata?.name)).toEqual(['bs']);
      const ready = await waitReconciled(asBackstage, served!, 'bs', () => op.requestCounts());
      expect(ready.status?.conditions?.find(c => c.type === 'ControlPlaneExposed')?.reason).toBe('NodePortReady');

      // Details: owned objects, certificates, events; the kubeconfig route.
      expect(await detailsReads(asBackstage, served!, 'bs')).toEqual([200, 200, 200, 200, 200]);
      const events = await api.listEvents(served!, 'bs', 'Cluster');
      expect(events.length).toBeGreaterThan(0);
      expect(await api.readKubeconfig(served!, 'bs')).toMatch(/clusters:/);

      // Update (merge patch), join token (create, read its Secret, get, delete), delete.
      const patched = await api.patchCluster(served!, 'bs', { metadata: { labels: { team: 'a' } } });
      expect(patched.metadata?.labels?.team).toBe('a');
      const jtr = {
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'JoinTokenRequest',
        metadata: { name: 'bs-worker', namespace: served },
        spec: { clusterName: 'bs', role: 'worker', expiry: '1h' },
      } as JoinTokenRequest;
      await api.createJoinTokenRequest(jtr);
      expect(await api.readJoinToken(served!, 'bs-worker')).toBeUndefined(); // not issued: no child API here
      // The reconciler takes the request in hand (its finalizer), through the same account.
      await eventually(
        "the JoinTokenRequest has the reconciler's finalizer",
        async () => ((await api.getJoinTokenRequest(served!, 'bs-worker'))?.metadata?.finalizers?.length ? true : undefined),
        30_000,
        200,
      );
      await api.deleteJoinTokenRequest(served!, 'bs-worker');
      await op.manager.waitForIdle({ quietMs: 1000, timeoutMs: 60_000 }).catch(() => undefined);
      await api.deleteCluster(served!, 'bs');

      const counts = op.requestCounts();
      expect(Object.keys(counts).filter(k => / 403$/.test(k))).toEqual([]);
      expect(ungranted(counts, [...namespacedRules(), ...nodeRules(), ...leaseRoleRules()])).toEqual([]);

      // Nothing more: the API answers 403 outside the served namespace and for what no route does.
      const c = core(asBackstage);
      await core(admin).createNamespacedSecret({ namespace: other!, body: { metadata: { name: 'not-yours' }, stringData: { k: 'v' } } });
      const denied: Array<[string, () => Promise<unknown>]> = [
        ['get Secret in kube-system', () => c.listNamespacedSecret({ namespace: 'kube-system' })],
        ['get Secret in an unserved namespace', () => c.readNamespacedSecret({ namespace: other!, name: 'not-yours' })],
        ['list Secrets everywhere', () => c.listSecretForAllNamespaces()],
        ['delete a Secret in the served namespace', () => c.deleteNamespacedSecret({ namespace: served!, name: clusterObjectNames('bs').caSecret })],
        ['list Clusters in an unserved namespace', () => api.listClusters(other)],
        ['create a Cluster in an unserved namespace', () => api.createCluster(cluster(other!, 'nope'))],
        [
          'create a Pod',
          () => c.createNamespacedPod({ namespace: served!, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } } }),
        ],
        ['read Pods', () => c.listNamespacedPod({ namespace: served! })],
        ["read the operator Lease namespace's Secrets", () => c.listNamespacedSecret({ namespace: bsNs! })],
      ];
      const answers = await Promise.all(denied.map(async ([what, fn]) => [what, await statusOf(fn)] as const));
      expect(answers).toEqual(denied.map(([what]) => [what, 403]));
      expect(await canI(sa, 'create', 'rolebindings.rbac.authorization.k8s.io', served)).toBe(false);
      expect(await canI(sa, 'update', 'leases.coordination.k8s.io', served)).toBe(false);
    } finally {
      await op.stop();
    }
  });

  it('without the reconciler roles the REST API still works, and the account cannot write children', async () => {
    const admin = sharedTestCluster().kubeConfig;
    const [bsNs, served] = await Promise.all(['bsapi', 'bsapi-team'].map(p => createTestNamespace(admin, p)));
    const sa = await serviceAccount(bsNs!, 'backstage');
    await applyYaml(renderYaml('', backstageRbacObjects({ serviceAccount: sa, namespaces: [served!], reconciler: false })));
    const role = JSON.parse(await run(['-n', served!, 'get', 'role', BACKSTAGE_API_ROLE, '-o', 'json'])) as { rules: unknown[] };
    expect(role.rules).toEqual(backstageApiRules());
    const api = new K0smotronClient(await serviceAccountKubeConfig(sa), { fieldManager: 'backstage' });
    await api.createCluster(cluster(served!, 'api', 32313));
    expect(await api.getCluster(served!, 'api')).toBeDefined();
    await api.patchCluster(served!, 'api', { spec: { replicas: 0 } });
    await api.deleteCluster(served!, 'api');
    for (const [verb, resource] of [
      ['create', 'secrets'],
      ['patch', 'statefulsets.apps'],
      ['patch', 'clusters.k0smotron.io/status'],
      ['create', 'events'],
    ] as const) {
      expect([verb, resource, await canI(sa, verb, resource, served)]).toEqual([verb, resource, false]);
    }
    expect(await canI(sa, 'list', 'nodes')).toBe(false);
  });
});

describe('Backstage RBAC, cluster-wide (the default: every namespace)', () => {
  it("grants the operator's ClusterRole and the API ClusterRole, the Lease only in its namespace, and no more", async () => {
    const admin = sharedTestCluster().kubeConfig;
    const bsNs = await createTestNamespace(admin, 'bsall');
    const sa = await serviceAccount(bsNs, 'backstage');
    const objs = backstageRbacObjects({ serviceAccount: sa, leaseNamespace: bsNs });
    cleanups.push(
      ['clusterrolebinding', `${BACKSTAGE_API_ROLE}:${sa.namespace}:${sa.name}`, `${BACKSTAGE_RECONCILER_ROLE}:${sa.namespace}:${sa.name}`],
      ['clusterrole', BACKSTAGE_API_ROLE, BACKSTAGE_RECONCILER_ROLE],
    );
    await applyYaml(renderYaml('', objs));
    const stored = JSON.parse(await run(['get', 'clusterrole', BACKSTAGE_RECONCILER_ROLE, '-o', 'json'])) as { rules: unknown[] };
    expect(stored.rules).toEqual(clusterRoleRules());

    expect(await canI(sa, 'delete', 'clusters.k0smotron.io', 'default')).toBe(true);
    expect(await canI(sa, 'list', 'events', 'default')).toBe(true);
    expect(await canI(sa, 'update', 'leases.coordination.k8s.io', bsNs)).toBe(true);
    for (const [verb, resource, ns] of [
      ['update', 'leases.coordination.k8s.io', 'default'],
      ['delete', 'secrets', 'default'],
      ['create', 'pods', 'default'],
      ['get', 'pods', 'default'],
      ['create', 'pods/exec', 'default'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io', undefined],
      ['update', 'clusters.k0smotron.io', 'default'],
      ['delete', 'nodes', undefined],
    ] as const) {
      expect([verb, resource, ns, await canI(sa, verb, resource, ns)]).toEqual([verb, resource, ns, false]);
    }
  });
});
