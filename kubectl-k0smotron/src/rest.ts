// One GET of the Kubernetes API without the typed client, where start-up time matters more than
// types (`list`): it sends through the same request layer as every other request (KubeApi), with
// the context's credentials, --request-timeout and -v logging. A failure is the request layer's
// ApiError, which toCliError words as it words the typed client's errors.
import { KubeApi } from '@k0smotron/api/kube';
import type { KubeTarget } from './kube';

/** GETs `path` (with its query) below the context's server and parses the JSON answer. */
export async function getJson<T>(target: KubeTarget, resource: string, path: string, log: (line: string) => void): Promise<T> {
  const api = new KubeApi(target.kc, undefined, { requestTimeoutMs: target.requestTimeoutMs, onSend: (method, url) => log(`${method} ${url}`) });
  try {
    return await api.request<T>('list', resource, 'GET', path);
  } finally {
    api.close();
  }
}
