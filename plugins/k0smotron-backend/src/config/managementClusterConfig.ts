import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { PolicyError, parseTenantPolicy, type TenantPolicy } from '@k0smotron/api';

// The `k0smotron` config section, read into plain values (pure: no file or network access).

export type ManagementClusterAccess =
  | { type: 'kubeconfig'; path?: string; context?: string }
  | { type: 'token'; url: string; token: string; caData?: string; skipTLSVerify: boolean }
  | { type: 'inCluster' };

export interface ManagementClusterConfig {
  name: string;
  access: ManagementClusterAccess;
  /** undefined = all namespaces except the policy's deniedNamespaces. */
  namespaces?: string[];
  /** Catalog owner of every Cluster in a namespace, set by the platform: wins over annotations. */
  namespaceOwners: Record<string, string>;
}

/**
 * Where the catalog owner of a Cluster comes from. Anyone who may write a Cluster in Kubernetes
 * may write its annotations, so an annotation is trusted only where the platform says it
 * controls who writes it (for example with an admission policy).
 */
export interface OwnershipConfig {
  /** Trust the `backstage.io/owner` annotation/label of a Cluster (default false). */
  trustOwnerAnnotation: boolean;
  /** Owner where neither a namespace owner nor a trusted annotation names one. */
  defaultOwner: string;
}

export interface ReconcilerConfig {
  enabled: boolean;
  managementClusters?: string[];
  lease?: { name: string; namespace: string; identity?: string };
}

export interface K0smotronBackendConfig {
  managementClusters: ManagementClusterConfig[];
  kubeconfigAccessEnabled: boolean;
  reconciler: ReconcilerConfig;
  /** `k0smotron.policy`: the same keys and defaults as the operator's tenant policy. */
  policy: TenantPolicy;
  ownership: OwnershipConfig;
}

export const DEFAULT_MANAGEMENT_CLUSTER_NAME = 'local';
const NAME_PATTERN = /^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const DEFAULT_LEASE_NAME = 'k0smotron-backstage-reconciler';

export function readK0smotronConfig(root: Config): K0smotronBackendConfig {
  const cfg = root.getOptionalConfig('k0smotron');
  let policy: TenantPolicy;
  try {
    policy = parseTenantPolicy(cfg?.getOptional('policy'), 'k0smotron.policy');
  } catch (err) {
    if (err instanceof PolicyError) throw new InputError(err.message);
    throw err;
  }
  const list = cfg?.getOptionalConfigArray('managementClusters');
  const managementClusters: ManagementClusterConfig[] = list?.length
    ? list.map((c, i) => readManagementCluster(c, i, policy))
    : [{ name: DEFAULT_MANAGEMENT_CLUSTER_NAME, access: { type: 'kubeconfig' }, namespaceOwners: {} }];

  const seen = new Set<string>();
  for (const mc of managementClusters) {
    if (seen.has(mc.name)) {
      throw new InputError(`k0smotron.managementClusters: the name '${mc.name}' is used twice; give each cluster a unique name`);
    }
    seen.add(mc.name);
  }

  const rec = cfg?.getOptionalConfig('reconciler');
  const reconcilerClusters = rec?.getOptionalStringArray('managementClusters');
  for (const n of reconcilerClusters ?? []) {
    if (!seen.has(n)) {
      throw new InputError(`k0smotron.reconciler.managementClusters: '${n}' is not a configured management cluster ` + `(known: ${[...seen].join(', ')})`);
    }
  }
  const lease = rec?.getOptionalConfig('lease');
  const ownership = cfg?.getOptionalConfig('ownership');
  return {
    policy,
    ownership: {
      trustOwnerAnnotation: ownership?.getOptionalBoolean('trustOwnerAnnotation') ?? false,
      defaultOwner: ownership?.getOptionalString('defaultOwner') ?? root.getOptionalString('catalog.providers.k0smotron.defaultOwner') ?? 'unknown',
    },
    managementClusters,
    kubeconfigAccessEnabled: cfg?.getOptionalBoolean('kubeconfigAccess.enabled') ?? false,
    reconciler: {
      enabled: rec?.getOptionalBoolean('enabled') ?? false,
      managementClusters: reconcilerClusters,
      lease: lease
        ? {
            name: lease.getOptionalString('name') ?? DEFAULT_LEASE_NAME,
            namespace: lease.getOptionalString('namespace') ?? 'default',
            identity: lease.getOptionalString('identity'),
          }
        : undefined,
    },
  };
}

function readManagementCluster(c: Config, index: number, policy: TenantPolicy): ManagementClusterConfig {
  const where = `k0smotron.managementClusters[${index}]`;
  const name = c.getString('name');
  if (!NAME_PATTERN.test(name)) {
    throw new InputError(`${where}.name '${name}' is not valid: use letters, digits, '-', '_' or '.' (no '/'), e.g. 'prod-eu'`);
  }
  const url = c.getOptionalString('url');
  const inCluster = c.getOptionalBoolean('inCluster') ?? false;
  const kubeconfigPath = c.getOptionalString('kubeconfigPath');
  const context = c.getOptionalString('context');
  const modes = [url !== undefined, inCluster, kubeconfigPath !== undefined || context !== undefined].filter(Boolean);
  if (modes.length > 1) {
    throw new InputError(`${where} ('${name}'): choose one way to connect: kubeconfigPath/context, url + serviceAccountToken, or inCluster`);
  }
  let access: ManagementClusterAccess;
  if (url !== undefined) {
    const token = c.getOptionalString('serviceAccountToken');
    if (!token) {
      throw new InputError(`${where}.serviceAccountToken is required with url ('${name}')`);
    }
    // The service-account token travels with every request: never over plain HTTP.
    if (!/^https:\/\//.test(url)) {
      throw new InputError(`${where}.url of '${name}' must start with https:// (plain http would send the service-account token unencrypted)`);
    }
    access = {
      type: 'token',
      url,
      token,
      caData: c.getOptionalString('caData'),
      skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
    };
  } else if (inCluster) {
    access = { type: 'inCluster' };
  } else {
    access = { type: 'kubeconfig', path: kubeconfigPath, context };
  }
  const namespaces = c.getOptionalStringArray('namespaces');
  for (const ns of namespaces ?? []) {
    if (policy.deniedNamespaces.includes(ns)) {
      throw new InputError(`${where}.namespaces ('${name}') lists '${ns}', which k0smotron.policy.deniedNamespaces denies; serve tenant namespaces only`);
    }
  }
  const namespaceOwners: Record<string, string> = {};
  const owners = c.getOptionalConfig('namespaceOwners');
  for (const ns of owners?.keys() ?? []) {
    if (namespaces?.length && !namespaces.includes(ns)) {
      throw new InputError(`${where}.namespaceOwners ('${name}') names '${ns}', which is not in its namespaces`);
    }
    namespaceOwners[ns] = owners!.getString(ns);
  }
  return { name, access, namespaces: namespaces?.length ? namespaces : undefined, namespaceOwners };
}
