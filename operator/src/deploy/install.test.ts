import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import {
  allows,
  backstageApiRules,
  backstageRbacObjects,
  clusterRoleRules,
  EXAMPLE_NAMESPACES,
  generatedFiles,
  IMAGE_NAME,
  installObjects,
  leaseRoleRules,
  namespacedRules,
  nodeRules,
  OPERATOR_IMAGE,
  ownNamespaceInstallObjects,
  parseGenerateArgs,
  POLICY_FILE,
  renderInstallYaml,
  type Rule,
} from './install';

const ROOT = join(__dirname, '../../..');

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
  spec?: unknown;
}
interface Container {
  args: string[];
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  securityContext: { readOnlyRootFilesystem: boolean };
  resources: { limits: { memory?: string } };
}
interface PodSpec {
  containers: Container[];
  volumes: Array<{ name: string; configMap: { name: string; optional: boolean; items: Array<{ key: string; path: string }> } }>;
  securityContext: { runAsNonRoot: boolean };
}

const docs = (objs: object[]) => JSON.parse(JSON.stringify(objs)) as Doc[];
const kinds = (objs: object[]) => docs(objs).map(d => `${d.kind}/${d.metadata.namespace ? `${d.metadata.namespace}/` : ''}${d.metadata.name}`);
const podSpec = (objs: object[]) => (docs(objs).find(d => d.kind === 'Deployment')!.spec as { template: { spec: PodSpec } }).template.spec;

/** "group resource: verbs" lines, sorted: a readable form of a rule list to compare with a table. */
function table(rules: Rule[]): string[] {
  return rules.flatMap(r => r.apiGroups.flatMap(g => r.resources.map(res => `${g || 'core'} ${res}: ${[...r.verbs].sort().join(',')}`))).sort();
}

describe('generated files', () => {
  it.each(generatedFiles().map(f => [f.path, f.content]))('%s is up to date with its generator and the CRD schemas', (path, content) => {
    const onDisk = readFileSync(join(ROOT, path), 'utf8');
    if (onDisk !== content) throw new Error(`${path} is stale. Run: npx tsx operator/scripts/generate-install.ts`);
  });
});

describe('operator RBAC', () => {
  // The table a reviewer checks against the controllers (operator/src/{cluster,jointoken,
  // k0smotroncluster} and engine/events.ts, engine/leaderElection.ts). install.itest.ts checks
  // the other direction: every request a running operator makes is granted, and none is denied.
  it('namespaced rules are exactly what the controllers use', () => {
    expect(table(namespacedRules())).toEqual([
      'apps statefulsets: create,get,list,patch,watch',
      'batch cronjobs: create,delete,get,list,patch,watch',
      'core configmaps: create,delete,get,list,patch,watch',
      'core events: create',
      'core persistentvolumeclaims: list,patch,watch',
      'core secrets: create,get,list,patch,watch',
      'core services: create,delete,get,list,patch,watch',
      'k0smotron.io clusters/finalizers: update',
      'k0smotron.io clusters/status: patch',
      'k0smotron.io clusters: create,list,patch,watch',
      'k0smotron.io jointokenrequests/finalizers: update',
      'k0smotron.io jointokenrequests/status: patch',
      'k0smotron.io jointokenrequests: delete,get,list,patch,watch',
      'k0smotron.io k0smotronclusters/finalizers: update',
      'k0smotron.io k0smotronclusters/status: patch',
      'k0smotron.io k0smotronclusters: list,watch',
    ]);
    expect(table(nodeRules())).toEqual(['core nodes: list,watch']);
    expect(table(leaseRoleRules())).toEqual(['coordination.k8s.io leases: create,get,update']);
    expect(table(clusterRoleRules())).toEqual(table([...namespacedRules(), ...nodeRules()]));
  });

  it('Backstage API rules are exactly what the REST API, catalog and scaffolder call', () => {
    expect(table(backstageApiRules())).toEqual([
      'apps statefulsets: get',
      'core configmaps: get',
      'core events: list',
      'core secrets: get',
      'core services: get,list',
      'k0smotron.io clusters: create,delete,get,list,patch,watch',
      'k0smotron.io jointokenrequests: create,delete,get',
    ]);
  });

  it('grants no wildcard, no pods, no RBAC and no deletion of Secrets, StatefulSets or PVCs', () => {
    for (const rule of [...clusterRoleRules(), ...leaseRoleRules(), ...backstageApiRules()]) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
      expect(rule.resources.some(r => r.startsWith('pods'))).toBe(false);
      expect(rule.apiGroups).not.toContain('rbac.authorization.k8s.io');
    }
    for (const res of ['secrets', 'persistentvolumeclaims']) expect(allows(clusterRoleRules(), 'delete', '', res)).toBe(false);
    expect(allows(clusterRoleRules(), 'delete', 'apps', 'statefulsets')).toBe(false);
    expect(allows(clusterRoleRules(), 'create', '', 'persistentvolumeclaims')).toBe(false);
  });
});

