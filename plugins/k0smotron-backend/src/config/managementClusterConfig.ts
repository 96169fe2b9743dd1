import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

// The `k0smotron` config section, read into plain values (pure: no file or network access).

export type ManagementClusterAccess =
  | { type: 'kubeconfig'; path?: string; context?: string }
  | { type: 'token'; url: string; token: string; caData?: string; skipTLSVerify: boolean }
  | { type: 'inCluster' };

export interface ManagementClusterConfig {
  name: string;
  access: ManagementClusterAccess;
  /** undefined = all namespaces. */
  namespaces?: string[];
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
}

export const DEFAULT_MANAGEMENT_CLUSTER_NAME = 'local';
const NAME_PATTERN = /^[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const DEFAULT_LEASE_NAME = 'k0smotron-backstage-reconciler';

export function readK0smotronConfig(root: Config): K0smotronBackendConfig {
  const cfg = root.getOptionalConfig('k0smotron');
  const list = cfg?.getOptionalConfigArray('managementClusters');
  const managementClusters: ManagementClusterConfig[] = list?.length
    ? list.map((c, i) => readManagementCluster(c, i))
    : [{ name: DEFAULT_MANAGEMENT_CLUSTER_NAME, access: { type: 'kubeconfig' } }];

  const seen = new Set<string>();
  for (const mc of managementClusters) {
    if (seen.has(mc.name)) {
      throw new InputError(
        `k0smotron.managementClusters: the name '${mc.name}' is used twice; give each cluster a unique name`,
      );
    }
    seen.add(mc.name);
  }

  const rec = cfg?.getOptionalConfig('reconciler');
  const reconcilerClusters = rec?.getOptionalStringArray('managementClusters');
  for (const n of reconcilerClusters ?? []) {
    if (!seen.has(n)) {
      throw new InputError(
        `k0smotron.reconciler.managementClusters: '${n}' is not a configured management cluster ` +
          `(known: ${[...seen].join(', ')})`,
      );
    }
  }
  const lease = rec?.getOptionalConfig('lease');
  return {
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

function readManagementCluster(c: Config, index: number): ManagementClusterConfig {
  const where = `k0smotron.managementClusters[${index}]`;
  const name = c.getString('name');
  if (!NAME_PATTERN.test(name)) {
    throw new InputError(
      `${where}.name '${name}' is not valid: use letters, digits, '-', '_' or '.' (no '/'), e.g. 'prod-eu'`,
    );
  }
  const url = c.getOptionalString('url');
  const inCluster = c.getOptionalBoolean('inCluster') ?? false;
  const kubeconfigPath = c.getOptionalString('kubeconfigPath');
  const context = c.getOptionalString('context');
  const modes = [url !== undefined, inCluster, kubeconfigPath !== undefined || context !== undefined].filter(Boolean);
  if (modes.length > 1) {
    throw new InputError(
      `${where} ('${name}'): choose one way to connect: kubeconfigPath/context, url + serviceAccountToken, or inCluster`,
    );
  }
  let access: ManagementClusterAccess;
  if (url !== undefined) {
    const token = c.getOptionalString('serviceAccountToken');
    if (!token) {
      throw new InputError(`${where}.serviceAccountToken is required with url ('${name}')`);
    }
    if (!/^https?:\/\//.test(url)) {
      throw new InputError(`${where}.url '${url}' must start with https:// ('${name}')`);
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
  return { name, access, namespaces: namespaces?.length ? namespaces : undefined };
}
