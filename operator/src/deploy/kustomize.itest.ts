// The Kustomize layout (operator/deploy/{base,crds,cluster-wide,namespaced}) as a team uses it:
// rendered by the real kubectl 1.20 (whose built-in kustomize is the oldest a user may have),
// compared with the committed install files, and applied to the test cluster in fresh
// namespaces with the team's own namespace and image registry set by an overlay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTestNamespace, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import { parseAllDocuments, stringify } from 'yaml';
import { IMAGE_NAME, namespacedRules, nodeRules, OPERATOR_NAME, OPERATOR_VERSION } from './install';
import { canI, run } from './testing/rbac';

jest.setTimeout(120_000);

const DEPLOY = path.join(__dirname, '../../deploy');
// A registry that cannot exist (.invalid is reserved): the test only checks the reference.
const TEAM_IMAGE = 'registry.invalid/platform/k0smotron-operator';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: unknown[];
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
  spec?: { template?: { spec: { containers: Array<{ image: string; env: Array<{ name: string; valueFrom?: unknown }> }> } } };
}

const parse = (yaml: string) => parseAllDocuments(yaml).flatMap(d => (d.contents ? [d.toJSON() as Doc] : []));
const key = (d: Doc) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
const byKey = (docs: Doc[]) => new Map(docs.map(d => [key(d), d]));
const committed = (file: string) => parse(readFileSync(path.join(DEPLOY, file), 'utf8'));
const containerOf = (docs: Doc[]) => docs.find(d => d.kind === 'Deployment')!.spec!.template!.spec.containers[0]!;

async function kustomize(dir: string): Promise<Doc[]> {
  return parse(await run(['kustomize', dir]));
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A team's overlay of `overlay` (a relative `bases:` path, as kustomize requires). */
function teamOverlay(overlay: string, namespace: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'k0smotron-overlay-'));
  tmpDirs.push(dir);
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    bases: [path.relative(dir, path.join(DEPLOY, overlay))],
    namespace,
    images: [{ name: IMAGE_NAME, newName: TEAM_IMAGE, newTag: OPERATOR_VERSION }],
  };
  writeFileSync(path.join(dir, 'kustomization.yaml'), stringify(kustomization));
  return dir;
}

describe('kubectl kustomize operator/deploy/<overlay> (kubectl 1.20)', () => {
  it('cluster-wide renders the objects of install.yaml, namespaced those of install-namespaced.yaml', async () => {
    for (const [overlay, file] of [
      ['cluster-wide', 'install.yaml'],
      ['namespaced', 'install-namespaced.yaml'],
    ] as const) {
      const rendered = byKey(await kustomize(path.join(DEPLOY, overlay)));
      const expected = byKey(committed(file));
      expect([overlay, [...rendered.keys()].sort()]).toEqual([overlay, [...expected.keys()].sort()]);
      for (const [k, doc] of expected) expect([overlay, k, rendered.get(k)]).toEqual([overlay, k, doc]);
    }
  });

  it('crds renders only the CRDs, base only the operator without its RBAC', async () => {
    const install = committed('install.yaml');
    expect(await kustomize(path.join(DEPLOY, 'crds'))).toEqual(expect.arrayContaining(install.filter(d => d.kind === 'CustomResourceDefinition')));
    expect((await kustomize(path.join(DEPLOY, 'crds'))).map(d => d.kind)).toEqual([
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
    ]);
    const base = await kustomize(path.join(DEPLOY, 'base'));
    expect(base.map(key).sort()).toEqual([
      `Deployment/k0smotron/${OPERATOR_NAME}`,
      `Role/k0smotron/${OPERATOR_NAME}-leader-election`,
      `RoleBinding/k0smotron/${OPERATOR_NAME}-leader-election`,
      `Service/k0smotron/${OPERATOR_NAME}-metrics`,
      `ServiceAccount/k0smotron/${OPERATOR_NAME}`,
    ]);
    expect(containerOf(base).image).toBe(`${IMAGE_NAME}:${OPERATOR_VERSION}`);
  });
});

