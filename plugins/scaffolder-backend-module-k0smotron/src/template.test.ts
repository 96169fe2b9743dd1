import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import type { ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import { createK0smotronClusterCreateAction } from './actions/createCluster';

const TEMPLATE = path.resolve(__dirname, '../../../examples/templates/k0smotron-cluster/template.yaml');

describe('examples/templates/k0smotron-cluster', () => {
  const template = YAML.parse(fs.readFileSync(TEMPLATE, 'utf8'));
  // The action's schema only; no cluster is touched.
  const action = createK0smotronClusterCreateAction({
    managementClusters: {} as ManagementClustersService,
    permissions: mockServices.permissions(),
    userInfo: mockServices.userInfo(),
  });

  it('is a v1beta3 Template whose step uses k0smotron:cluster:create with inputs the action knows', () => {
    expect(template.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
    expect(template.kind).toBe('Template');
    const step = template.spec.steps.find((s: { action: string }) => s.action === 'k0smotron:cluster:create');
    const known = Object.keys((action.schema?.input as { properties: object }).properties);
    expect(Object.keys(step.input).filter(k => !known.includes(k))).toEqual([]);
  });

  it('links to the catalog entity the action outputs, and every referenced parameter exists', () => {
    expect(template.spec.output.links[0]).toMatchObject({ entityRef: '${{ steps.cluster.output.entityRef }}' });
    const declared = new Set<string>();
    const collect = (node: unknown) => {
      if (!node || typeof node !== 'object') return;
      const props = (node as { properties?: Record<string, unknown> }).properties;
      if (props) Object.keys(props).forEach(k => declared.add(k));
      Object.values(node).forEach(collect);
    };
    collect(template.spec.parameters);
    const used = [...JSON.stringify(template.spec).matchAll(/parameters\.([A-Za-z]+)/g)].map(m => m[1]);
    expect(used.filter(u => !declared.has(u))).toEqual([]);
  });
});
