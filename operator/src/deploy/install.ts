// The operator's installs and the RBAC of every identity that runs its reconcilers, from one
// table of permissions (`OPERATOR_PERMISSIONS`), so the cluster-wide install, the namespaced
// install and Backstage's RBAC cannot drift apart. Pure: scripts/generate-install.ts writes the
// files, a unit test checks the committed ones are not stale.
//
//   operator/deploy/{base,crds,cluster-wide,namespaced}/
//                                            the Kustomize layout (base + overlays)
//   operator/deploy/install.yaml             `kubectl kustomize deploy/cluster-wide`: CRDs +
//                                            operator, ClusterRole for every namespace
//   operator/deploy/install-namespaced.yaml  `kubectl kustomize deploy/namespaced`: the operator
//                                            serving its own namespace: Roles, plus one
//                                            ClusterRole that reads Nodes; no CRDs
//   plugins/k0smotron-backend/deploy/rbac.yaml, rbac-namespaced.yaml
//                                            what Backstage's service account needs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allCrds } from '@k0smotron/api/crds';
import { stringify } from 'yaml';

export const INSTALL_NAMESPACE = 'k0smotron';
export const OPERATOR_NAME = 'k0smotron-operator';
/** The image's name; a team points it at its registry with Kustomize `images:` (see the README). */
export const IMAGE_NAME = 'k0smotron-operator';
/** operator/package.json's version: the image tag, in the Kustomize base and the rendered installs. */
export const OPERATOR_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
export const OPERATOR_IMAGE = `${IMAGE_NAME}:${OPERATOR_VERSION}`;
export const METRICS_PORT = 8080;
export const LEASE_NAME = 'k0smotron-leader';
/** Optional ConfigMap in the operator's namespace; the Deployment mounts its `policy.yaml`. */
export const POLICY_CONFIGMAP = 'k0smotron-policy';
export const POLICY_KEY = 'policy.yaml';
export const POLICY_DIR = '/etc/k0smotron';
export const POLICY_FILE = `${POLICY_DIR}/${POLICY_KEY}`;

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: Verb[];
}
/** One resource's verbs, with the code path that needs them (shown in the docs, never guessed). */
export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: Verb[];
  why: string;
}

const CACHED: Verb[] = ['list', 'watch']; // informers: one list+watch per kind and namespace
// Server-side apply is a PATCH; when the object does not exist yet the API server also checks
// `create`. So every kind the operator applies needs both.
const APPLIED: Verb[] = ['create', 'patch'];
// Children are cached only with the operator's label, so before creating one the operator reads
// its name live: an object someone else made under that name must not be taken over.
const LIVE_GET = '; get: a name missing from the label-filtered cache is checked live before the first apply';

/**
 * Everything the reconcilers do inside a namespace they serve: exactly the requests the engine
 * makes for them (informers, `Client.get/apply/mergePatch/delete`, Events). No wildcards, no
 * pods and no pods/exec: tokens and kubeconfigs come from the PKI, never from a pod. Nothing
 * here is ever `update` (PUT) or `deletecollection`.
 */