describe("a team's overlay: its own namespace and image registry", () => {
  it('cluster-wide in another namespace: everything follows the namespace, and the API server accepts it (server-side dry run)', async () => {
    const ns = await createTestNamespace(sharedTestCluster().kubeConfig, 'kz-cw');
    const docs = await kustomize(teamOverlay('cluster-wide', ns));
    expect(docs.find(d => d.kind === 'Namespace')!.metadata.name).toBe(ns);
    for (const d of docs.filter(x => x.metadata.namespace)) expect([key(d), d.metadata.namespace]).toEqual([key(d), ns]);
    for (const d of docs.filter(x => x.subjects)) expect(d.subjects).toEqual([{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: ns }]);
    expect(containerOf(docs).image).toBe(`${TEAM_IMAGE}:${OPERATOR_VERSION}`);
    const out = await run(
      ['apply', '--server-side', '--dry-run=server', '--field-manager=kustomize-itest', '-f', '-'],
      docs.map(d => '---\n' + stringify(d)).join(''),
    );
    expect(out).toMatch(new RegExp(`deployment.apps/${OPERATOR_NAME} serverside-applied \\(server dry run\\)`));
    expect(out).toMatch(new RegExp(`clusterrolebinding.rbac.authorization.k8s.io/${OPERATOR_NAME} serverside-applied`));
  });

  it('namespaced, applied by two teams: each operator gets Roles in its own namespace only and reads Nodes; nothing else cluster-scoped', async () => {
    const admin = sharedTestCluster().kubeConfig;
    const [teamA, teamB] = await Promise.all([createTestNamespace(admin, 'kz-team-a'), createTestNamespace(admin, 'kz-team-b')]);
    const rendered = new Map<string, Doc[]>();
    for (const ns of [teamA!, teamB!]) {
      const dir = teamOverlay('namespaced', ns);
      const docs = await kustomize(dir);
      rendered.set(ns, docs);
      // The only cluster-scoped objects: the shared read-only Nodes ClusterRole and this team's binding to it.
      const clusterScoped = docs.filter(d => !d.metadata.namespace);
      expect(clusterScoped.map(d => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
        `ClusterRole/${OPERATOR_NAME}-nodes`,
        `ClusterRoleBinding/${OPERATOR_NAME}-nodes-${ns}`,
      ]);
      expect(clusterScoped.find(d => d.kind === 'ClusterRole')!.rules).toEqual(nodeRules());
      expect(docs.some(d => d.kind === 'CustomResourceDefinition' || d.kind === 'Namespace')).toBe(false);
      const c = containerOf(docs);
      expect(c.image).toBe(`${TEAM_IMAGE}:${OPERATOR_VERSION}`);
      expect(c.env).toContainEqual({ name: 'K0SMOTRON_NAMESPACES', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
      // What a team runs: kubectl apply -k.
      const out = await run(['apply', '-k', dir]);
      expect(out).toMatch(new RegExp(`clusterrolebinding.rbac.authorization.k8s.io/${OPERATOR_NAME}-nodes-${ns} (created|configured|unchanged)`));
    }

    for (const [ns, other] of [
      [teamA!, teamB!],
      [teamB!, teamA!],
    ]) {
      const sa = { namespace: ns, name: OPERATOR_NAME };
      const role = JSON.parse(await run(['-n', ns, 'get', 'role', OPERATOR_NAME, '-o', 'json'])) as { rules: unknown[] };
      expect(role.rules).toEqual(namespacedRules());
      const deploy = JSON.parse(await run(['-n', ns, 'get', 'deployment', OPERATOR_NAME, '-o', 'json'])) as Doc;
      expect(containerOf([deploy]).image).toBe(`${TEAM_IMAGE}:${OPERATOR_VERSION}`);
      // Both teams' Nodes bindings exist side by side: the second install did not take over the first's.
      const binding = JSON.parse(await run(['get', 'clusterrolebinding', `${OPERATOR_NAME}-nodes-${ns}`, '-o', 'json'])) as Doc;
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: ns }]);
      expect(JSON.parse(await run(['get', 'clusterrole', `${OPERATOR_NAME}-nodes`, '-o', 'json'])).rules).toEqual(nodeRules());

      expect(await canI(sa, 'patch', 'statefulsets.apps', ns)).toBe(true);
      expect(await canI(sa, 'get', 'secrets', ns)).toBe(true);
      expect(await canI(sa, 'update', 'leases.coordination.k8s.io', ns)).toBe(true);
      expect(await canI(sa, 'list', 'nodes')).toBe(true);
      for (const [verb, resource, where] of [
        ['get', 'secrets', other],
        ['list', 'clusters.k0smotron.io', other],
        ['get', 'secrets', 'kube-system'],
        ['get', 'nodes', undefined],
        ['create', 'clusterroles.rbac.authorization.k8s.io', undefined],
        ['create', 'pods', ns],
      ] as const) {
        expect([verb, resource, where, await canI(sa, verb, resource, where)]).toEqual([verb, resource, where, false]);
      }
      const all = await kubectl(['auth', 'can-i', 'list', 'secrets', '--all-namespaces', `--as=system:serviceaccount:${ns}:${OPERATOR_NAME}`], {
        kubeconfig: sharedTestCluster().kubeconfigPath,
      });
      expect(all.stdout.trim()).toBe('no');
    }

    // Applying the same overlay again changes nothing.
    const again = await run(['apply', '-k', teamOverlay('namespaced', teamA!)]);
    expect(again).not.toMatch(/created|configured/);
    for (const ns of [teamA!, teamB!]) await run(['delete', '--ignore-not-found', 'clusterrolebinding', `${OPERATOR_NAME}-nodes-${ns}`]);
  });
});