describe('cluster-wide install', () => {
  const objs = installObjects();

  it('has the CRDs, namespace, RBAC and a probed, non-root, read-only Deployment', () => {
    expect(kinds(objs)).toEqual(
      expect.arrayContaining([
        'CustomResourceDefinition/clusters.k0smotron.io',
        'CustomResourceDefinition/jointokenrequests.k0smotron.io',
        'CustomResourceDefinition/k0smotronclusters.k0smotron.io',
        'Namespace/k0smotron',
        'ServiceAccount/k0smotron/k0smotron-operator',
        'ClusterRole/k0smotron-operator',
        'ClusterRoleBinding/k0smotron-operator',
        'Role/k0smotron/k0smotron-operator-leader-election',
        'RoleBinding/k0smotron/k0smotron-operator-leader-election',
        'Deployment/k0smotron/k0smotron-operator',
      ]),
    );
    const spec = podSpec(objs);
    const c = spec.containers[0]!;
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.args.some(a => a.startsWith('--namespaces'))).toBe(false);
  });

  it('mounts the optional k0smotron-policy ConfigMap and passes --policy-file', () => {
    const spec = podSpec(objs);
    const c = spec.containers[0]!;
    expect(c.args.slice(c.args.indexOf('--policy-file'), c.args.indexOf('--policy-file') + 2)).toEqual(['--policy-file', POLICY_FILE]);
    expect(POLICY_FILE).toBe('/etc/k0smotron/policy.yaml');
    expect(c.volumeMounts).toEqual([{ name: 'policy', mountPath: '/etc/k0smotron', readOnly: true }]);
    expect(spec.volumes).toEqual([
      { name: 'policy', configMap: { name: 'k0smotron-policy', optional: true, items: [{ key: 'policy.yaml', path: 'policy.yaml' }] } },
    ]);
  });

  it('the committed file is the default render', () => {
    expect(generatedFiles()[0]!.content).toBe(renderInstallYaml());
  });
});

describe('namespaced install', () => {
  const objs = installObjects({ namespace: 'ops', namespaces: ['team-a', 'team-b'] });

  it('grants namespaced resources through Roles in the served namespaces only; the one ClusterRole reads Nodes', () => {
    const d = docs(objs);
    const clusterRoles = d.filter(o => o.kind === 'ClusterRole');
    expect(clusterRoles.map(o => o.metadata.name)).toEqual(['k0smotron-operator-nodes']);
    expect(table(clusterRoles[0]!.rules!)).toEqual(['core nodes: list,watch']);
    expect(d.filter(o => o.kind === 'ClusterRoleBinding').map(o => [o.metadata.name, o.roleRef!.name, o.subjects])).toEqual([
      ['k0smotron-operator-nodes-ops', 'k0smotron-operator-nodes', [{ kind: 'ServiceAccount', name: 'k0smotron-operator', namespace: 'ops' }]],
    ]);
    expect(d.some(o => o.kind === 'CustomResourceDefinition')).toBe(false);
    const roles = d.filter(o => o.kind === 'Role');
    expect(roles.map(o => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'team-a/k0smotron-operator',
      'team-b/k0smotron-operator',
      'ops/k0smotron-operator-leader-election',
    ]);
    expect(roles[0]!.rules).toEqual(namespacedRules());
    for (const b of d.filter(o => o.kind === 'RoleBinding')) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'k0smotron-operator', namespace: 'ops' }]);
      expect(b.roleRef!.kind).toBe('Role');
    }
  });

  it('runs the operator with --namespaces and the policy mount', () => {
    const c = podSpec(objs).containers[0]!;
    expect(c.args).toContain('--namespaces=team-a,team-b');
    expect(c.args).toContain('--policy-file');
    expect(podSpec(objs).volumes[0]!.configMap.optional).toBe(true);
  });

  it('refuses an empty namespace list (that would mean "all" to the operator)', () => {
    expect(() => installObjects({ namespaces: [] })).toThrow(/at least one namespace/);
  });
});