export const OPERATOR_PERMISSIONS: readonly Permission[] = [
  {
    apiGroup: 'k0smotron.io',
    resource: 'clusters',
    verbs: [...CACHED, ...APPLIED],
    why: 'cached; K0smotronClusters are mirrored into Clusters by server-side apply',
  },
  { apiGroup: 'k0smotron.io', resource: 'clusters/status', verbs: ['patch'], why: 'conditions and endpoint, applied to the status subresource' },
  {
    apiGroup: 'k0smotron.io',
    resource: 'clusters/finalizers',
    verbs: ['update'],
    why: 'children carry an owner reference with blockOwnerDeletion (OwnerReferencesPermissionEnforcement checks this)',
  },
  {
    apiGroup: 'k0smotron.io',
    resource: 'jointokenrequests',
    verbs: ['get', ...CACHED, 'patch', 'delete'],
    why: 'live read before recording a token id; merge patch of the revocation finalizer and the owner reference; delete once its Cluster is gone',
  },
  { apiGroup: 'k0smotron.io', resource: 'jointokenrequests/status', verbs: ['patch'], why: 'token id, expiry and conditions' },
  {
    apiGroup: 'k0smotron.io',
    resource: 'jointokenrequests/finalizers',
    verbs: ['update'],
    why: 'the token Secret has an owner reference with blockOwnerDeletion',
  },
  { apiGroup: 'k0smotron.io', resource: 'k0smotronclusters', verbs: CACHED, why: 'cached; read only' },
  { apiGroup: 'k0smotron.io', resource: 'k0smotronclusters/status', verbs: ['patch'], why: "mirrors its Cluster's status" },
  {
    apiGroup: 'k0smotron.io',
    resource: 'k0smotronclusters/finalizers',
    verbs: ['update'],
    why: 'the mirrored Cluster has an owner reference with blockOwnerDeletion',
  },
  {
    apiGroup: '',
    resource: 'secrets',
    verbs: ['get', ...CACHED, ...APPLIED],
    why: 'PKI, kubeconfig and join-token Secrets; cached without data, so keys are read live (get); never deleted (owner-reference GC does that)',
  },
  {
    apiGroup: '',
    resource: 'services',
    verbs: ['get', ...CACHED, ...APPLIED, 'delete'],
    why: 'control-plane and etcd Services; the old Service is deleted when service.type changes' + LIVE_GET,
  },
  {
    apiGroup: '',
    resource: 'configmaps',
    verbs: ['get', ...CACHED, ...APPLIED, 'delete'],
    why: 'k0s config, entrypoint and endpoint ConfigMaps; the endpoint one is deleted when no longer needed' + LIVE_GET,
  },
  {
    apiGroup: '',
    resource: 'persistentvolumeclaims',
    verbs: [...CACHED, 'patch'],
    why: "autoDeletePVCs adds or removes the Cluster's owner reference; never created or deleted by the operator",
  },
  {
    apiGroup: 'apps',
    resource: 'statefulsets',
    verbs: ['get', ...CACHED, ...APPLIED],
    why: 'control-plane and etcd StatefulSets; never deleted by the operator (owner-reference GC does that)' + LIVE_GET,
  },
  {
    apiGroup: 'batch',
    resource: 'cronjobs',
    verbs: ['get', ...CACHED, ...APPLIED, 'delete'],
    why: 'the etcd defrag CronJob (storage.etcd.defragJob); deleted when the defrag job is switched off' + LIVE_GET,
  },
  { apiGroup: '', resource: 'events', verbs: ['create'], why: 'one Event per changed condition (de-duplicated in the operator, so never patched)' },
];

/** Cluster-scoped: the only grant a namespaced install needs outside its namespaces. */
export const NODE_PERMISSIONS: readonly Permission[] = [
  { apiGroup: '', resource: 'nodes', verbs: CACHED, why: "NodePort endpoints: a Ready node's address (the Node cache is cluster-wide)" },
];

/** Leader election, in the Lease's namespace only. */
export const LEASE_PERMISSIONS: readonly Permission[] = [
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], why: 'leader election on one Lease' },
];

/**
 * What Backstage's REST API, catalog and scaffolder modules do besides the reconciler (whose
 * needs are `OPERATOR_PERMISSIONS`): `@k0smotron/api/client` calls and the details route's reads.
 */
export const BACKSTAGE_API_PERMISSIONS: readonly Permission[] = [
  {
    apiGroup: 'k0smotron.io',
    resource: 'clusters',
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    why: 'cache (list, watch); details, create (also dry-run), update (merge patch), delete',
  },
  { apiGroup: 'k0smotron.io', resource: 'jointokenrequests', verbs: ['get', 'create', 'delete'], why: 'join tokens: create, wait for it, delete on timeout' },
  {
    apiGroup: '',
    resource: 'secrets',
    verbs: ['get'],
    why: 'the join token; for the kubeconfig route (if kubeconfigAccess is on) the kubeconfig or the CA it signs with; the certificates on the details page',
  },
  {
    apiGroup: '',
    resource: 'services',
    verbs: ['get', 'list'],
    why: 'details: owned objects; create: the NodePorts in use, to give a NodePort Cluster without ports a free pair',
  },
  { apiGroup: '', resource: 'configmaps', verbs: ['get'], why: 'details: owned objects' },
  { apiGroup: 'apps', resource: 'statefulsets', verbs: ['get'], why: 'details: owned objects' },
  { apiGroup: '', resource: 'events', verbs: ['list'], why: "details: the Cluster's recent events" },
];

