// Names for shell completion that only the cluster knows: Clusters, join token requests,
// namespaces, and the kubeconfig's contexts. ../completion.ts decides which is wanted.
import { K0smotronClient } from '@k0smotron/api/client';
import { loadKube } from '../kube';

export async function completionNames(kind: 'cluster' | 'namespace' | 'context' | 'jtr', flags: Record<string, string>, partial: string): Promise<string[]> {
  const kube = loadKube({
    kubeconfig: flags['--kubeconfig'],
    context: flags['--context'],
    namespace: flags['--namespace'] ?? flags['-n'],
    requestTimeout: '5s',
  });
  const client = new K0smotronClient(kube.kc);
  let names: string[] = [];
  if (kind === 'cluster') names = (await client.listClusters(kube.namespace)).map(c => c.metadata.name ?? '');
  else if (kind === 'jtr') names = (await client.listJoinTokenRequests(kube.namespace)).map(j => j.metadata.name ?? '');
  else if (kind === 'context') names = kube.kc.getContexts().map(c => c.name);
  else {
    const { CoreV1Api } = await import('@kubernetes/client-node');
    names = (await kube.kc.makeApiClient(CoreV1Api).listNamespace()).items.map(n => n.metadata?.name ?? '');
  }
  return names.filter(n => n.startsWith(partial)).sort();
}
