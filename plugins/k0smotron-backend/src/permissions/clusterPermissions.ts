import type { BackstageCredentials, PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult, type PermissionCondition, type PermissionCriteria, type ResourcePermission } from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
  type PermissionRuleset,
} from '@backstage/plugin-permission-node';
import { K0SMOTRON_CLUSTER_RESOURCE_TYPE, formatClusterAnnotation } from '@k0smotron/plugin-k0smotron-common';
import { z } from 'zod';
import { normalizeEntityRef } from '../service/managementClusters';

/**
 * What a permission rule sees of a Cluster: where it lives and its trusted owner. Kept this small
 * on purpose, so a rule can be checked on a Cluster that does not exist yet (create).
 */
export interface ClusterResource {
  managementCluster: string;
  namespace: string;
  name: string;
  /** Entity ref of the catalog owner from a trusted source (`ManagementCluster.ownerOf`). */
  owner: string;
}

/** Rules filter in memory (the list comes from a watch cache), so a query is a field match. */
export interface ClusterQuery {
  key: 'managementCluster' | 'namespace' | 'owner';
  values: string[];
}

/**
 * The `k0smotron-cluster` resource type. It lives here and not in the browser-safe common
 * package because `@backstage/plugin-permission-node` is Node-only; the permission objects in
 * `@k0smotron/plugin-k0smotron-common` carry the same resource type.
 */
export const k0smotronClusterPermissionResourceRef = createPermissionResourceRef<ClusterResource, ClusterQuery>().with({
  pluginId: 'k0smotron',
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

export const isInManagementCluster = createPermissionRule({
  name: 'IS_IN_MANAGEMENT_CLUSTER',
  description: 'Allow Clusters of the named management clusters (names from k0smotron.managementClusters)',
  resourceRef: k0smotronClusterPermissionResourceRef,
  paramsSchema: z.object({ managementClusters: z.array(z.string()).describe('Management cluster names') }),
  apply: (resource, { managementClusters }) => managementClusters.includes(resource.managementCluster),
  toQuery: ({ managementClusters }) => ({ key: 'managementCluster', values: managementClusters }),
});

export const isInNamespace = createPermissionRule({
  name: 'IS_IN_NAMESPACE',
  description: 'Allow Clusters in the named namespaces (of any served management cluster)',
  resourceRef: k0smotronClusterPermissionResourceRef,
  paramsSchema: z.object({ namespaces: z.array(z.string()).describe('Namespace names') }),
  apply: (resource, { namespaces }) => namespaces.includes(resource.namespace),
  toQuery: ({ namespaces }) => ({ key: 'namespace', values: namespaces }),
});

export const isClusterOwner = createPermissionRule({
  name: 'IS_CLUSTER_OWNER',
  description: "Allow Clusters whose catalog owner is one of the claims (pass the user's ownershipEntityRefs, as for the catalog's IS_ENTITY_OWNER)",
  resourceRef: k0smotronClusterPermissionResourceRef,
  paramsSchema: z.object({ claims: z.array(z.string()).describe('Entity refs, e.g. group:default/team-a') }),
  apply: (resource, { claims }) => claims.map(normalizeEntityRef).includes(normalizeEntityRef(resource.owner)),
  toQuery: ({ claims }) => ({ key: 'owner', values: claims }),
});

export const k0smotronClusterPermissionRules = { isInManagementCluster, isInNamespace, isClusterOwner };

/**
 * For policy authors: `k0smotronClusterConditions.isClusterOwner({ claims })` etc., and
 * `createK0smotronClusterConditionalDecision(permission, criteria)`.
 */
const conditionExports = createConditionExports({
  resourceRef: k0smotronClusterPermissionResourceRef,
  rules: k0smotronClusterPermissionRules,
});
export const k0smotronClusterConditions = conditionExports.conditions;
export const createK0smotronClusterConditionalDecision = conditionExports.createConditionalDecision;

/** The resource ref of a Cluster: the value of its catalog annotation. */
export function clusterResourceRef(r: Pick<ClusterResource, 'managementCluster' | 'namespace' | 'name'>): string {
  return formatClusterAnnotation(r);
}

const rulesByName = new Map<string, (typeof k0smotronClusterPermissionRules)[keyof typeof k0smotronClusterPermissionRules]>(
  Object.values(k0smotronClusterPermissionRules).map(r => [r.name, r]),
);
const ruleset: PermissionRuleset<ClusterResource, ClusterQuery> = {
  getRuleByName(name) {
    const rule = rulesByName.get(name);
    if (!rule) throw new Error(`unknown k0smotron permission rule '${name}'`);
    // The rules differ only in their params type; the ruleset type erases it.
    return rule as unknown as ReturnType<PermissionRuleset<ClusterResource, ClusterQuery>['getRuleByName']>;
  },
};
const applyDecision = createConditionAuthorizer<ClusterResource>(ruleset);

/** Whether one Cluster passes a decision; the answer for many comes from `filter`. */
export type ClusterDecision = (resource: ClusterResource) => boolean;

/**
 * The one place that turns a policy decision into yes/no for Clusters: the REST routes, the
 * scaffolder actions and `GET /clusters` all go through it. A CONDITIONAL decision is evaluated
 * here in memory (as the catalog evaluates IS_ENTITY_OWNER), on Clusters from the watch cache or
 * on the Cluster a create is about to write.
 */
export class ClusterPermissionEvaluator {
  constructor(private readonly permissions: PermissionsService) {}

  /** The decision for `permission` as a predicate; `denied` when no Cluster could pass. */
  async decide(
    permission: ResourcePermission<typeof K0SMOTRON_CLUSTER_RESOURCE_TYPE>,
    credentials: BackstageCredentials,
  ): Promise<{ denied: boolean; allows: ClusterDecision }> {
    const [decision] = await this.permissions.authorizeConditional([{ permission }], { credentials });
    if (decision.result === AuthorizeResult.ALLOW) return { denied: false, allows: () => true };
    if (decision.result === AuthorizeResult.DENY) return { denied: true, allows: () => false };
    return { denied: false, allows: resource => applyDecision(decision, resource) };
  }

  /** Throws a 403 naming the permission unless the decision allows `resource`. */
  async require(
    permission: ResourcePermission<typeof K0SMOTRON_CLUSTER_RESOURCE_TYPE>,
    credentials: BackstageCredentials,
    resource: ClusterResource,
    what: string,
  ): Promise<void> {
    const { allows } = await this.decide(permission, credentials);
    if (!allows(resource)) {
      throw new NotAllowedError(`permission '${permission.name}' is required for ${what}`);
    }
  }
}

export type ClusterCriteria = PermissionCriteria<PermissionCondition<typeof K0SMOTRON_CLUSTER_RESOURCE_TYPE>>;