export function rulesOf(perms: readonly Permission[]): Rule[] {
  return perms.map(p => ({ apiGroups: [p.apiGroup], resources: [p.resource], verbs: [...p.verbs] }));
}

/** Everything the operator needs in the namespaces it serves. */
export function namespacedRules(): Rule[] {
  return rulesOf(OPERATOR_PERMISSIONS);
}

/** The cluster-wide install's ClusterRole: the namespaced rules everywhere, plus Nodes. */
export function clusterRoleRules(): Rule[] {
  return rulesOf([...OPERATOR_PERMISSIONS, ...NODE_PERMISSIONS]);
}

export function nodeRules(): Rule[] {
  return rulesOf(NODE_PERMISSIONS);
}

export function leaseRoleRules(): Rule[] {
  return rulesOf(LEASE_PERMISSIONS);
}

export function backstageApiRules(): Rule[] {
  return rulesOf(BACKSTAGE_API_PERMISSIONS);
}

/** Whether `rules` grant `verb` on `resource` ("secrets", "clusters/status") of `apiGroup`. */
export function allows(rules: readonly Rule[], verb: string, apiGroup: string, resource: string): boolean {
  return rules.some(r => r.apiGroups.includes(apiGroup) && r.resources.includes(resource) && (r.verbs as string[]).includes(verb));
}

// ---------------------------------------------------------------------------------------------
// Objects

type Obj = Record<string, unknown>;
const RBAC = 'rbac.authorization.k8s.io/v1';
const LABELS = { 'app.kubernetes.io/name': 'k0smotron', 'app.kubernetes.io/component': 'operator' };

interface Subject {
  namespace: string;
  name: string;
}

function meta(name: string, namespace: string | undefined, labels: Record<string, string>): Obj {
  return { name, ...(namespace ? { namespace } : {}), labels };
}

/**
 * `rules` for `subject`: one ClusterRole + ClusterRoleBinding when `namespaces` is undefined
 * (every namespace), else a Role + RoleBinding in each namespace.
 */
function grant(name: string, subject: Subject, rules: Rule[], namespaces: string[] | undefined, labels: Record<string, string>, bindingName = name): Obj[] {
  const subjects = [{ kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace }];
  if (!namespaces) {
    return [
      { apiVersion: RBAC, kind: 'ClusterRole', metadata: meta(name, undefined, labels), rules },
      {
        apiVersion: RBAC,
        kind: 'ClusterRoleBinding',
        metadata: meta(bindingName, undefined, labels),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects,
      },
    ];
  }
  return namespaces.flatMap(ns => [
    { apiVersion: RBAC, kind: 'Role', metadata: meta(name, ns, labels), rules },
    {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: meta(bindingName, ns, labels),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  ]);
}

export interface InstallOptions {
  /** The operator's own namespace (ServiceAccount, Deployment, Lease). Default `k0smotron`. */
  namespace?: string;
  /**
   * Namespaces to serve. Undefined: all (ClusterRole, CRDs included). A list: the namespaced
   * install (Roles in those namespaces, `--namespaces`, no CRDs).
   */
  namespaces?: string[];
}

/** Objects of an operator install: cluster-wide by default, namespaced when `namespaces` is set. */
export function installObjects(opts: InstallOptions = {}): object[] {
  const ns = opts.namespace ?? INSTALL_NAMESPACE;
  const served = opts.namespaces;
  if (served && served.length === 0) throw new Error('a namespaced install serves at least one namespace');
  const sa: Subject = { namespace: ns, name: OPERATOR_NAME };
  const rbac = served
    ? [
        ...grant(OPERATOR_NAME, sa, namespacedRules(), served, LABELS, bindingFor(OPERATOR_NAME, ns)),
        // Nodes are cluster-scoped: no Role can grant them. A shared, read-only ClusterRole; one
        // binding per operator namespace, so several namespaced installs can coexist.
        ...nodeGrant(sa),
      ]
    : clusterWideRbac(ns);
  const [serviceAccount, ...rest] = baseObjects(ns, { image: OPERATOR_IMAGE, served });
  return [
    // CRDs are cluster-scoped and shared by every install: the namespaced install leaves them to
    // whoever administers the cluster (crds/*.yaml or install.yaml).
    ...(served ? [] : crdObjects()),
    namespaceObject(ns),
    serviceAccount!,
    ...rbac,
    ...rest,
  ];
}

/**
 * The install `deploy/namespaced` renders: the operator runs in `namespace` and serves only that
 * namespace (it reads its own namespace from the pod, so a Kustomize `namespace:` moves both).
 * No CRDs and no Namespace object: the namespace belongs to its team, and `kubectl delete -k`
 * must not take it along.
 */
export function ownNamespaceInstallObjects(namespace: string): object[] {
  checkName(namespace, 'namespace');
  const [serviceAccount, ...rest] = baseObjects(namespace, { image: OPERATOR_IMAGE, watchOwnNamespace: true });
  return [serviceAccount!, ...ownNamespaceRbac(namespace), ...rest];
}

const crdObjects = () => allCrds().map(c => JSON.parse(JSON.stringify(c)) as object);
const namespaceObject = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: LABELS } });
const clusterWideRbac = (ns: string) => grant(OPERATOR_NAME, { namespace: ns, name: OPERATOR_NAME }, clusterRoleRules(), undefined, LABELS);
const nodeGrant = (sa: Subject) => grant(`${OPERATOR_NAME}-nodes`, sa, nodeRules(), undefined, LABELS, `${OPERATOR_NAME}-nodes-${sa.namespace}`);
/** The operator's Role in its own namespace, plus the read-only Nodes grant every namespaced install needs. */
const ownNamespaceRbac = (ns: string) => {
  const sa = { namespace: ns, name: OPERATOR_NAME };
  return [...grant(OPERATOR_NAME, sa, namespacedRules(), [ns], LABELS), ...nodeGrant(sa)];
};

