// Names for shell completion that only the cluster knows: Clusters, join token requests,
// namespaces, and the kubeconfig's contexts. ../completion.ts decides which is wanted.
import { K0smotronClient } from '@k0smotron/api/client';
import { KubeApi, KubeObjects } from '@k0smotron/api/kube';
import { loadKube } from '../kube';

export async function completionNames(kind: 'cluster' | 'namespace' | 'context' | 'jtr', flags: Record<string, string>, partial: string): Promise<string[]> {
  const kube = loadKube({
    kubeconfig: flags['--kubeconfig'],
    context: flags['--context'],
    namespace: flags['--namespace'] ?? flags['-n'],
    requestTimeout: '5s',
  });
  let names: string[] = [];
  if (kind === 'context') names = kube.kc.getContexts().map(c => c.name);
  else {
    // One request layer for the completion's one request, bounded like any other of the plugin.
    const api = new KubeApi(kube.kc, undefined, { requestTimeoutMs: kube.requestTimeoutMs });
    try {
      const client = new K0smotronClient(kube.kc, { kubeApi: api });
      if (kind === 'cluster') names = (await client.listClusters(kube.namespace)).map(c => c.metadata.name ?? '');
      else if (kind === 'jtr') names = (await client.listJoinTokenRequests(kube.namespace)).map(j => j.metadata.name ?? '');
      else names = (await new KubeObjects(api).list('Namespace')).map(n => n.metadata?.name ?? '');
    } finally {
      api.close();
    }
  }
  return names.filter(n => n.startsWith(partial)).sort();
}
