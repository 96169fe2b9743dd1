import { createPermission } from '@backstage/plugin-permission-common';

// Basic (non-resource) permissions: the backend checks them per request; a policy can still
// decide per user or group. The frontend uses them with usePermission / RequirePermission.

export const k0smotronClusterReadPermission = createPermission({
  name: 'k0smotron.cluster.read',
  attributes: { action: 'read' },
});

export const k0smotronClusterCreatePermission = createPermission({
  name: 'k0smotron.cluster.create',
  attributes: { action: 'create' },
});

export const k0smotronClusterUpdatePermission = createPermission({
  name: 'k0smotron.cluster.update',
  attributes: { action: 'update' },
});

export const k0smotronClusterDeletePermission = createPermission({
  name: 'k0smotron.cluster.delete',
  attributes: { action: 'delete' },
});

/** Creating a join token hands out a credential that lets a machine join the child cluster. */
export const k0smotronJoinTokenCreatePermission = createPermission({
  name: 'k0smotron.jointoken.create',
  attributes: { action: 'create' },
});

/** Reading the admin kubeconfig gives full control of the child cluster. */
export const k0smotronKubeconfigReadPermission = createPermission({
  name: 'k0smotron.kubeconfig.read',
  attributes: { action: 'read' },
});

export const k0smotronPermissions = [
  k0smotronClusterReadPermission,
  k0smotronClusterCreatePermission,
  k0smotronClusterUpdatePermission,
  k0smotronClusterDeletePermission,
  k0smotronJoinTokenCreatePermission,
  k0smotronKubeconfigReadPermission,
];