/** What every install has besides its RBAC: ServiceAccount (first), Lease Role, metrics Service, Deployment. */
function baseObjects(ns: string, d: DeploymentOptions): Obj[] {
  const sa: Subject = { namespace: ns, name: OPERATOR_NAME };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(OPERATOR_NAME, ns, LABELS) },
    ...grant(`${OPERATOR_NAME}-leader-election`, sa, leaseRoleRules(), [ns], LABELS),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(`${OPERATOR_NAME}-metrics`, ns, LABELS),
      spec: { selector: LABELS, ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
    },
    deployment(ns, d),
  ];
}

/** RoleBinding names in served namespaces carry the operator's namespace: two installs may share one. */
function bindingFor(name: string, operatorNamespace: string): string {
  return operatorNamespace === INSTALL_NAMESPACE ? name : `${name}-${operatorNamespace}`;
}

interface DeploymentOptions {
  /** The container image reference. */
  image: string;
  /** Served namespaces, passed as `--namespaces`; undefined = all. */
  served?: string[];
  /** Serve the pod's own namespace (K0SMOTRON_NAMESPACES from the downward API). */
  watchOwnNamespace?: boolean;
}

/** The env entry that makes the operator serve its own namespace (the namespaced overlay's patch). */
const CONTAINER = 'operator';
const WATCH_OWN_NAMESPACE_ENV = { name: 'K0SMOTRON_NAMESPACES', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } };

