import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { clusterCrd, crdFiles, crdToYaml, joinTokenRequestCrd, k0smotronClusterCrd, type JsonSchema } from './crd';

describe('generated CRD files', () => {
  it.each(Object.keys(crdFiles()))('crds/%s is up to date', file => {
    const onDisk = readFileSync(join(__dirname, '..', file), 'utf8');
    const expected = crdToYaml(crdFiles()[file]);
    if (onDisk !== expected) {
      throw new Error(`crds/${file} is stale: the schemas in crds/src changed. Run: npm run generate -w @k0smotron/api`);
    }
    expect(parse(onDisk)).toEqual(JSON.parse(JSON.stringify(crdFiles()[file])));
  });
});

/** Every node of a schema, with its path. */
function* nodes(schema: unknown, path = ''): Generator<[string, JsonSchema]> {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as JsonSchema;
  yield [path, s];
  for (const [k, v] of Object.entries((s.properties as Record<string, unknown>) ?? {})) yield* nodes(v, `${path}.${k}`);
  if (s.items) yield* nodes(s.items, `${path}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') yield* nodes(s.additionalProperties, `${path}{}`);
  for (const k of ['anyOf', 'allOf', 'oneOf']) for (const [i, v] of ((s[k] as unknown[]) ?? []).entries()) yield* nodes(v, `${path}/${k}${i}`);
}

describe('structural schemas', () => {
  const all = [clusterCrd(), joinTokenRequestCrd(), k0smotronClusterCrd()];
  it('carry no validator-only keywords (kubectl 1.20 rejects unknown JSONSchemaProps fields)', () => {
    for (const crd of all) {
      const text = JSON.stringify(crd);
      expect(text).not.toContain('x-k0smotron-unsupported');
      expect(text).not.toContain('x-kubernetes-validations');
    }
  });
  it('give every node a type unless it is int-or-string or inside anyOf', () => {
    for (const crd of all) {
      for (const v of crd.spec.versions) {
        for (const [path, node] of nodes(v.schema.openAPIV3Schema)) {
          if (path.includes('/anyOf') || node['x-kubernetes-int-or-string']) continue;
          expect({ path, type: node.type }).toEqual({ path, type: expect.any(String) });
        }
      }
    }
  });
});

describe('clusters.k0smotron.io', () => {
  const crd = clusterCrd();
  it('serves v1beta2 (storage) and v1beta1 with the same schema and no conversion', () => {
    expect(crd.spec.names).toMatchObject({ kind: 'Cluster', plural: 'clusters', shortNames: ['kmc'] });
    expect(crd.spec.versions.map(v => [v.name, v.served, v.storage])).toEqual([
      ['v1beta2', true, true],
      ['v1beta1', true, false],
    ]);
    expect(crd.spec.versions[0].schema).toEqual(crd.spec.versions[1].schema);
    expect(crd.spec.conversion).toEqual({ strategy: 'None' });
  });
  it('has status and scale subresources and the printer columns', () => {
    expect(crd.spec.versions[0].subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    const visible = crd.spec.versions[0].additionalPrinterColumns!.filter(c => !c.priority).map(c => c.name.toUpperCase());
    expect(visible).toEqual(['READY', 'REPLICAS', 'VERSION', 'SERVICE', 'ENDPOINT', 'WORKERS', 'AGE']);
  });
  it('limits metadata.name to 63 DNS-1123 characters (a label value) and defaults spec as upstream', () => {
    const root = crd.spec.versions[0].schema.openAPIV3Schema as { properties: Record<string, JsonSchema> };
    expect(root.properties.metadata).toMatchObject({ properties: { name: { maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } } });
    expect(root.properties.spec.default).toEqual({ service: { type: 'NodePort' } });
  });
});

describe('jointokenrequests.k0smotron.io and k0smotronclusters.k0smotron.io', () => {
  it('jtr columns', () => {
    const crd = joinTokenRequestCrd();
    expect(crd.spec.names.shortNames).toEqual(['jtr']);
    expect(crd.spec.versions.map(v => v.name)).toEqual(['v1beta2', 'v1beta1']);
    expect(crd.spec.versions[0].additionalPrinterColumns!.map(c => c.name.toUpperCase())).toEqual(['CLUSTER', 'ROLE', 'EXPIRES', 'AGE']);
  });
  it('K0smotronCluster is v1beta1 only with a nullable Cluster spec', () => {
    const crd = k0smotronClusterCrd();
    expect(crd.spec.versions.map(v => v.name)).toEqual(['v1beta1']);
    const spec = (crd.spec.versions[0].schema.openAPIV3Schema as { properties: Record<string, JsonSchema> }).properties.spec;
    expect(spec.nullable).toBe(true);
    expect(spec.properties).toEqual(
      (clusterCrd().spec.versions[0].schema.openAPIV3Schema as { properties: Record<string, JsonSchema> }).properties.spec.properties,
    );
  });
});
