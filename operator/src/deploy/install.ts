// The one-file install (`kubectl apply -f operator/deploy/install.yaml`): CRDs, namespace,
// service account, least-privilege RBAC and the operator Deployment. Pure: the script writes it,
// a unit test checks the committed file is not stale.
import { allCrds } from '@k0smotron/api';
import { stringify } from 'yaml';

export const INSTALL_NAMESPACE = 'k0smotron';
export const OPERATOR_NAME = 'k0smotron-operator';
export const OPERATOR_IMAGE = 'k0smotron-operator:0.1.0';
export const METRICS_PORT = 8080;

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

const READ = ['get', 'list', 'watch'];
const OWN = [...READ, 'create', 'update', 'patch', 'delete'];

/**
 * Exactly what the controllers touch. No wildcards and no pods/exec: tokens and kubeconfigs are
 * made from the PKI, never by exec into a control-plane pod.
 */
export function clusterRoleRules(): Rule[] {
  return [
    // Clusters: reconciled; created/updated from K0smotronClusters.
    { apiGroups: ['k0smotron.io'], resources: ['clusters'], verbs: [...READ, 'create', 'update', 'patch'] },
    { apiGroups: ['k0smotron.io'], resources: ['jointokenrequests'], verbs: [...READ, 'update', 'patch', 'delete'] },
    { apiGroups: ['k0smotron.io'], resources: ['k0smotronclusters'], verbs: [...READ, 'update', 'patch'] },
    {
      apiGroups: ['k0smotron.io'],
      resources: ['clusters/status', 'jointokenrequests/status', 'k0smotronclusters/status'],
      verbs: ['get', 'update', 'patch'],
    },
    // Owner references with blockOwnerDeletion and finalizers need update on */finalizers.
    {
      apiGroups: ['k0smotron.io'],
      resources: ['clusters/finalizers', 'jointokenrequests/finalizers', 'k0smotronclusters/finalizers'],
      verbs: ['update'],
    },
    { apiGroups: [''], resources: ['services', 'configmaps', 'secrets'], verbs: OWN },
    { apiGroups: ['apps'], resources: ['statefulsets'], verbs: OWN },
    // PVCs come from volumeClaimTemplates; for autoDeletePVCs the operator adds or removes the
    // Cluster's owner reference (patch) or deletes them. It never creates them.
    { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: [...READ, 'patch', 'delete'] },
    // NodePort endpoints: a Ready node's address.
    { apiGroups: [''], resources: ['nodes'], verbs: READ },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

/** Leader election: one Lease in the operator's own namespace (a Role, not cluster-wide). */
export function leaseRoleRules(): Rule[] {
  return [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
}

export function installObjects(): object[] {
  const labels = { 'app.kubernetes.io/name': 'k0smotron', 'app.kubernetes.io/component': 'operator' };
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: INSTALL_NAMESPACE } : {}), labels });
  const crds = allCrds().map(c => JSON.parse(JSON.stringify(c)) as object);
  return [
    ...crds,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INSTALL_NAMESPACE, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(OPERATOR_NAME) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(OPERATOR_NAME, false), rules: clusterRoleRules() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(OPERATOR_NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_NAME },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: INSTALL_NAMESPACE }],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`${OPERATOR_NAME}-leader-election`), rules: leaseRoleRules() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(`${OPERATOR_NAME}-leader-election`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${OPERATOR_NAME}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: INSTALL_NAMESPACE }],
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta(`${OPERATOR_NAME}-metrics`),
      spec: { selector: labels, ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(OPERATOR_NAME),
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: OPERATOR_NAME,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            terminationGracePeriodSeconds: 40,
            containers: [{
              name: 'operator',
              image: OPERATOR_IMAGE,
              args: ['--leader-elect', `--metrics-address=:${METRICS_PORT}`, '--log-level=info'],
              env: [
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
            }],
          },
        },
      },
    },
  ];
}

export const INSTALL_HEADER =
  '# k0smotron: CRDs, namespace, RBAC and the operator. Apply: kubectl apply -f operator/deploy/install.yaml\n' +
  '# Generated by operator/scripts/generate-install.ts from crds/src and operator/src/deploy. Do not edit.\n';

export function renderInstallYaml(): string {
  return INSTALL_HEADER + installObjects().map(o => '---\n' + stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('');
}