function deployment(ns: string, d: DeploymentOptions): Obj {
  const served = d.served;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(OPERATOR_NAME, ns, LABELS),
    spec: {
      replicas: 1,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 40,
          containers: [
            {
              name: CONTAINER,
              image: d.image,
              args: [
                '--leader-elect',
                `--metrics-address=:${METRICS_PORT}`,
                '--log-level=info',
                ...(served ? [`--namespaces=${served.join(',')}`] : []),
                // The operator uses safe defaults when the file is absent (ConfigMap not created).
                '--policy-file',
                POLICY_FILE,
              ],
              env: [
                // First: where the namespaced overlay's strategic-merge patch puts it.
                ...(d.watchOwnNamespace ? [WATCH_OWN_NAMESPACE_ENV] : []),
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'NODE_OPTIONS', value: '--max-old-space-size=192' },
              ],
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, initialDelaySeconds: 10, periodSeconds: 20 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, initialDelaySeconds: 2, periodSeconds: 5 },
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1', memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              // A directory mount, not subPath: kubelet then updates the file when the ConfigMap changes.
              volumeMounts: [{ name: 'policy', mountPath: POLICY_DIR, readOnly: true }],
            },
          ],
          volumes: [
            {
              name: 'policy',
              // optional: the pod starts without the ConfigMap (or without the key).
              configMap: { name: POLICY_CONFIGMAP, optional: true, items: [{ key: POLICY_KEY, path: POLICY_KEY }] },
            },
          ],
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The Kustomize layout (operator/deploy/{base,crds,cluster-wide,namespaced})
//
// The same builders as above, written as Kustomize files: namespaced objects carry no namespace
// (the kustomization's `namespace:` sets it), and what must follow the operator's namespace but
// which `namespace:` does not touch (binding subjects, the Nodes binding's name, the Namespace
// object) is the variable $(K0SMOTRON_OPERATOR_NAMESPACE), read from the ServiceAccount. `bases:`
// and `vars:` because the kustomize inside kubectl 1.20 knows nothing newer; kustomize 5 still
// builds them (with a deprecation warning).

/** Kustomize variable for the operator's namespace (taken from its ServiceAccount). */
export const NAMESPACE_VAR = 'K0SMOTRON_OPERATOR_NAMESPACE';
const NS_REF = `$(${NAMESPACE_VAR})`;
const KUSTOMIZE_API = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };
/** Where the namespaced overlay puts the operator until a team sets its own namespace. */
export const NAMESPACED_EXAMPLE_NAMESPACE = 'team-a';
const LAYOUT = 'operator/deploy';

/** Fields the variable may appear in (kustomize substitutes only listed fields). */
const VAR_REFERENCES = {
  varReference: [
    { kind: 'RoleBinding', path: 'subjects/namespace' },
    { kind: 'ClusterRoleBinding', path: 'subjects/namespace' },
    { kind: 'ClusterRoleBinding', path: 'metadata/name' },
    { kind: 'Namespace', path: 'metadata/name' },
  ],
};

/** A namespaced object as a Kustomize resource: no `metadata.namespace`. */
function unnamespaced(o: Obj): Obj {
  const m = o.metadata as Record<string, unknown>;
  if (!('namespace' in m)) return o;
  const { namespace: _dropped, ...rest } = m;
  return { ...o, metadata: rest };
}

function layoutFile(dir: string, name: string, header: string, objects: object[]): { path: string; content: string } {
  return { path: `${LAYOUT}/${dir}/${name}`, content: renderYaml(header + GENERATED, objects) };
}

function kustomization(dir: string, header: string, k: Record<string, unknown>): { path: string; content: string } {
  return {
    path: `${LAYOUT}/${dir}/kustomization.yaml`,
    content: header + GENERATED + stringify({ ...KUSTOMIZE_API, ...k }, { lineWidth: 0, aliasDuplicateObjects: false }),
  };
}

