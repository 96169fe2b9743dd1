import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * The kernel's range of ephemeral ports, from which every outgoing connection takes its local
 * port. A listening port chosen inside it can be taken by some connection while its server is
 * down (a restarted kube-apiserver then fails with "address already in use"), so ports are
 * chosen below it.
 */
export function ephemeralPortRange(read: () => string = () => fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): [number, number] {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && low <= high) return [low, high];
  } catch {
    // Not Linux, or /proc is not mounted: Linux's default range.
  }
  return [32768, 60999];
}

/** Where listening ports are picked: from 10000 up to the ephemeral range (ports below 1024 need root). */
export function listeningPortRange(ephemeral: [number, number] = ephemeralPortRange()): [number, number] {
  const [low] = ephemeral;
  return low > 11_000 ? [10_000, low - 1] : [1024, Math.max(1024, low - 1)];
}

function listen(server: net.Server, port: number): Promise<boolean> {
  return new Promise(resolve => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

/**
 * `count` distinct free TCP ports on 127.0.0.1, below the ephemeral range. All are held open
 * together until every one is known, so they differ from each other; another process can still
 * take one before we bind it, which startTestCluster reports as a component that exited early.
 */
export async function freePorts(count: number, range: [number, number] = listeningPortRange()): Promise<number[]> {
  const [low, high] = range;
  const servers: net.Server[] = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (tries >= count * 50) throw new Error(`no ${count} free TCP ports on 127.0.0.1 between ${low} and ${high}`);
      const server = net.createServer();
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if (await listen(server, port)) servers.push(server);
    }
    return servers.map(s => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(s => new Promise<void>(r => s.close(() => r()))));
  }
}

/**
 * One TCP port on 127.0.0.1 that was free a moment ago: bound, then closed. Tests use it for a
 * server they start next, or as an address where nothing listens (a refused connection).
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
