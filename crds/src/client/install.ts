// Installs (or updates) the k0smotron.io CRDs through the API, for programs that set up a
// cluster (test environments, demos, an installer command). Node-only.
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../constants';
import { allCrds } from '../crd';
import { isConflict, KubeApi } from '../kube/kubeApi';
import { builtinPath, KubeObjects, type Wire } from '../kube/objects';
import { K0smotronApiError, toK0smotronApiError } from './errors';

export interface InstallCrdsOptions {
  /** How long to wait for each CRD to become Established; default 60 s. */
  timeoutMs?: number;
  /** Progress lines ("created clusters.k0smotron.io", "waiting for …"). */
  onProgress?: (message: string) => void;
}

const CRDS = 'customresourcedefinitions';

/** Creates or replaces every CRD of the API and waits until each is Established. */
export async function installCrds(kc: KubeConfig, opts: InstallCrdsOptions = {}): Promise<string[]> {
  const objects = new KubeObjects(new KubeApi(kc));
  try {
    return await install(objects, kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)', opts);
  } finally {
    objects.api.close();
  }
}

async function install(objects: KubeObjects, server: string, opts: InstallCrdsOptions): Promise<string[]> {
  const progress = opts.onProgress ?? (() => undefined);
  const names: string[] = [];
  for (const crd of allCrds()) {
    const name = crd.metadata.name;
    const body = crd as unknown as Wire<V1CustomResourceDefinition>;
    const ctx = { resource: CRDS, name, server, custom: false } as const;
    try {
      await objects.create('CustomResourceDefinition', undefined, body, { fieldManager: FIELD_MANAGER });
      progress(`created ${name}`);
    } catch (err) {
      if (!isConflict(err)) throw toK0smotronApiError(err, { ...ctx, verb: 'create' });
      try {
        const current = await objects.get('CustomResourceDefinition', undefined, name);
        const replacement = { ...body, metadata: { ...body.metadata, resourceVersion: current?.metadata?.resourceVersion } };
        await objects.api.request('update', CRDS, 'PUT', builtinPath('CustomResourceDefinition', undefined, name), {
          body: replacement,
          query: { fieldManager: FIELD_MANAGER },
        });
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
      const live = await objects.get('CustomResourceDefinition', undefined, name).catch(e => {
        throw toK0smotronApiError(e, { verb: 'get', resource: CRDS, name, server, custom: false });
      });
      const conditions = live?.status?.conditions ?? [];
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