/** The layout's files, relative to the repository root. */
export function kustomizeFiles(): Array<{ path: string; content: string }> {
  const [serviceAccount, leaseRole, leaseBinding, service, deploy] = baseObjects(NS_REF, { image: IMAGE_NAME }).map(unnamespaced);
  const crds = crdObjects() as Array<{ metadata: { name: string } }>;
  const varConfig = (dir: string) => ({
    path: `${LAYOUT}/${dir}/kustomizeconfig.yaml`,
    content: `# The fields kustomize substitutes $(${NAMESPACE_VAR}) in.\n${GENERATED}${stringify(VAR_REFERENCES)}`,
  });
  return [
    kustomization('base', '# The operator without its RBAC: ServiceAccount, Lease Role, metrics Service, Deployment.\n', {
      namespace: INSTALL_NAMESPACE,
      resources: ['service-account.yaml', 'leader-election-rbac.yaml', 'metrics-service.yaml', 'deployment.yaml'],
      // The one place the image is named; the tag is operator/package.json's version.
      images: [{ name: IMAGE_NAME, newName: IMAGE_NAME, newTag: OPERATOR_VERSION }],
      vars: [{ name: NAMESPACE_VAR, objref: { apiVersion: 'v1', kind: 'ServiceAccount', name: OPERATOR_NAME }, fieldref: { fieldpath: 'metadata.namespace' } }],
      configurations: ['kustomizeconfig.yaml'],
    }),
    varConfig('base'),
    layoutFile('base', 'service-account.yaml', '', [serviceAccount!]),
    layoutFile('base', 'leader-election-rbac.yaml', "# Leader election on one Lease in the operator's namespace.\n", [leaseRole!, leaseBinding!]),
    layoutFile('base', 'metrics-service.yaml', '', [service!]),
    layoutFile('base', 'deployment.yaml', '# The image is set by images: in kustomization.yaml.\n', [deploy!]),
    kustomization('crds', "# k0smotron's CustomResourceDefinitions only (cluster-scoped, shared by every install).\n", {
      resources: crds.map(c => `${c.metadata.name}.yaml`),
    }),
    ...crds.map(c => layoutFile('crds', `${c.metadata.name}.yaml`, '', [c])),
    kustomization('cluster-wide', '# CRDs, the namespace and the operator serving every namespace (one ClusterRole).\n', {
      bases: ['../crds', '../base'],
      resources: ['namespace.yaml', 'rbac.yaml'],
      configurations: ['kustomizeconfig.yaml'],
    }),
    varConfig('cluster-wide'),
    layoutFile('cluster-wide', 'namespace.yaml', "# Named after the operator's namespace (the kustomization's namespace:).\n", [namespaceObject(NS_REF)]),
    layoutFile('cluster-wide', 'rbac.yaml', '# The rules of every namespace, and Nodes.\n', clusterWideRbac(NS_REF)),
    kustomization(
      'namespaced',
      '# The operator serving only its own namespace: Roles there, one read-only ClusterRole for Nodes.\n# Needs the CRDs (../crds) and the namespace to exist.\n',
      {
        namespace: NAMESPACED_EXAMPLE_NAMESPACE,
        bases: ['../base'],
        resources: ['rbac.yaml'],
        patchesStrategicMerge: ['watch-own-namespace.yaml'],
        configurations: ['kustomizeconfig.yaml'],
      },
    ),
    varConfig('namespaced'),
    layoutFile(
      'namespaced',
      'rbac.yaml',
      "# The operator's rules in its own namespace; Nodes are cluster-scoped, so no Role can grant them.\n",
      ownNamespaceRbac(NS_REF).map(unnamespaced),
    ),
    layoutFile('namespaced', 'watch-own-namespace.yaml', "# Serve the pod's own namespace only.\n", [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: OPERATOR_NAME },
        spec: { template: { spec: { containers: [{ name: CONTAINER, env: [WATCH_OWN_NAMESPACE_ENV] }] } } },
      },
    ]),
  ];
}

export interface BackstageRbacOptions {
  /** Backstage's ServiceAccount. Default `backstage/backstage`. */
  serviceAccount?: Subject;
  /** `managementClusters[].namespaces`; undefined = all (ClusterRoles). */
  namespaces?: string[];
  /** Include what the embedded reconciler needs (`k0smotron.reconciler.enabled`). Default true. */
  reconciler?: boolean;
  /** `k0smotron.reconciler.lease.namespace`; default `k0smotron`, the operator's own Lease. */
  leaseNamespace?: string;
}

export const BACKSTAGE_API_ROLE = 'k0smotron-backstage';
export const BACKSTAGE_RECONCILER_ROLE = 'k0smotron-backstage-reconciler';

/**
 * RBAC for Backstage's service account: the REST API's role, and (if the reconciler is embedded)
 * exactly the operator's roles under other names. No ServiceAccount or Namespace objects: they
 * belong to Backstage's own deployment and the operator install, and `kubectl delete -f` of
 * this file must not take them along.
 */
