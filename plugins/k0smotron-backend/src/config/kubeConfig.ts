import { KubeConfig } from '@kubernetes/client-node';
import type { ManagementClusterAccess } from './managementClusterConfig';

/** The client-node KubeConfig of one management cluster (reads files for `kubeconfig` access). */
export function kubeConfigFor(name: string, access: ManagementClusterAccess): KubeConfig {
  const kc = new KubeConfig();
  switch (access.type) {
    case 'inCluster':
      kc.loadFromCluster();
      break;
    case 'token':
      kc.loadFromOptions({
        clusters: [{ name, server: access.url, caData: access.caData, skipTLSVerify: access.skipTLSVerify }],
        users: [{ name: `${name}-sa`, token: access.token }],
        contexts: [{ name, cluster: name, user: `${name}-sa` }],
        currentContext: name,
      });
      break;
    case 'kubeconfig':
      if (access.path) kc.loadFromFile(access.path);
      else kc.loadFromDefault();
      if (access.context) {
        if (!kc.getContextObject(access.context)) {
          throw new Error(
            `management cluster '${name}': context '${access.context}' is not in the kubeconfig ` +
              `(${access.path ?? 'default'}); available: ${
                kc
                  .getContexts()
                  .map(c => c.name)
                  .join(', ') || 'none'
              }`,
          );
        }
        kc.setCurrentContext(access.context);
      }
      if (!kc.getCurrentCluster()) {
        throw new Error(
          `management cluster '${name}': the kubeconfig (${access.path ?? 'default'}) has no current cluster; ` +
            `set k0smotron.managementClusters[].kubeconfigPath/context`,
        );
      }
      break;
    default: {
      // Unreachable while every access type above has a case: the compiler rejects this line
      // when a new one is added to ManagementClusterAccess without a case here.
      const unknown: never = access;
      throw new Error(`management cluster '${name}': unknown access type '${(unknown as { type: string }).type}'`);
    }
  }
  return kc;
}
