// A local HTTP proxy in front of the real kube-apiserver that injects faults: it answers chosen
// requests itself (409, 429, 5xx, or a watch that ends with 410 Gone) and forwards the rest with
// the caller's credentials. Clients use `proxy.kubeConfig` (plain http on 127.0.0.1), so
// nothing about TLS changes in the code under test.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface ProxiedRequest {
  method: string;
  /** Path with query, e.g. /api/v1/namespaces/a/secrets?watch=true */
  url: string;
  isWatch: boolean;
}

/** What to do with one request: forward it, answer with a status, or end a watch with 410 Gone. */
export type FaultDecision = undefined | { status: number; reason?: string; retryAfterSeconds?: number } | 'watch-gone';

export interface FaultProxy {
  kubeConfig: KubeConfig;
  url: string;
  /** Every request seen, with what was done. */
  log: Array<ProxiedRequest & { injected?: number | 'watch-gone'; at: number }>;
  setPolicy(policy: (req: ProxiedRequest) => FaultDecision): void;
  /** Ends every open (forwarded) watch stream, as an API server restart would. */
  cutWatches(): void;
  close(): Promise<void>;
}

const REASONS: Record<number, string> = { 409: 'Conflict', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };

export async function startFaultProxy(upstream: KubeConfig): Promise<FaultProxy> {
  const cluster = upstream.getCurrentCluster();
  if (!cluster) throw new Error('fault proxy: the upstream kubeconfig has no current cluster');
  const target = new URL(cluster.server);
  const tls: https.RequestOptions = {};
  await upstream.applyToHTTPSOptions(tls);
  const agent = new https.Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized, keepAlive: true });
  const authHeaders = (tls.headers ?? {}) as Record<string, string>;
  let policy: (req: ProxiedRequest) => FaultDecision = () => undefined;
  const log: FaultProxy['log'] = [];
  const openWatches = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const isWatch = /[?&]watch=(true|1)/.test(url);
    const entry: FaultProxy['log'][number] = { method: req.method ?? 'GET', url, isWatch, at: Date.now() };
    log.push(entry);
    const decision = policy(entry);
    if (decision === 'watch-gone' && isWatch) {
      entry.injected = 'watch-gone';
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version (injected)', reason: 'Expired', code: 410 } })}\n`,
      );
      return;
    }
    if (decision && decision !== 'watch-gone') {
      entry.injected = decision.status;
      req.resume();
      const reason = decision.reason ?? REASONS[decision.status] ?? 'InternalError';
      res.writeHead(decision.status, {
        'Content-Type': 'application/json',
        ...(decision.retryAfterSeconds !== undefined ? { 'Retry-After': String(decision.retryAfterSeconds) } : {}),
      });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `injected ${decision.status}`, reason, code: decision.status }));
      return;
    }
    const headers = { ...req.headers, ...authHeaders, host: target.host };
    delete headers.authorization;
    if (authHeaders.Authorization) headers.authorization = authHeaders.Authorization;
    const up = https.request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, path: url, method: req.method, headers, agent },
      upRes => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (isWatch) {
          openWatches.add(res);
          res.once('close', () => openWatches.delete(res));
        }
        upRes.pipe(res);
      },
    );
    up.on('error', err => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    res.once('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fault-proxy', server: url, skipTLSVerify: true }],
    users: [{ name: 'fault-proxy' }],
    contexts: [{ name: 'fault-proxy', cluster: 'fault-proxy', user: 'fault-proxy' }],
    currentContext: 'fault-proxy',
  });
  return {
    kubeConfig: kc,
    url,
    log,
    setPolicy: p => (policy = p),
    cutWatches: () => {
      for (const res of openWatches) res.destroy();
      openWatches.clear();
    },
    close: async () => {
      for (const res of openWatches) res.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
