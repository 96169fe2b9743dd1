// Applies operator/deploy/install.yaml with the real kubectl 1.20 and checks what the API server
// made of it, including what the operator's ServiceAccount may and may not do (RBAC evaluated by
// the API server, not by reading YAML). The image cannot run here (hollow nodes run nothing), so
// the Deployment is checked as an object, then everything but the CRDs is removed again.
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterObjectNames } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import { JsonLogger } from '../engine/logger';
import { eventually } from '../engine/testdata/eventually';
import { startOperator } from '../index';
import { INSTALL_NAMESPACE, OPERATOR_NAME } from './install';

const FILE = path.join(__dirname, '../../deploy/install.yaml');
const SA = `system:serviceaccount:${INSTALL_NAMESPACE}:${OPERATOR_NAME}`;

jest.setTimeout(120_000);

async function run(args: string[]): Promise<string> {
  const r = await kubectl(args, { kubeconfig: sharedTestCluster().kubeconfigPath });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', verb, resource, `--as=${SA}`, ...(namespace ? ['-n', namespace] : [])],
    { kubeconfig: sharedTestCluster().kubeconfigPath });
  return r.stdout.trim() === 'yes';
}

beforeAll(async () => {
  // A previous run against the same cluster may still be deleting the namespace.
  await eventually(`namespace ${INSTALL_NAMESPACE} not terminating`, async () => {
    const r = await kubectl(['get', 'namespace', INSTALL_NAMESPACE, '-o', 'jsonpath={.status.phase}'], { kubeconfig: sharedTestCluster().kubeconfigPath });
    return r.code !== 0 || r.stdout.trim() !== 'Terminating';
  }, 90_000, 500);
});

afterAll(async () => {
  // Leave the CRDs (other tests of this run use them); remove the rest of the install.
  await kubectl(['delete', '--wait=false', '--ignore-not-found', 'namespace', INSTALL_NAMESPACE], { kubeconfig: sharedTestCluster().kubeconfigPath });
  await kubectl(['delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', OPERATOR_NAME], { kubeconfig: sharedTestCluster().kubeconfigPath });
});

describe('kubectl apply -f operator/deploy/install.yaml', () => {
  it('creates CRDs, namespace, service account, RBAC and the Deployment; RBAC is least-privilege', async () => {
    const out = await run(['apply', '-f', FILE]);
    expect(out).toMatch(/deployment.apps\/k0smotron-operator (created|configured|unchanged)/);

    for (const crd of ['clusters.k0smotron.io', 'jointokenrequests.k0smotron.io', 'k0smotronclusters.k0smotron.io']) {
      await run(['wait', '--for=condition=Established', '--timeout=30s', `crd/${crd}`]);
    }
    await run(['get', 'namespace', INSTALL_NAMESPACE]);
    await run(['-n', INSTALL_NAMESPACE, 'get', 'serviceaccount', OPERATOR_NAME]);
    await run(['get', 'clusterrolebinding', OPERATOR_NAME]);

    const role = JSON.parse(await run(['get', 'clusterrole', OPERATOR_NAME, '-o', 'json'])) as {
      rules: Array<{ apiGroups?: string[]; resources?: string[]; verbs: string[] }>;
    };
    for (const rule of role.rules) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]).not.toContain('*');
      expect(rule.resources ?? []).not.toContain('pods/exec');
    }

    const deploy = JSON.parse(await run(['-n', INSTALL_NAMESPACE, 'get', 'deployment', OPERATOR_NAME, '-o', 'json']));
    const c = deploy.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz' });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz' });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(deploy.spec.template.spec.serviceAccountName).toBe(OPERATOR_NAME);

    // What the API server lets the operator's identity do.
    expect(await canI('patch', 'statefulsets.apps', 'default')).toBe(true);
    expect(await canI('update', 'clusters.k0smotron.io/status', 'default')).toBe(true);
    expect(await canI('delete', 'persistentvolumeclaims', 'default')).toBe(true);
    expect(await canI('patch', 'persistentvolumeclaims', 'default')).toBe(true);
    expect(await canI('create', 'persistentvolumeclaims', 'default')).toBe(false);
    expect(await canI('watch', 'nodes')).toBe(true);
    expect(await canI('update', 'leases.coordination.k8s.io', INSTALL_NAMESPACE)).toBe(true);
    expect(await canI('create', 'pods/exec', 'default')).toBe(false);
    expect(await canI('create', 'pods', 'default')).toBe(false);
    expect(await canI('delete', 'nodes')).toBe(false);
    expect(await canI('update', 'leases.coordination.k8s.io', 'default')).toBe(false);
    expect(await canI('create', 'clusterroles.rbac.authorization.k8s.io')).toBe(false);

    // Applying the same file again changes nothing.
    const again = await run(['apply', '-f', FILE]);
    expect(again).not.toMatch(/created|configured/);
  });

  it('is enough for the real controllers: an operator with the ServiceAccount\'s token reconciles a Cluster without a single 403', async () => {
    // The image cannot run on hollow nodes, so the operator runs here in-process with exactly
    // the identity the Deployment would have (the token controller's Secret for the account).
    await run(['apply', '-f', FILE]);
    const secretName = await eventually('the ServiceAccount token Secret', async () =>
      (await run(['-n', INSTALL_NAMESPACE, 'get', 'serviceaccount', OPERATOR_NAME, '-o', 'jsonpath={.secrets[0].name}'])).trim() || undefined);
    const token = Buffer.from(await run(['-n', INSTALL_NAMESPACE, 'get', 'secret', secretName, '-o', 'jsonpath={.data.token}']), 'base64').toString();
    const admin = sharedTestCluster().kubeConfig;
    const cluster = admin.getCurrentCluster()!;
    const asOperator = new KubeConfig();
    asOperator.loadFromOptions({
      clusters: [cluster],
      users: [{ name: OPERATOR_NAME, token }],
      contexts: [{ name: 'operator', cluster: cluster.name, user: OPERATOR_NAME }],
      currentContext: 'operator',
    });

    const ns = await createTestNamespace(admin, 'install-rbac');
    const op = await startOperator({
      kubeConfig: asOperator,
      namespaces: [ns],
      leaderElection: { namespace: INSTALL_NAMESPACE, name: `rbac-${ns}`, leaseDurationMs: 4000 },
      logger: new JsonLogger({ level: 'error' }),
    });
    try {
      await eventually('leadership', () => op.isLeader(), 15_000);
      await new K0smotronClient(admin).createCluster({
        apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'rbac', namespace: ns },
        spec: { service: { type: 'NodePort' }, persistence: { type: 'emptyDir' } },
      } as never);
      const names = clusterObjectNames('rbac');
      for (const args of [['statefulset', names.statefulSet], ['configmap', names.configMap], ['secret', names.kubeconfigSecret]]) {
        await eventually(`${args.join(' ')} made by the operator`, async () => (await kubectl(['-n', ns, 'get', ...args], { kubeconfig: sharedTestCluster().kubeconfigPath })).code === 0, 60_000, 250);
      }
      await op.manager.waitForIdle({ quietMs: 1000, timeoutMs: 60_000 }).catch(() => undefined); // the LB/endpoint may requeue
      const denied = Object.entries(op.requestCounts()).filter(([k]) => / 403$/.test(k));
      expect(denied).toEqual([]);
      expect(Object.keys(op.requestCounts()).some(k => k.startsWith('patch statefulsets 20'))).toBe(true);
    } finally {
      await op.stop();
    }
  });
});
