// A network partition between one client and the real kube-apiserver, for fencing tests. The
// client talks plain http to this proxy on 127.0.0.1; the proxy forwards to the API server over
// TLS with the upstream kubeconfig's credentials. `partition()` holds everything in both
// directions: new requests are not forwarded, and answers and watch events already on their way
// back are not delivered. `heal()` lets it all through in order, as TCP retransmission would once
// the network is back, except for requests whose client gave up (closed the connection) in
// between: those never reach the server, like packets of a connection that was reset. The log says
// when each request reached the server, so a test can prove what a partitioned client did not
// write.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface ProxiedRequest {
  method: string;
  /** Path with query. */
  url: string;
  isWatch: boolean;
  /** When the client sent it (ms since the epoch). */
  arrivedAt: number;
  /** When it was forwarded to the API server; unset while held and for dropped requests. */
  forwardedAt?: number;
  /** The client closed the connection while the request was held: it never reached the server. */
  dropped?: boolean;
}

export interface PartitionProxy {
  /** Plain-http kubeconfig for the partitioned client. */
  kubeConfig: KubeConfig;
  log: ProxiedRequest[];
  partition(): void;
  heal(): void;
  isPartitioned(): boolean;
  close(): Promise<void>;
}

export async function startPartitionProxy(upstream: KubeConfig): Promise<PartitionProxy> {
  const cluster = upstream.getCurrentCluster();
  if (!cluster) throw new Error('partition proxy: the upstream kubeconfig has no current cluster');
  const target = new URL(cluster.server);
  const tls: https.RequestOptions = {};
  await upstream.applyToHTTPSOptions(tls);
  const agent = new https.Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized, keepAlive: true });
  const authHeaders = (tls.headers ?? {}) as Record<string, string>;
  const log: ProxiedRequest[] = [];
  // Work that must wait for the network: forwarding a request, delivering part of an answer.
  let held: Array<() => void> | undefined;
  const pass = (fn: () => void) => (held ? held.push(fn) : fn());
  const open = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const entry: ProxiedRequest = { method: req.method ?? 'GET', url, isWatch: /[?&]watch=(true|1)/.test(url), arrivedAt: Date.now() };
    log.push(entry);
    open.add(res);
    let up: http.ClientRequest | undefined;
    let clientGone = false;
    res.once('close', () => {
      clientGone = !res.writableFinished;
      open.delete(res);
      up?.destroy();
    });
    pass(() => {
      if (clientGone) {
        entry.dropped = true;
        return;
      }
      entry.forwardedAt = Date.now();
      const headers: http.OutgoingHttpHeaders = { ...req.headers, ...authHeaders, host: target.host };
      up = https.request({ protocol: target.protocol, hostname: target.hostname, port: target.port, path: url, method: req.method, headers, agent }, upRes => {
        pass(() => res.writeHead(upRes.statusCode ?? 502, upRes.headers));
        upRes.on('data', (chunk: Buffer) => pass(() => res.write(chunk)));
        upRes.on('end', () => pass(() => res.end()));
        upRes.on('error', () => pass(() => res.destroy()));
      });
      up.on('error', err =>
        pass(() => {
          if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end(`partition proxy: ${err.message}`);
        }),
      );
      req.pipe(up);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'partition-proxy', server: url, skipTLSVerify: true }],
    users: [{ name: 'partition-proxy' }],
    contexts: [{ name: 'partition-proxy', cluster: 'partition-proxy', user: 'partition-proxy' }],
    currentContext: 'partition-proxy',
  });
  return {
    kubeConfig: kc,
    log,
    partition: () => {
      held ??= [];
    },
    heal: () => {
      const queued = held ?? [];
      held = undefined;
      for (const fn of queued) fn();
    },
    isPartitioned: () => held !== undefined,
    close: async () => {
      held = undefined;
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
