import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The resource type of every k0smotron permission that concerns one Cluster. A resource is named
 * by its catalog annotation value `<managementCluster>/<namespace>/<name>`, so the frontend can
 * ask about the Cluster of the entity it shows. Policies decide per Cluster with the rules the
 * backend registers (management cluster, namespace, owner): see the backend's
 * `k0smotronClusterConditions`.
 */
export const K0SMOTRON_CLUSTER_RESOURCE_TYPE = 'k0smotron-cluster';

// Permissions that hand out a credential (kubeconfig, join tokens) carry no `action` attribute:
// a policy that allows every `read` or every `create` must not hand out cluster access with it.

export const k0smotronClusterReadPermission = createPermission({
  name: 'k0smotron.cluster.read',
  attributes: { action: 'read' },
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

/**
 * Create a Cluster with the self-service fields (replicas, version, service, external address,
 * etcd size/class, kine Secret, labels, owner). A resource permission: the backend decides it
 * on the Cluster about to be created (management cluster, namespace and owner are known).
 */
export const k0smotronClusterCreatePermission = createPermission({
  name: 'k0smotron.cluster.create',
  attributes: { action: 'create' },
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

/**
 * Create a Cluster with any other field of the spec (images, patches, mounts, manifests,
 * k0s config, annotations…): those shape the pods that run on the management cluster's nodes.
 * Still bounded by the tenant policy (`k0smotron.policy`).
 */
export const k0smotronClusterCreateAdvancedPermission = createPermission({
  name: 'k0smotron.cluster.create.advanced',
  attributes: {},
});

export const k0smotronClusterUpdatePermission = createPermission({
  name: 'k0smotron.cluster.update',
  attributes: { action: 'update' },
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

export const k0smotronClusterDeletePermission = createPermission({
  name: 'k0smotron.cluster.delete',
  attributes: { action: 'delete' },
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

/** A worker join token: a credential that lets a machine join the child cluster as a node. */
export const k0smotronJoinTokenCreatePermission = createPermission({
  name: 'k0smotron.jointoken.create',
  attributes: {},
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

/**
 * A controller join token: a machine joining with it becomes a control-plane member and holds
 * the cluster's CA and datastore credentials. Needed in addition to `k0smotron.jointoken.create`.
 */
export const k0smotronControllerJoinTokenCreatePermission = createPermission({
  name: 'k0smotron.jointoken.controller.create',
  attributes: {},
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

/** A kubeconfig of the child cluster. */
export const k0smotronKubeconfigReadPermission = createPermission({
  name: 'k0smotron.kubeconfig.read',
  attributes: {},
  resourceType: K0SMOTRON_CLUSTER_RESOURCE_TYPE,
});

export const k0smotronPermissions = [
  k0smotronClusterReadPermission,
  k0smotronClusterCreatePermission,
  k0smotronClusterCreateAdvancedPermission,
  k0smotronClusterUpdatePermission,
  k0smotronClusterDeletePermission,
  k0smotronJoinTokenCreatePermission,
  k0smotronControllerJoinTokenCreatePermission,
  k0smotronKubeconfigReadPermission,
];
