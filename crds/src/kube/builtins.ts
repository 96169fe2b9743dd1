// The built-in kinds k0smotron reads and writes, with their resource names. Their paths have been
// the same in every Kubernetes release, so the request layer knows them without asking the
// server (a short-lived CLI run would otherwise pay a discovery request per API group).
import type {
  CoreV1Event,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1Deployment,
  V1Namespace,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1SelfSubjectReview,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';

/** The built-in kinds with a typed helper, by kind. */
export interface BuiltinKinds {
  Namespace: V1Namespace;
  Node: V1Node;
  Secret: V1Secret;
  ConfigMap: V1ConfigMap;
  Service: V1Service;
  ServiceAccount: V1ServiceAccount;
  Pod: V1Pod;
  PersistentVolumeClaim: V1PersistentVolumeClaim;
  Event: CoreV1Event;
  StatefulSet: V1StatefulSet;
  Deployment: V1Deployment;
  CustomResourceDefinition: V1CustomResourceDefinition;
  SelfSubjectReview: V1SelfSubjectReview;
}
export type BuiltinKind = keyof BuiltinKinds;

export interface BuiltinResource {
  apiVersion: string;
  /** The resource's plural name, as in its path and in RBAC rules. */
  plural: string;
  namespaced: boolean;
}

export const BUILTIN_RESOURCES: Readonly<Record<BuiltinKind, BuiltinResource>> = {
  Namespace: { apiVersion: 'v1', plural: 'namespaces', namespaced: false },
  Node: { apiVersion: 'v1', plural: 'nodes', namespaced: false },
  Secret: { apiVersion: 'v1', plural: 'secrets', namespaced: true },
  ConfigMap: { apiVersion: 'v1', plural: 'configmaps', namespaced: true },
  Service: { apiVersion: 'v1', plural: 'services', namespaced: true },
  ServiceAccount: { apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true },
  Pod: { apiVersion: 'v1', plural: 'pods', namespaced: true },
  PersistentVolumeClaim: { apiVersion: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  Event: { apiVersion: 'v1', plural: 'events', namespaced: true },
  StatefulSet: { apiVersion: 'apps/v1', plural: 'statefulsets', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments', namespaced: true },
  CustomResourceDefinition: { apiVersion: 'apiextensions.k8s.io/v1', plural: 'customresourcedefinitions', namespaced: false },
  SelfSubjectReview: { apiVersion: 'authentication.k8s.io/v1', plural: 'selfsubjectreviews', namespaced: false },
};

/** The built-in resource of an apiVersion and kind, or undefined for any other kind. */
export function builtinResource(apiVersion: string, kind: string): BuiltinResource | undefined {
  const r = (BUILTIN_RESOURCES as Readonly<Record<string, BuiltinResource>>)[kind];
  return r && r.apiVersion === apiVersion ? r : undefined;
}