export function backstageRbacObjects(opts: BackstageRbacOptions = {}): object[] {
  const sa = opts.serviceAccount ?? { namespace: 'backstage', name: 'backstage' };
  const labels = { 'app.kubernetes.io/name': 'k0smotron', 'app.kubernetes.io/component': 'backstage' };
  const served = opts.namespaces;
  if (served && served.length === 0) throw new Error('a namespaced Backstage RBAC serves at least one namespace');
  // Binding names carry the subject, so two Backstage installs never overwrite each other's binding.
  const binding = (name: string) => `${name}:${sa.namespace}:${sa.name}`;
  const objs = grant(BACKSTAGE_API_ROLE, sa, backstageApiRules(), served, labels, binding(BACKSTAGE_API_ROLE));
  if (opts.reconciler ?? true) {
    objs.push(
      ...grant(BACKSTAGE_RECONCILER_ROLE, sa, served ? namespacedRules() : clusterRoleRules(), served, labels, binding(BACKSTAGE_RECONCILER_ROLE)),
      ...(served ? grant(`${BACKSTAGE_RECONCILER_ROLE}-nodes`, sa, nodeRules(), undefined, labels, binding(`${BACKSTAGE_RECONCILER_ROLE}-nodes`)) : []),
      ...grant(
        `${BACKSTAGE_RECONCILER_ROLE}-leader-election`,
        sa,
        leaseRoleRules(),
        [opts.leaseNamespace ?? INSTALL_NAMESPACE],
        labels,
        binding(`${BACKSTAGE_RECONCILER_ROLE}-leader-election`),
      ),
    );
  }
  return objs;
}

// ---------------------------------------------------------------------------------------------
// Files

