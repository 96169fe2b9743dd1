import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_JOIN_TOKEN_EXPIRY } from '../constants';
import { Conditions, DNS1123_LABEL_PATTERN, GO_DURATION_PATTERN, ObjectMeta } from './common';

export type JoinRole = 'worker' | 'controller';
export const JOIN_ROLES: readonly JoinRole[] = ['worker', 'controller'];

export const JoinTokenRequestSpec = Type.Unsafe<{
  clusterName?: string;
  clusterRef?: { name: string; namespace?: string };
  expiry?: string;
  role?: JoinRole;
}>({
  type: 'object',
  description: 'A request for a k0s join token of one Cluster.',
  properties: {
    clusterName: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      pattern: DNS1123_LABEL_PATTERN,
      description: 'The Cluster in the same namespace.',
    },
    clusterRef: {
      type: 'object',
      required: ['name'],
      description: 'The Cluster by name and namespace (v1beta1 form, still accepted).',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL_PATTERN },
        namespace: { type: 'string', maxLength: 63, pattern: DNS1123_LABEL_PATTERN },
      },
    },
    expiry: {
      type: 'string',
      default: DEFAULT_JOIN_TOKEN_EXPIRY,
      pattern: GO_DURATION_PATTERN,
      description: 'How long the token works (Go duration, e.g. 1h or 24h); 0s means it never expires.',
    },
    role: {
      type: 'string',
      enum: [...JOIN_ROLES],
      default: 'worker',
      description: 'worker or controller.',
    },
  },
  anyOf: [{ required: ['clusterName'] }, { required: ['clusterRef'] }],
});
export type JoinTokenRequestSpec = Static<typeof JoinTokenRequestSpec>;

export const JoinTokenRequestStatus = Type.Object({
  tokenID: Type.Optional(Type.String()),
  expiration: Type.Optional(Type.String({ description: 'When the token stops working (RFC 3339); absent when it never does.' })),
  cluster: Type.Optional(Type.String({ description: 'The resolved Cluster, as namespace/name.' })),
  clusterUID: Type.Optional(Type.String()),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions),
  reconciliationStatus: Type.Optional(Type.String()),
});
export type JoinTokenRequestStatus = Static<typeof JoinTokenRequestStatus>;

export const JoinTokenRequest = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  metadata: ObjectMeta,
  spec: JoinTokenRequestSpec,
  status: Type.Optional(JoinTokenRequestStatus),
});
export type JoinTokenRequest = Static<typeof JoinTokenRequest>;
