// Installs (or updates) the k0smotron.io CRDs through the API, for programs that set up a
// cluster (test environments, demos, an installer command). Node-only.
import { ApiextensionsV1Api, ApiException, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { allCrds, crdToYaml } from '../crd';
import { K0smotronApiError, toK0smotronApiError } from './errors';

export interface InstallCrdsOptions {
  /** How long to wait for each CRD to become Established; default 60 s. */
  timeoutMs?: number;
  /** Progress lines ("created clusters.k0smotron.io", "waiting for …"). */
  onProgress?: (message: string) => void;
}

/**
 * Creates or replaces every CRD of the API and waits until each is Established. The objects go
 * through client-node's typed model (loadYaml) on purpose: a raw object passed as `body` loses
 * every `x-kubernetes-*` keyword in client-node's serializer, which breaks the schema.
 */
export async function installCrds(kc: KubeConfig, opts: InstallCrdsOptions = {}): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  const progress = opts.onProgress ?? (() => undefined);
  const names: string[] = [];
  for (const crd of allCrds()) {
    const name = crd.metadata.name;
    const body = loadYaml<V1CustomResourceDefinition>(crdToYaml(crd));
    const ctx = { resource: 'customresourcedefinitions', name, server, custom: false } as const;
    try {
      await api.createCustomResourceDefinition({ body });
      progress(`created ${name}`);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw toK0smotronApiError(err, { ...ctx, verb: 'create' });
      try {
        const current = await api.readCustomResourceDefinition({ name });
        body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
        await api.replaceCustomResourceDefinition({ name, body });
        progress(`updated ${name}`);
      } catch (e) {
        throw toK0smotronApiError(e, { ...ctx, verb: 'patch' });
      }
    }
    names.push(name);
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  for (const name of names) {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const live = await api.readCustomResourceDefinition({ name }).catch(e => {
        throw toK0smotronApiError(e, { verb: 'get', resource: 'customresourcedefinitions', name, server, custom: false });
      });
      const conditions = live.status?.conditions ?? [];
      if (conditions.some(c => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) {
        throw new K0smotronApiError({
          status: 0,
          reason: 'Other',
          server,
          message: `CRD ${name} did not become Established within ${timeoutMs / 1000} s: ${conditions.map(c => `${c.type}=${c.status} ${c.message ?? ''}`).join('; ')}`,
        });
      }
      if (attempt % 10 === 9) progress(`waiting for ${name} to become Established`);
      await new Promise(r => setTimeout(r, 200));
    }
  }
  return names;
}
