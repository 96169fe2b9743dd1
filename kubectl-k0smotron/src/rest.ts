// One GET of the Kubernetes API without the generated client: the kubeconfig supplies the TLS
// material and credentials (KubeConfig.applyToHTTPSOptions runs exec plugins and token providers
// as client-node does), node:https does the rest. Used where start-up time matters more than
// types (`list`). Failures carry `status` and `body`, or the socket error's `code`, which
// toCliError turns into the same messages as the typed client's errors.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeTarget } from './kube';

export interface RestError extends Error {
  status?: number;
  body?: string;
}

/** GETs `path` (with its query) below the context's server and parses the JSON answer. */
export async function getJson<T>(target: KubeTarget, path: string, log: (line: string) => void): Promise<T> {
  const url = new URL(`${target.server.replace(/\/+$/, '')}${path}`);
  const opts: RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await target.kc.applyToHTTPSOptions(opts);
  if (target.requestTimeoutMs > 0) opts.signal = AbortSignal.timeout(target.requestTimeoutMs);
  log(`GET ${url.href}`);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<T>((resolve, reject) => {
    const req = send(url, opts, res => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          try {
            resolve(JSON.parse(body) as T);
          } catch (err) {
            reject(new Error(`the API server's answer to GET ${url.pathname} is not JSON: ${(err as Error).message}`));
          }
          return;
        }
        reject(Object.assign(new Error(`HTTP ${status}: ${body.slice(0, 200)}`), { status, body }) as RestError);
      });
    });
    req.on('error', reject);
    req.end();
  });
}