export function renderYaml(header: string, objects: object[]): string {
  return header + objects.map(o => '---\n' + stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('');
}

const GENERATED = '# Generated by operator/scripts/generate-install.ts from crds/src and operator/src/deploy. Do not edit.\n';

export const INSTALL_HEADER =
  '# k0smotron: CRDs, namespace, RBAC and the operator. Apply: kubectl apply -f operator/deploy/install.yaml\n' +
  '# The same objects as `kubectl kustomize operator/deploy/cluster-wide`.\n' +
  GENERATED;

export function renderInstallYaml(): string {
  return renderYaml(INSTALL_HEADER, installObjects());
}

/** Example namespaces of the committed Backstage files; teams generate their own (see the README). */
export const EXAMPLE_NAMESPACES = ['team-a', 'team-b'];

/** The committed install-namespaced.yaml: the namespaced overlay, rendered. */
export function renderOwnNamespaceInstallYaml(namespace = NAMESPACED_EXAMPLE_NAMESPACE): string {
  return renderYaml(
    `# k0smotron operator in namespace ${namespace}, serving that namespace only (Roles; one read-only ClusterRole for Nodes).\n` +
      `# The same objects as \`kubectl kustomize operator/deploy/namespaced\`. Needs the CRDs (operator/deploy/crds) and the namespace\n` +
      `# to exist. Another namespace: an overlay of operator/deploy/namespaced with namespace: (operator/README.md).\n` +
      GENERATED,
    ownNamespaceInstallObjects(namespace),
  );
}

/** One operator serving several namespaces (`--variant namespaced`; no Kustomize overlay for this). */
export function renderNamespacedInstallYaml(opts: { namespace?: string; namespaces: string[] }): string {
  const ns = opts.namespace ?? INSTALL_NAMESPACE;
  return renderYaml(
    `# k0smotron operator serving namespaces ${opts.namespaces.join(', ')} (Roles only; one read-only ClusterRole for Nodes).\n` +
      `# Needs the CRDs (crds/*.yaml) and the served namespaces to exist. The operator runs in namespace ${ns}.\n` +
      `# Other namespaces: npx tsx operator/scripts/generate-install.ts --variant namespaced --namespaces a,b [--operator-namespace ns]\n` +
      GENERATED,
    installObjects({ namespace: ns, namespaces: opts.namespaces }),
  );
}

export function renderBackstageRbacYaml(opts: BackstageRbacOptions = {}): string {
  const sa = opts.serviceAccount ?? { namespace: 'backstage', name: 'backstage' };
  return renderYaml(
    `# RBAC for Backstage's service account ${sa.namespace}/${sa.name} with @k0smotron/plugin-k0smotron-backend` +
      `${opts.namespaces ? `, serving namespaces ${opts.namespaces.join(', ')}` : ', serving every namespace'}.\n` +
      `# ${BACKSTAGE_API_ROLE}: the REST API, catalog and scaffolder modules. ${BACKSTAGE_RECONCILER_ROLE}*: the embedded reconciler\n` +
      `# (the operator's own rules)${opts.reconciler === false ? ' - left out here' : `; drop them if k0smotron.reconciler.enabled is false`}.\n` +
      `# Other names: npx tsx operator/scripts/generate-install.ts --variant backstage --service-account ns/name [--namespaces a,b] [--no-reconciler]\n` +
      GENERATED,
    backstageRbacObjects(opts),
  );
}

/** The committed generated files, relative to the repository root, and their contents. */
export function generatedFiles(): Array<{ path: string; content: string }> {
  return [
    { path: 'operator/deploy/install.yaml', content: renderInstallYaml() },
    { path: 'operator/deploy/install-namespaced.yaml', content: renderOwnNamespaceInstallYaml() },
    ...kustomizeFiles(),
    { path: 'plugins/k0smotron-backend/deploy/rbac.yaml', content: renderBackstageRbacYaml() },
    { path: 'plugins/k0smotron-backend/deploy/rbac-namespaced.yaml', content: renderBackstageRbacYaml({ namespaces: EXAMPLE_NAMESPACES }) },
  ];
}

export type GenerateRequest = { kind: 'committed' } | { kind: 'help' } | { kind: 'print'; yaml: string };

export const GENERATE_USAGE = `Usage: npx tsx operator/scripts/generate-install.ts [--variant cluster|namespaced|backstage] [flags]

Without flags: rewrites the committed files (the Kustomize layout, install.yaml, install-namespaced.yaml, Backstage rbac*.yaml).
With --variant: prints one variant to stdout.
  --variant cluster       [--operator-namespace NS]
  --variant namespaced    --namespaces a,b [--operator-namespace NS]
  --variant backstage     [--service-account NS/NAME] [--namespaces a,b] [--lease-namespace NS] [--no-reconciler]
`;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
function checkName(value: string, flag: string): string {
  if (!NAME.test(value) || value.length > 63) throw new Error(`${flag}: "${value}" is not a valid namespace or name`);
  return value;
}

/** Parses the generator's flags (pure, unit-tested). */
export function parseGenerateArgs(argv: string[]): GenerateRequest {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return { kind: 'help' };
    if (a === '--no-reconciler') {
      flags.set('reconciler', 'false');
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument "${a}"\n${GENERATE_USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    flags.set(m[1]!, value);
  }
  if (flags.size === 0) return { kind: 'committed' };
  const known = ['variant', 'operator-namespace', 'namespaces', 'service-account', 'lease-namespace', 'reconciler'];
  for (const f of flags.keys()) if (!known.includes(f)) throw new Error(`unknown flag --${f}\n${GENERATE_USAGE}`);
  const str = (f: string) => {
    const v = flags.get(f);
    return typeof v === 'string' ? v : undefined;
  };
  const list = str('namespaces')
    ?.split(',')
    .map(s => s.trim())
    .filter(Boolean)
    .map(s => checkName(s, '--namespaces'));
  const opNs = str('operator-namespace') && checkName(str('operator-namespace')!, '--operator-namespace');
  switch (str('variant')) {
    case 'cluster':
      if (list) throw new Error('--variant cluster serves every namespace; use --variant namespaced with --namespaces');
      return { kind: 'print', yaml: renderYaml(INSTALL_HEADER, installObjects({ namespace: opNs || undefined })) };
    case 'namespaced':
      if (!list?.length) throw new Error('--variant namespaced needs --namespaces a,b');
      return { kind: 'print', yaml: renderNamespacedInstallYaml({ namespace: opNs || undefined, namespaces: list }) };
    case 'backstage': {
      const saText = str('service-account') ?? 'backstage/backstage';
      const [saNs, saName, extra] = saText.split('/');
      if (!saNs || !saName || extra !== undefined) throw new Error(`--service-account "${saText}" is not NAMESPACE/NAME`);
      const lease = str('lease-namespace');
      return {
        kind: 'print',
        yaml: renderBackstageRbacYaml({
          serviceAccount: { namespace: checkName(saNs, '--service-account'), name: checkName(saName, '--service-account') },
          namespaces: list?.length ? list : undefined,
          reconciler: str('reconciler') !== 'false',
          leaseNamespace: lease ? checkName(lease, '--lease-namespace') : undefined,
        }),
      };
    }
    default:
      throw new Error(`--variant must be cluster, namespaced or backstage\n${GENERATE_USAGE}`);
  }
}