describe('Backstage RBAC', () => {
  it("cluster-wide: the API ClusterRole, the reconciler ClusterRole with the operator's exact rules, the Lease Role", () => {
    const d = docs(backstageRbacObjects());
    expect(kinds(backstageRbacObjects())).toEqual([
      'ClusterRole/k0smotron-backstage',
      'ClusterRoleBinding/k0smotron-backstage:backstage:backstage',
      'ClusterRole/k0smotron-backstage-reconciler',
      'ClusterRoleBinding/k0smotron-backstage-reconciler:backstage:backstage',
      'Role/k0smotron/k0smotron-backstage-reconciler-leader-election',
      'RoleBinding/k0smotron/k0smotron-backstage-reconciler-leader-election:backstage:backstage',
    ]);
    expect(d.find(o => o.metadata.name === 'k0smotron-backstage-reconciler')!.rules).toEqual(clusterRoleRules());
    expect(d.find(o => o.kind === 'Role')!.rules).toEqual(leaseRoleRules());
    for (const b of d.filter(o => /Binding$/.test(o.kind))) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'backstage', namespace: 'backstage' }]);
  });

  it('namespaced: Roles per namespace plus the Nodes ClusterRole; without the reconciler only the API Roles', () => {
    const objs = backstageRbacObjects({ namespaces: ['team-a'], serviceAccount: { namespace: 'bs', name: 'app' }, leaseNamespace: 'bs' });
    expect(kinds(objs)).toEqual([
      'Role/team-a/k0smotron-backstage',
      'RoleBinding/team-a/k0smotron-backstage:bs:app',
      'Role/team-a/k0smotron-backstage-reconciler',
      'RoleBinding/team-a/k0smotron-backstage-reconciler:bs:app',
      'ClusterRole/k0smotron-backstage-reconciler-nodes',
      'ClusterRoleBinding/k0smotron-backstage-reconciler-nodes:bs:app',
      'Role/bs/k0smotron-backstage-reconciler-leader-election',
      'RoleBinding/bs/k0smotron-backstage-reconciler-leader-election:bs:app',
    ]);
    expect(docs(objs)[2]!.rules).toEqual(namespacedRules());
    expect(kinds(backstageRbacObjects({ namespaces: ['team-a'], reconciler: false }))).toEqual([
      'Role/team-a/k0smotron-backstage',
      'RoleBinding/team-a/k0smotron-backstage:backstage:backstage',
    ]);
  });
});

