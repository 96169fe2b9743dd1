import type { BackstageCredentials, BackstageUserPrincipal, UserInfoService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { normalizeEntityRef } from './managementClusters';

/**
 * The owner a user may give a new Cluster: the user or a group the user belongs to (the
 * catalog's ownership refs of the user), as an entity ref. Anything else would let a user hand a
 * Cluster, and the rights of its owner, to somebody else. A bare name means a group, as in the
 * catalog. Returns undefined when no owner is asked for.
 */
export async function checkOwnerClaim(
  userInfo: UserInfoService,
  credentials: BackstageCredentials<BackstageUserPrincipal>,
  owner: string | undefined,
): Promise<string | undefined> {
  if (owner === undefined || owner === '') return undefined;
  const ref = owner.includes(':') ? owner : `group:default/${owner}`;
  const { ownershipEntityRefs } = await userInfo.getUserInfo(credentials);
  if (!ownershipEntityRefs.map(normalizeEntityRef).includes(normalizeEntityRef(ref))) {
    throw new NotAllowedError(`owner '${owner}' is neither you nor a group you belong to; pick one of ${ownershipEntityRefs.join(', ') || '(none)'}`);
  }
  return ref;
}
