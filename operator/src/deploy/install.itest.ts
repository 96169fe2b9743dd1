// Applies the generated installs with the real kubectl 1.20 and checks what the API server made
// of them, including what the operator's ServiceAccount may and may not do (RBAC evaluated by
// the API server, not by reading YAML). The image cannot run here (hollow nodes run nothing), so
// the operator code runs in-process with the ServiceAccount's own token: the same identity, the
// same requests. Afterwards everything but the CRDs is removed again.
import * as path from 'node:path';
import { clusterObjectNames, type Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, eventually, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import { JsonLogger } from '../engine/logger';
import { startOperator } from '../index';
import { clusterRoleRules, INSTALL_NAMESPACE, installObjects, leaseRoleRules, namespacedRules, nodeRules, OPERATOR_NAME, renderYaml } from './install';
import { applyYaml, canI, core, run, serviceAccountKubeConfig, statusOf, ungranted, waitReconciled } from './testing/rbac';

const FILE = path.join(__dirname, '../../deploy/install.yaml');
const SA = { namespace: INSTALL_NAMESPACE, name: OPERATOR_NAME };

jest.setTimeout(180_000);

const cleanups: Array<string[]> = [];

beforeAll(async () => {
  // A previous run against the same cluster may still be deleting the namespace.
  await eventually(
    `namespace ${INSTALL_NAMESPACE} not terminating`,
    async () => {
      const r = await kubectl(['get', 'namespace', INSTALL_NAMESPACE, '-o', 'jsonpath={.status.phase}'], { kubeconfig: sharedTestCluster().kubeconfigPath });
      return r.code !== 0 || r.stdout.trim() !== 'Terminating';
    },
    90_000,
    500,
  );
});

afterAll(async () => {
  // Leave the CRDs (other tests of this run use them); remove the rest of the installs.
  const kubeconfig = sharedTestCluster().kubeconfigPath;
  await kubectl(['delete', '--wait=false', '--ignore-not-found', 'namespace', INSTALL_NAMESPACE], { kubeconfig });
  await kubectl(['delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', OPERATOR_NAME], { kubeconfig });
  for (const args of cleanups) await kubectl(['delete', '--ignore-not-found', ...args], { kubeconfig });
});

/**
 * A NodePort Cluster (its endpoint needs Node addresses) with data in an emptyDir. Node ports are
 * cluster-wide: each test picks its own pair (others of the run use 30443, 31000-31199, 31443).
 */
function testCluster(namespace: string, name: string, apiPort: number): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace },
    spec: { service: { type: 'NodePort', apiPort, konnectivityPort: apiPort + 1 }, persistence: { type: 'emptyDir' } },
  } as Cluster;
}