describe('generate-install flags', () => {
  const parsed = (argv: string[]) => {
    const r = parseGenerateArgs(argv);
    if (r.kind !== 'print') throw new Error(`expected print, got ${r.kind}`);
    return parseAllDocuments(r.yaml).map(d => d.toJSON() as Doc);
  };

  it('no flags rewrites the committed files; --help prints usage', () => {
    expect(parseGenerateArgs([])).toEqual({ kind: 'committed' });
    expect(parseGenerateArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it("--variant namespaced renders a team's install", () => {
    const d = parsed(['--variant', 'namespaced', '--namespaces', 'x,y', '--operator-namespace=ops-x']);
    expect(d.filter(o => o.kind === 'Role').map(o => o.metadata.namespace)).toEqual(['x', 'y', 'ops-x']);
    expect(d.find(o => o.kind === 'ServiceAccount')!.metadata.namespace).toBe('ops-x');
  });

  it('--variant backstage takes the service account, namespaces and --no-reconciler', () => {
    const d = parsed(['--variant=backstage', '--service-account', 'bs/app', '--namespaces', 'x', '--no-reconciler']);
    expect(d.map(o => o.kind)).toEqual(['Role', 'RoleBinding']);
    expect(d[1]!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'app', namespace: 'bs' }]);
  });

  it('rejects bad input with a clear message', () => {
    expect(() => parseGenerateArgs(['--variant', 'namespaced'])).toThrow(/needs --namespaces/);
    expect(() => parseGenerateArgs(['--variant', 'cluster', '--namespaces', 'a'])).toThrow(/every namespace/);
    expect(() => parseGenerateArgs(['--variant', 'namespaced', '--namespaces', 'Bad_Name'])).toThrow(/not a valid/);
    expect(() => parseGenerateArgs(['--variant', 'backstage', '--service-account', 'nope'])).toThrow(/NAMESPACE\/NAME/);
    expect(() => parseGenerateArgs(['--frobnicate', '1'])).toThrow(/unknown flag/);
    expect(() => parseGenerateArgs(['--variant', 'x'])).toThrow(/must be cluster/);
  });

  it('the committed Backstage namespaced RBAC uses the example namespaces', () => {
    const content = generatedFiles().find(f => f.path.endsWith('rbac-namespaced.yaml'))!.content;
    for (const ns of EXAMPLE_NAMESPACES) expect(content).toContain(`namespace: ${ns}\n`);
  });
});

describe('the install serving its own namespace (deploy/namespaced, install-namespaced.yaml)', () => {
  const objs = ownNamespaceInstallObjects('team-x');

  it('has Roles in its namespace; the only cluster-scoped objects are the read-only Nodes grant, named after the namespace', () => {
    const d = docs(objs);
    expect(d.filter(o => !o.metadata.namespace).map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ClusterRole/k0smotron-operator-nodes',
      'ClusterRoleBinding/k0smotron-operator-nodes-team-x',
    ]);
    expect(table(d.find(o => o.kind === 'ClusterRole')!.rules!)).toEqual(['core nodes: list,watch']);
    expect(new Set(d.filter(o => o.metadata.namespace).map(o => o.metadata.namespace))).toEqual(new Set(['team-x']));
    expect(d.find(o => o.kind === 'Role' && o.metadata.name === 'k0smotron-operator')!.rules).toEqual(namespacedRules());
    for (const b of d.filter(o => /Binding$/.test(o.kind)))
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'k0smotron-operator', namespace: 'team-x' }]);
    // The namespace is the team's: no Namespace object (delete -k must not remove it), no CRDs.
    expect(d.some(o => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition')).toBe(false);
  });

  it("serves the pod's own namespace through the downward API, not a fixed --namespaces", () => {
    const c = podSpec(objs).containers[0]! as Container & { env: Array<{ name: string; valueFrom?: unknown }> };
    expect(c.args.some(a => a.startsWith('--namespaces'))).toBe(false);
    expect(c.env.find(e => e.name === 'K0SMOTRON_NAMESPACES')).toEqual({
      name: 'K0SMOTRON_NAMESPACES',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
  });

  it('rejects a namespace that is not a DNS label', () => {
    expect(() => ownNamespaceInstallObjects('Team_X')).toThrow(/not a valid namespace/);
  });
});

describe('the image reference', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'operator/package.json'), 'utf8')) as { version: string }).version;
  const file = (path: string) => generatedFiles().find(f => f.path === path)!.content;

  it("is named once, in the Kustomize base's images:, with operator/package.json's version as the tag", () => {
    expect(OPERATOR_IMAGE).toBe(`k0smotron-operator:${version}`);
    const k = parseDocument(file('operator/deploy/base/kustomization.yaml')).toJSON() as { images: unknown[] };
    expect(k.images).toEqual([{ name: IMAGE_NAME, newName: IMAGE_NAME, newTag: version }]);
    // The base's Deployment carries only the name, so the kustomization is the one place of the tag.
    expect(file('operator/deploy/base/deployment.yaml')).toContain(`image: ${IMAGE_NAME}\n`);
    const tagged = generatedFiles().filter(f => f.path.startsWith('operator/deploy/') && f.content.includes(`${IMAGE_NAME}:`));
    expect(tagged.map(f => f.path).sort()).toEqual(['operator/deploy/install-namespaced.yaml', 'operator/deploy/install.yaml']);
  });

  it('the rendered installs use the tagged image', () => {
    expect(podSpec(installObjects()).containers[0]).toMatchObject({ image: OPERATOR_IMAGE });
    expect(podSpec(ownNamespaceInstallObjects('a')).containers[0]).toMatchObject({ image: OPERATOR_IMAGE });
  });
});
