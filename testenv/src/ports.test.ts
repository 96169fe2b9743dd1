// Port picking for the test cluster's components: below the kernel's ephemeral range, so that an
// outgoing connection cannot take a component's port while the component restarts.
import * as net from 'node:net';
import { ephemeralPortRange, freePort, freePorts, listeningPortRange } from './ports';

describe('ports', () => {
  it('reads the ephemeral range, falling back to Linux defaults on anything unreadable', () => {
    expect(ephemeralPortRange(() => '32768\t60999\n')).toEqual([32768, 60999]);
    expect(ephemeralPortRange(() => '40000 50000')).toEqual([40000, 50000]);
    expect(ephemeralPortRange(() => 'garbage')).toEqual([32768, 60999]);
    expect(
      ephemeralPortRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual([32768, 60999]);
  });

  it('picks listening ports below the ephemeral range', () => {
    expect(listeningPortRange([32768, 60999])).toEqual([10_000, 32767]);
    expect(listeningPortRange([5000, 60999])).toEqual([1024, 4999]);
  });

  it('gives distinct free ports below the ephemeral range', async () => {
    const [low] = ephemeralPortRange();
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) expect(p).toBeLessThan(low);
    // Each was free: it can be bound now.
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise(r => server.close(r));
    expect(await freePort()).toBeLessThan(low);
  });

  it('says so when no port in the range is free', async () => {
    const server = net.createServer();
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const taken = (server.address() as net.AddressInfo).port;
    try {
      await expect(freePorts(1, [taken, taken])).rejects.toThrow(`no 1 free TCP ports on 127.0.0.1 between ${taken} and ${taken}`);
    } finally {
      await new Promise(r => server.close(r));
    }
  });
});
