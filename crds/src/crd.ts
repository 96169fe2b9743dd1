// The CustomResourceDefinitions (apiextensions.k8s.io/v1), built from the same TypeBox schemas
// the TypeScript validator uses. `crds/*.yaml` are written from here by scripts/generate-crds.ts.
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import {
  CLUSTER_KIND,
  CLUSTER_PLURAL,
  CLUSTER_SHORT_NAME,
  GROUP,
  JOIN_TOKEN_REQUEST_KIND,
  JOIN_TOKEN_REQUEST_PLURAL,
  JOIN_TOKEN_REQUEST_SHORT_NAME,
  K0SMOTRON_CLUSTER_KIND,
  K0SMOTRON_CLUSTER_PLURAL,
  MAX_CLUSTER_NAME_LENGTH,
  CLUSTER_NAME_LIMIT_REASON,
  V1BETA1,
  V1BETA2,
} from './constants';
import { ClusterSpec, ClusterStatus } from './schema/cluster';
import { DNS1123_LABEL_PATTERN } from './schema/common';
import { JoinTokenRequestSpec, JoinTokenRequestStatus } from './schema/jointokenrequest';

export type JsonSchema = { [key: string]: unknown };

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: JsonSchema };
  subresources?: {
    status?: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    conversion: { strategy: 'None' };
    versions: CrdVersion[];
  };
}

/**
 * Keywords that exist only for our TypeScript validator. kube-apiserver 1.20 does not know
 * them (kubectl 1.20's client-side validation rejects a CRD that carries them), so they are
 * stripped. `x-kubernetes-validations` (CEL) goes too: 1.20 has no CEL, and the rules we
 * would express with it are enforced by the schema itself (see NotSupported) and the validator.
 */
export const VALIDATOR_ONLY_KEYWORDS = ['x-k0smotron-unsupported', 'x-kubernetes-validations', '$id', '$schema'];

/** A TypeBox schema as plain structural OpenAPI: no symbols, no validator-only keywords. */
export function toCrdSchema(schema: TSchema | JsonSchema): JsonSchema {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    // Object.keys skips TypeBox's symbol-keyed internals.
    for (const key of Object.keys(node)) {
      if (VALIDATOR_ONLY_KEYWORDS.includes(key)) continue;
      const value = (node as JsonSchema)[key];
      // `default` and `enum` hold data, not schemas: copy them as they are.
      out[key] = key === 'default' || key === 'enum' ? JSON.parse(JSON.stringify(value)) : strip(value);
    }
    return out;
  };
  return strip(schema) as JsonSchema;
}

const LABELS = { 'app.kubernetes.io/name': 'k0smotron', 'app.kubernetes.io/part-of': 'k0smotron' };
const CATEGORIES = ['k0smotron'];

function rootSchema(opts: { description: string; spec: JsonSchema; status: JsonSchema; metadata?: JsonSchema; specRequired?: boolean }): JsonSchema {
  return {
    type: 'object',
    description: opts.description,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: opts.metadata ?? { type: 'object' },
      spec: opts.spec,
      status: opts.status,
    },
    ...(opts.specRequired ? { required: ['spec'] } : {}),
  };
}

const clusterMetadata: JsonSchema = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      maxLength: MAX_CLUSTER_NAME_LENGTH,
      pattern: DNS1123_LABEL_PATTERN,
      description: `At most ${MAX_CLUSTER_NAME_LENGTH} characters, ${CLUSTER_NAME_LIMIT_REASON}. Longer generated object names are shortened.`,
    },
  },
};

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const CLUSTER_PRINTER_COLUMNS: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Available")].status',
    description: 'Status of the Available condition.',
  },
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired control-plane replicas.' },
  { name: 'Ready-Replicas', type: 'integer', jsonPath: '.status.readyReplicas', priority: 1 },
  { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'k0s version.' },
  { name: 'Service', type: 'string', jsonPath: '.spec.service.type', description: 'How the API is exposed.' },
  { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', description: 'API URL for workers and users.' },
  { name: 'Workers', type: 'integer', jsonPath: '.status.workers.ready', description: 'Worker nodes Ready in the control plane.' },
  { name: 'Workers-Total', type: 'integer', jsonPath: '.status.workers.total', priority: 1, description: 'Worker nodes registered.' },
  AGE,
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].reason', priority: 1 },
];

export const JOIN_TOKEN_REQUEST_PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Cluster', type: 'string', jsonPath: '.status.cluster', description: 'The Cluster, as namespace/name.' },
  { name: 'Role', type: 'string', jsonPath: '.spec.role' },
  // A string, not a date: kubectl prints future dates as <invalid>.
  { name: 'Expires', type: 'string', jsonPath: '.status.expiration', description: 'When the token stops working.' },
  AGE,
];

