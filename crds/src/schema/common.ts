import { Type, type TSchema, type Static, type TUnsafe } from '@sinclair/typebox';
import { unsupportedHint } from '../unsupported';

// Builders that keep every schema structural (what kube-apiserver requires of a CRD): no
// anyOf-typed unions, maps as `additionalProperties`, enums as plain string enums.

export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export function StringMap(options: Record<string, unknown> = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string' },
    ...options,
  });
}

/** An embedded Kubernetes type kept as-is: validated by the API server when applied. */
export function Embedded<T>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>({
    type: 'object',
    description,
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

export const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A resource.Quantity: "1Gi", "500m" or a bare number. */
export function Quantity(description: string): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    description,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
  });
}

export const ResourceRequirements = Type.Object(
  {
    limits: Type.Optional(
      Type.Unsafe<Record<string, string | number>>({
        type: 'object',
        additionalProperties: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          pattern: QUANTITY_PATTERN,
        },
      }),
    ),
    requests: Type.Optional(
      Type.Unsafe<Record<string, string | number>>({
        type: 'object',
        additionalProperties: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          pattern: QUANTITY_PATTERN,
        },
      }),
    ),
  },
  { description: 'Compute resources (requests and limits) of the container.' },
);
export type ResourceRequirements = Static<typeof ResourceRequirements>;

/** Go `time.ParseDuration` syntax, e.g. `24h`, `1h30m`, `0s`. */
export const GO_DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$';

export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** metav1.Condition */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
});
export type Condition = Static<typeof Condition>;

export const Conditions = Type.Array(Condition, {
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});

/**
 * A field this implementation does not run yet. The API accepts any object there (exported
 * upstream objects carry these as empty or disabled structs); whether the feature is switched on
 * is decided by `unsupportedFeatures()`. `x-k0smotron-unsupported` tells the TypeScript
 * validator not to look inside; crd.ts strips that keyword.
 */
export function NotSupported(field: string): TSchema {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    description: `${field} is not supported by this k0smotron yet (accepted and ignored unless switched on). ${unsupportedHint(field)}`,
    'x-kubernetes-preserve-unknown-fields': true,
    'x-k0smotron-unsupported': field,
  });
}

export const ObjectMeta = Type.Object({
  name: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  uid: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  resourceVersion: Type.Optional(Type.String()),
  creationTimestamp: Type.Optional(Type.String()),
  deletionTimestamp: Type.Optional(Type.String()),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(Type.Array(Type.Unsafe<OwnerReference>({ type: 'object' }))),
});
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
export type ObjectMeta = Static<typeof ObjectMeta>;