describe('kubectl apply -f operator/deploy/install.yaml (cluster-wide)', () => {
  it('creates CRDs, namespace, service account, RBAC and the Deployment; RBAC is least-privilege', async () => {
    const out = await run(['apply', '-f', FILE]);
    expect(out).toMatch(/deployment.apps\/k0smotron-operator (created|configured|unchanged)/);

    for (const crd of ['clusters.k0smotron.io', 'jointokenrequests.k0smotron.io', 'k0smotronclusters.k0smotron.io']) {
      await run(['wait', '--for=condition=Established', '--timeout=30s', `crd/${crd}`]);
    }
    await run(['get', 'namespace', INSTALL_NAMESPACE]);
    await run(['-n', INSTALL_NAMESPACE, 'get', 'serviceaccount', OPERATOR_NAME]);
    await run(['get', 'clusterrolebinding', OPERATOR_NAME]);

    // The API server stored exactly the generated rules.
    const role = JSON.parse(await run(['get', 'clusterrole', OPERATOR_NAME, '-o', 'json'])) as { rules: unknown[] };
    expect(role.rules).toEqual(clusterRoleRules());

    const deploy = JSON.parse(await run(['-n', INSTALL_NAMESPACE, 'get', 'deployment', OPERATOR_NAME, '-o', 'json']));
    const pod = deploy.spec.template.spec;
    const c = pod.containers[0];
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz' });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz' });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.serviceAccountName).toBe(OPERATOR_NAME);
    expect(c.args).toEqual(expect.arrayContaining(['--policy-file', '/etc/k0smotron/policy.yaml']));
    expect(pod.volumes).toEqual([
      expect.objectContaining({ name: 'policy', configMap: expect.objectContaining({ name: 'k0smotron-policy', optional: true }) }),
    ]);

    // What the API server lets the operator's identity do.
    expect(await canI(SA, 'patch', 'statefulsets.apps', 'default')).toBe(true);
    expect(await canI(SA, 'patch', 'clusters.k0smotron.io/status', 'default')).toBe(true);
    expect(await canI(SA, 'patch', 'persistentvolumeclaims', 'default')).toBe(true);
    expect(await canI(SA, 'get', 'secrets', 'kube-system')).toBe(true); // cluster-wide: every namespace, by design
    expect(await canI(SA, 'list', 'nodes')).toBe(true);
    expect(await canI(SA, 'update', 'leases.coordination.k8s.io', INSTALL_NAMESPACE)).toBe(true);
    for (const [verb, resource, ns] of [
      ['delete', 'persistentvolumeclaims', 'default'],
      ['create', 'persistentvolumeclaims', 'default'],
      ['delete', 'secrets', 'default'],
      ['delete', 'statefulsets.apps', 'default'],
      ['update', 'clusters.k0smotron.io', 'default'],
      ['create', 'pods/exec', 'default'],
      ['create', 'pods', 'default'],
      ['get', 'pods', 'default'],
      ['delete', 'nodes', undefined],
      ['get', 'nodes', undefined],
      ['update', 'leases.coordination.k8s.io', 'default'],
      ['create', 'clusterroles.rbac.authorization.k8s.io', undefined],
      ['create', 'rolebindings.rbac.authorization.k8s.io', 'default'],
      ['patch', 'events', 'default'],
    ] as const) {
      expect([verb, resource, ns, await canI(SA, verb, resource, ns)]).toEqual([verb, resource, ns, false]);
    }

    // Applying the same file again changes nothing.
    const again = await run(['apply', '-f', FILE]);
    expect(again).not.toMatch(/created|configured/);
  });

  it("is enough for the real controllers: an operator with the ServiceAccount's token reconciles a Cluster, no request denied or outside the rules", async () => {
    await run(['apply', '-f', FILE]);
    const asOperator = await serviceAccountKubeConfig(SA);
    const admin = sharedTestCluster().kubeConfig;
    const ns = await createTestNamespace(admin, 'install-rbac');
    const op = await startOperator({
      kubeConfig: asOperator,
      namespaces: [ns],
      leaderElection: { namespace: INSTALL_NAMESPACE, name: `rbac-${ns}`, leaseDurationMs: 4000 },
      logger: new JsonLogger({ level: 'error' }),
    });
    try {
      await eventually('leadership', () => op.isLeader(), 15_000);
      await new K0smotronClient(admin).createCluster(testCluster(ns, 'rbac', 32301));
      await waitReconciled(admin, ns, 'rbac', () => op.requestCounts());
      const names = clusterObjectNames('rbac');
      for (const args of [
        ['statefulset', names.statefulSet],
        ['configmap', names.configMap],
        ['secret', names.kubeconfigSecret],
      ]) {
        await run(['-n', ns, 'get', ...args]);
      }
      await op.manager.waitForIdle({ quietMs: 1000, timeoutMs: 60_000 }).catch(() => undefined); // the endpoint may requeue
      const counts = op.requestCounts();
      expect(Object.keys(counts).filter(k => / 403$/.test(k))).toEqual([]);
      expect(ungranted(counts, [...clusterRoleRules(), ...leaseRoleRules()])).toEqual([]);
      expect(Object.keys(counts).some(k => k.startsWith('patch statefulsets 20'))).toBe(true);
    } finally {
      await op.stop();
    }
  });
});

