import { createServiceFactory } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  managementClustersServiceRef as sharedManagementClustersServiceRef,
  type ManagementCluster as SharedManagementCluster,
  type ManagementClustersService as SharedManagementClustersService,
} from '@k0smotron/plugin-k0smotron-node';
import { ClusterPermissionEvaluator } from './permissions/clusterPermissions';
import { ClusterInspector } from './service/clusterInspector';
import { issueJoinToken } from './service/joinTokens';
import { managementClustersServiceRef, type ManagementCluster, type ManagementClustersService } from './service/managementClusters';
import { withFreeNodePorts } from './service/nodePorts';
import { checkOwnerClaim } from './service/ownerClaim';

// The implementation of @k0smotron/plugin-k0smotron-node's management-cluster service: a view of
// the plugin's own service (the same caches and clients, so one watch per management cluster in
// a process) with the operations modules need, done the way the REST API does them.

function viewOf(mc: ManagementCluster): SharedManagementCluster {
  const inspector = new ClusterInspector(mc.objects);
  return {
    name: mc.name,
    namespaces: mc.namespaces,
    kubeConfig: mc.kubeConfig,
    client: mc.client,
    cache: mc.cache,
    servesNamespace: namespace => mc.servesNamespace(namespace),
    ownerOf: cluster => mc.ownerOf(cluster),
    withFreeNodePorts: cluster => withFreeNodePorts(mc, cluster),
    caCertificateBase64: cluster => inspector.caCertificateBase64(cluster),
    issueJoinToken: opts => issueJoinToken({ ...opts, client: mc.client }),
  };
}

/** The modules' view of the plugin's management clusters (also for tests that build the service themselves). */
export function createManagementClusterAccess(svc: ManagementClustersService): SharedManagementClustersService {
  const views = new Map(svc.list().map(mc => [mc.name, viewOf(mc)]));
  const list = [...views.values()];
  return {
    policy: svc.config.policy,
    list: () => list,
    find: name => views.get(name),
    get(name) {
      const view = views.get(name);
      // Not listing the configured clusters: the caller may not be allowed to see them all.
      if (!view) throw new NotFoundError(`unknown management cluster '${name}'`);
      return view;
    },
    permissionEvaluator: permissions => new ClusterPermissionEvaluator(permissions),
    checkOwnerClaim: (userInfo, credentials, owner) => checkOwnerClaim(userInfo, credentials, owner),
  };
}

/**
 * Provides `managementClustersServiceRef` of `@k0smotron/plugin-k0smotron-node`. The plugin's
 * default export installs it; add it alone to run the catalog or scaffolder module without the
 * REST API.
 */
export const managementClusterAccessServiceFactory = createServiceFactory({
  service: sharedManagementClustersServiceRef,
  initialization: 'lazy',
  deps: { managementClusters: managementClustersServiceRef },
  factory: ({ managementClusters }) => createManagementClusterAccess(managementClusters),
});
