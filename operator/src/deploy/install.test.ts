import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { clusterRoleRules, leaseRoleRules, renderInstallYaml } from './install';

const FILE = join(__dirname, '../../deploy/install.yaml');

describe('operator/deploy/install.yaml', () => {
  it('is up to date with its generator and the CRD schemas', () => {
    const onDisk = readFileSync(FILE, 'utf8');
    if (onDisk !== renderInstallYaml()) {
      throw new Error('operator/deploy/install.yaml is stale. Run: npx tsx operator/scripts/generate-install.ts');
    }
  });

  it('grants no wildcard and no pods/exec', () => {
    for (const rule of [...clusterRoleRules(), ...leaseRoleRules()]) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
      expect(rule.resources.some(r => r.startsWith('pods'))).toBe(false);
    }
  });

  it('has the CRDs, namespace, RBAC and a probed, non-root, read-only Deployment', () => {
    const docs = parseAllDocuments(renderInstallYaml()).map(d => d.toJSON() as { kind: string; metadata: { name: string }; spec?: any }); // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads nested YAML
    const kinds = docs.map(d => `${d.kind}/${d.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining([
      'CustomResourceDefinition/clusters.k0smotron.io', 'CustomResourceDefinition/jointokenrequests.k0smotron.io',
      'CustomResourceDefinition/k0smotronclusters.k0smotron.io', 'Namespace/k0smotron', 'ServiceAccount/k0smotron-operator',
      'ClusterRole/k0smotron-operator', 'ClusterRoleBinding/k0smotron-operator', 'Deployment/k0smotron-operator',
    ]));
    const deploy = docs.find(d => d.kind === 'Deployment')!;
    const c = deploy.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(deploy.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.resources.limits.memory).toBeDefined();
  });
});