function clusterVersion(name: string, storage: boolean, spec: JsonSchema): CrdVersion {
  return {
    name,
    served: true,
    storage,
    schema: {
      openAPIV3Schema: rootSchema({
        description: 'A Kubernetes control plane (k0s) run as pods in this cluster.',
        spec,
        status: toCrdSchema(ClusterStatus),
        metadata: clusterMetadata,
      }),
    },
    subresources: {
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    },
    additionalPrinterColumns: CLUSTER_PRINTER_COLUMNS,
  };
}

/** The envelope every CRD of the API shares: namespaced, in the k0smotron category, no conversion. */
function namespacedCrd(kind: string, plural: string, shortNames: string[], versions: CrdVersion[]): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}`, labels: LABELS },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        ...(shortNames.length ? { shortNames } : {}),
        categories: CATEGORIES,
      },
      // Versions of one kind share one schema, so objects need no conversion.
      conversion: { strategy: 'None' },
      versions,
    },
  };
}

/** `clusters.k0smotron.io` (kmc): v1beta2 stored, v1beta1 served, the same superset schema. */
export function clusterCrd(): CustomResourceDefinition {
  const spec = toCrdSchema(ClusterSpec);
  return namespacedCrd(CLUSTER_KIND, CLUSTER_PLURAL, [CLUSTER_SHORT_NAME], [clusterVersion(V1BETA2, true, spec), clusterVersion(V1BETA1, false, spec)]);
}

function joinTokenRequestVersion(name: string, storage: boolean): CrdVersion {
  return {
    name,
    served: true,
    storage,
    schema: {
      openAPIV3Schema: rootSchema({
        description: 'A request for a k0s join token of a Cluster; the token is written to a Secret of the same name.',
        spec: toCrdSchema(JoinTokenRequestSpec),
        status: toCrdSchema(JoinTokenRequestStatus),
        specRequired: true,
      }),
    },
    subresources: { status: {} },
    additionalPrinterColumns: JOIN_TOKEN_REQUEST_PRINTER_COLUMNS,
  };
}

/** `jointokenrequests.k0smotron.io` (jtr): v1beta2 stored, v1beta1 served. */
export function joinTokenRequestCrd(): CustomResourceDefinition {
  return namespacedCrd(
    JOIN_TOKEN_REQUEST_KIND,
    JOIN_TOKEN_REQUEST_PLURAL,
    [JOIN_TOKEN_REQUEST_SHORT_NAME],
    [joinTokenRequestVersion(V1BETA2, true), joinTokenRequestVersion(V1BETA1, false)],
  );
}

/** `k0smotronclusters.k0smotron.io`: a v1beta1 alias kind with a Cluster spec, kept for manifests that use it. */
export function k0smotronClusterCrd(): CustomResourceDefinition {
  // `spec: null` is kept (nullable) and the ClusterSpec-level default is not applied: the
  // operator reads this kind through normalizeClusterSpec, which defaults null like upstream.
  const { default: _specDefault, ...spec } = toCrdSchema(ClusterSpec);
  return namespacedCrd(
    K0SMOTRON_CLUSTER_KIND,
    K0SMOTRON_CLUSTER_PLURAL,
    [],
    [
      {
        name: V1BETA1,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: rootSchema({
            description: 'Alias of Cluster, kept for manifests that use this kind; the operator turns it into a Cluster of the same name.',
            spec: { ...spec, nullable: true },
            status: toCrdSchema(ClusterStatus),
            metadata: clusterMetadata,
          }),
        },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Service', type: 'string', jsonPath: '.spec.service.type' },
          { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint' },
          AGE,
        ],
      },
    ],
  );
}

/** Every CRD of the API, keyed by the file it is written to under `crds/`. */
export function crdFiles(): Record<string, CustomResourceDefinition> {
  return {
    'k0smotron.io_clusters.yaml': clusterCrd(),
    'k0smotron.io_jointokenrequests.yaml': joinTokenRequestCrd(),
    'k0smotron.io_k0smotronclusters.yaml': k0smotronClusterCrd(),
  };
}

export function allCrds(): CustomResourceDefinition[] {
  return Object.values(crdFiles());
}

export const GENERATED_HEADER =
  '# Generated from crds/src/schema by crds/scripts/generate-crds.ts. Do not edit.\n' + '# Regenerate: npm run generate -w @k0smotron/api\n';

export function crdToYaml(crd: CustomResourceDefinition): string {
  return GENERATED_HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false });
}