describe('the namespaced install (Roles in the served namespaces, one ClusterRole for Nodes)', () => {
  it('lets an operator serving two namespaces reconcile a Cluster, and denies it Secrets elsewhere', async () => {
    const admin = sharedTestCluster().kubeConfig;
    const [opNs, served1, served2, other] = await Promise.all(['nsinst-op', 'nsinst-a', 'nsinst-b', 'nsinst-other'].map(p => createTestNamespace(admin, p)));
    const sa = { namespace: opNs!, name: OPERATOR_NAME };
    const objs = installObjects({ namespace: opNs, namespaces: [served1!, served2!] });
    // The Nodes ClusterRole is shared with kustomize.itest.ts's installs (running at the same
    // time): only this install's binding is removed afterwards.
    cleanups.push(['clusterrolebinding', `${OPERATOR_NAME}-nodes-${opNs}`]);
    await applyYaml(renderYaml('', objs));

    // The API server stored the rules; nothing cluster-wide but the Nodes ClusterRole.
    const role = JSON.parse(await run(['-n', served1!, 'get', 'role', OPERATOR_NAME, '-o', 'json'])) as { rules: unknown[] };
    expect(role.rules).toEqual(namespacedRules());
    const nodes = JSON.parse(await run(['get', 'clusterrole', `${OPERATOR_NAME}-nodes`, '-o', 'json'])) as { rules: unknown[] };
    expect(nodes.rules).toEqual(nodeRules());
    const deploy = JSON.parse(await run(['-n', opNs!, 'get', 'deployment', OPERATOR_NAME, '-o', 'json']));
    expect(deploy.spec.template.spec.containers[0].args).toContain(`--namespaces=${served1},${served2}`);

    expect(await canI(sa, 'patch', 'statefulsets.apps', served2)).toBe(true);
    expect(await canI(sa, 'get', 'secrets', served1)).toBe(true);
    expect(await canI(sa, 'watch', 'nodes')).toBe(true);
    expect(await canI(sa, 'update', 'leases.coordination.k8s.io', opNs)).toBe(true);
    for (const [verb, resource, ns] of [
      ['get', 'secrets', other],
      ['create', 'secrets', other],
      ['get', 'secrets', 'kube-system'],
      ['list', 'secrets', 'kube-system'],
      ['patch', 'statefulsets.apps', other],
      ['list', 'clusters.k0smotron.io', other],
      ['update', 'leases.coordination.k8s.io', served1],
      ['get', 'secrets', opNs],
      ['create', 'pods', served1],
      ['get', 'nodes', undefined],
    ] as const) {
      expect([verb, resource, ns, await canI(sa, verb, resource, ns)]).toEqual([verb, resource, ns, false]);
    }
    // No cluster-scoped list of namespaced kinds (that needs a ClusterRole).
    const all = await kubectl(['auth', 'can-i', 'list', 'secrets', '--all-namespaces', `--as=system:serviceaccount:${opNs}:${OPERATOR_NAME}`], {
      kubeconfig: sharedTestCluster().kubeconfigPath,
    });
    expect(all.stdout.trim()).toBe('no');

    const asOperator = await serviceAccountKubeConfig(sa);
    // The API's own answer, not only can-i: the token gets 403 outside the served namespaces.
    await core(admin).createNamespacedSecret({ namespace: other!, body: { metadata: { name: 'not-yours' }, stringData: { k: 'v' } } });
    expect(await statusOf(() => core(asOperator).readNamespacedSecret({ namespace: other!, name: 'not-yours' }))).toBe(403);
    expect(await statusOf(() => core(asOperator).listNamespacedSecret({ namespace: other! }))).toBe(403);
    expect(await statusOf(() => core(asOperator).createNamespacedSecret({ namespace: other!, body: { metadata: { name: 'mine' } } }))).toBe(403);
    expect(await statusOf(() => core(asOperator).deleteNamespacedSecret({ namespace: other!, name: 'not-yours' }))).toBe(403);
    expect(await statusOf(() => core(asOperator).listSecretForAllNamespaces())).toBe(403);
    expect(await statusOf(() => core(asOperator).listNamespacedSecret({ namespace: 'kube-system' }))).toBe(403);

    // The real controllers, as the Deployment would run them: --namespaces and the Lease in opNs.
    const op = await startOperator({
      kubeConfig: asOperator,
      namespaces: [served1!, served2!],
      leaderElection: { namespace: opNs!, name: 'k0smotron-leader', leaseDurationMs: 4000 },
      logger: new JsonLogger({ level: 'error' }),
    });
    try {
      await eventually('leadership', () => op.isLeader(), 15_000);
      await new K0smotronClient(admin).createCluster(testCluster(served2!, 'ns', 32303));
      // A Cluster in a namespace it does not serve stays untouched (no watch there, no 403 either).
      await new K0smotronClient(admin).createCluster(testCluster(other!, 'ignored', 32305));
      const ready = await waitReconciled(admin, served2!, 'ns', () => op.requestCounts());
      expect(ready.status?.conditions?.find(c => c.type === 'ControlPlaneExposed')?.reason).toBe('NodePortReady');

      // Write paths a plain create does not take, under the Roles too: the owner reference on a
      // PVC (autoDeletePVCs), and deleting the old Service when service.type changes.
      const kmc = new K0smotronClient(admin);
      await kmc.createCluster({
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: 'pvc', namespace: served1 },
        spec: {
          service: { type: 'ClusterIP' },
          persistence: { type: 'pvc', autoDeletePVCs: true, persistentVolumeClaim: { spec: { resources: { requests: { storage: '1Gi' } } } } },
        },
      } as Cluster);
      await eventually(
        'a PVC owned by its Cluster',
        async () =>
          (await core(admin).listNamespacedPersistentVolumeClaim({ namespace: served1! })).items.some(p =>
            p.metadata?.ownerReferences?.some(r => r.kind === 'Cluster' && r.name === 'pvc'),
          ),
        120_000,
        250,
      );
      await kmc.patchCluster(served2!, 'ns', { spec: { service: { type: 'ClusterIP' } } });
      await eventually(
        'the NodePort Service deleted after the type change',
        async () => (await core(admin).listNamespacedService({ namespace: served2! })).items.every(s => s.spec?.type !== 'NodePort'),
        60_000,
        250,
      );

      await op.manager.waitForIdle({ quietMs: 1000, timeoutMs: 60_000 }).catch(() => undefined);
      const counts = op.requestCounts();
      expect(
        Object.keys(counts)
          .filter(k => /^(patch persistentvolumeclaims|delete services) 200$/.test(k))
          .sort(),
      ).toEqual(['delete services 200', 'patch persistentvolumeclaims 200']);
      expect(Object.keys(counts).filter(k => / 403$/.test(k))).toEqual([]);
      expect(ungranted(counts, [...namespacedRules(), ...nodeRules(), ...leaseRoleRules()])).toEqual([]);
      const untouched = await new K0smotronClient(admin).getCluster(other!, 'ignored');
      expect(untouched?.status).toBeUndefined();
    } finally {
      await op.stop();
    }

    // Why the Nodes ClusterRole is part of the namespaced install: without it the Node informer
    // is denied, the caches never sync, and no controller starts (the operator is not ready).
    await run(['delete', 'clusterrolebinding', `${OPERATOR_NAME}-nodes-${opNs}`]);
    await eventually('the Nodes grant gone', async () => !(await canI(sa, 'list', 'nodes')), 10_000, 200);
    const blind = await startOperator({
      kubeConfig: asOperator,
      namespaces: [served1!, served2!],
      leaderElection: false,
      syncTimeoutMs: 3000, // how long startOperator waits before it returns unsynced; not a measurement
      logger: new JsonLogger({ level: 'error' }),
    });
    try {
      await eventually('the Node list denied', () => (blind.requestCounts()['list nodes 403'] ?? 0) > 0, 30_000, 100);
      expect(blind.readiness()).toMatchObject({ ready: false, reasons: expect.arrayContaining(['informer caches have not synced yet']) });
    } finally {
      await blind.stop();
    }
  });
});
