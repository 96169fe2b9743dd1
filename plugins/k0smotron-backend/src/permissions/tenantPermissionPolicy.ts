import type { UserInfoService } from '@backstage/backend-plugin-api';
import { AuthorizeResult, isPermission, isResourcePermission, type PolicyDecision } from '@backstage/plugin-permission-common';
import type { PermissionPolicy, PolicyQuery, PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  K0SMOTRON_CLUSTER_RESOURCE_TYPE,
  k0smotronClusterCreateAdvancedPermission,
  k0smotronControllerJoinTokenCreatePermission,
  k0smotronPermissions,
} from '@k0smotron/plugin-k0smotron-common';
import { createK0smotronClusterConditionalDecision, k0smotronClusterConditions, type ClusterCriteria } from './clusterPermissions';
import { normalizeEntityRef } from '../service/managementClusters';

/** A grant beyond "your own Clusters": who, which permissions, on which Clusters. */
export interface K0smotronGrant {
  /** Users or groups (entity refs) the grant is for; matched against ownershipEntityRefs. */
  claims: string[];
  /** Permission names, e.g. `k0smotron.cluster.read`. */
  permissions: string[];
  /** Built with `k0smotronClusterConditions`, e.g. `isInNamespace({ namespaces: ['team-a'] })`. */
  conditions: ClusterCriteria;
}

export interface K0smotronTenantPolicyOptions {
  /** The permission plugin's `coreServices.userInfo`: gives the user's ownershipEntityRefs. */
  userInfo: UserInfoService;
  /** Users or groups with every k0smotron permission on every Cluster (the platform team). */
  admins?: string[];
  /**
   * What owners may do with their own Clusters (IS_CLUSTER_OWNER). Default: every Cluster
   * permission except controller join tokens, which make a machine a control-plane member.
   */
  ownerPermissions?: string[];
  grants?: K0smotronGrant[];
  /** The decision for permissions of other plugins; default: allow. */
  otherPermissions?: (request: PolicyQuery, user?: PolicyQueryUser) => Promise<PolicyDecision>;
}

const K0SMOTRON_NAMES = new Set(k0smotronPermissions.map(p => p.name));
const DEFAULT_OWNER_PERMISSIONS = k0smotronPermissions
  .filter(p => p.type === 'resource' && p.name !== k0smotronControllerJoinTokenCreatePermission.name)
  .map(p => p.name);

/**
 * A policy a platform team can start from: each team sees and manages the Clusters it owns
 * (the owner from `k0smotron.ownership` / `namespaceOwners`), grants add Clusters by management
 * cluster or namespace, admins may do everything, and only admins set the advanced fields of a
 * Cluster or ask for controller join tokens. Compose it with the policy of your other plugins
 * through `otherPermissions`.
 */
export class K0smotronTenantPermissionPolicy implements PermissionPolicy {
  private readonly admins: string[];
  private readonly ownerPermissions: Set<string>;

  constructor(private readonly options: K0smotronTenantPolicyOptions) {
    this.admins = (options.admins ?? []).map(normalizeEntityRef);
    this.ownerPermissions = new Set(options.ownerPermissions ?? DEFAULT_OWNER_PERMISSIONS);
  }

  async handle(request: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    const { permission } = request;
    if (!K0SMOTRON_NAMES.has(permission.name)) {
      return this.options.otherPermissions?.(request, user) ?? { result: AuthorizeResult.ALLOW };
    }
    const claims = user ? (await this.options.userInfo.getUserInfo(user.credentials)).ownershipEntityRefs.map(normalizeEntityRef) : [];
    if (claims.some(c => this.admins.includes(c))) return { result: AuthorizeResult.ALLOW };
    if (isPermission(permission, k0smotronClusterCreateAdvancedPermission)) return { result: AuthorizeResult.DENY };
    if (!isResourcePermission(permission, K0SMOTRON_CLUSTER_RESOURCE_TYPE)) return { result: AuthorizeResult.DENY };

    const criteria: ClusterCriteria[] = [];
    if (this.ownerPermissions.has(permission.name) && claims.length) {
      criteria.push(k0smotronClusterConditions.isClusterOwner({ claims }));
    }
    for (const grant of this.options.grants ?? []) {
      if (grant.permissions.includes(permission.name) && grant.claims.some(c => claims.includes(normalizeEntityRef(c)))) {
        criteria.push(grant.conditions);
      }
    }
    if (criteria.length === 0) return { result: AuthorizeResult.DENY };
    const combined: ClusterCriteria = criteria.length === 1 ? criteria[0] : { anyOf: criteria as [ClusterCriteria, ...ClusterCriteria[]] };
    return createK0smotronClusterConditionalDecision(permission, combined);
  }
}
