// The `list` bundle loads client-node's SOCKS proxy support only when a kubeconfig asks for it
// (scripts/build.ts): a proxy-url of socks5:// must still send the request through that proxy.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadKubeconfig, ensureBundle, runWithPath } from './testing/plugin';

let proxy: Server;
let port = 0;
const greetings: Buffer[] = [];

beforeAll(async () => {
  // A SOCKS proxy that records the client's first bytes and hangs up.
  proxy = createServer(socket => {
    socket.once('data', (d: Buffer) => {
      greetings.push(d);
      socket.destroy();
    });
  });
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
  port = (proxy.address() as { port: number }).port;
});

afterAll(() => new Promise<void>(resolve => proxy.close(() => resolve())));

it('list sends its request through a socks5:// proxy-url', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k0smotron-socks-'));
  const kubeconfig = join(dir, 'kubeconfig');
  // Nothing listens at the server's address; only the proxy is dialled.
  writeFileSync(
    kubeconfig,
    deadKubeconfig('https://127.0.0.1:1').replace(
      '    insecure-skip-tls-verify: true\n',
      `    insecure-skip-tls-verify: true\n    proxy-url: socks5://127.0.0.1:${port}\n`,
    ),
  );
  const r = await runWithPath(process.execPath, [ensureBundle(), 'list', '--kubeconfig', kubeconfig, '--request-timeout', '10s'], dir, {
    env: { KUBECTL_K0SMOTRON_CACHE_DIR: join(dir, 'cache') },
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/not a constructor|SocksProxyAgent/);
  // SOCKS version 5 greeting: the request went to the proxy.
  expect(greetings.length).toBeGreaterThan(0);
  expect(greetings[0][0]).toBe(5);
});
