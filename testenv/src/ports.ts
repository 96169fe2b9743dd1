import * as net from 'node:net';

/**
 * `count` distinct free TCP ports on 127.0.0.1. All are held open together until every one is
 * known, so they differ from each other; another process can still take one before we bind it,
 * which startTestCluster reports as a component that exited early.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
    }
    return servers.map(s => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(s => new Promise<void>(r => s.close(() => r()))));
  }
}
