// Why a renewed etcd leaf certificate needs no etcd restart: since 3.2, etcd loads its certificate
// and key files again for every new TLS connection (its transport package reads them in the
// GetCertificate and GetClientCertificate callbacks, so for its listeners and for its own
// connections to peers alike). The etcd pods mount the certificate Secrets as a projected volume
// without subPath, so the kubelet swaps the files in place when the Secrets change, and the next
// connection gets the new certificate. Connections already open keep their session, which stays
// valid: TLS checks a certificate's validity only at the handshake.
//
// This runs a real etcd (the test cluster's binary, 3.4; the pods run a newer one with the same
// transport code) with the flags and file names of desired/etcd.ts, certificates generated and
// renewed as the operator does, and a certificate directory laid out as the kubelet writes
// volumes (files are links through `..data`, which is swapped in one rename).
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { etcdPath } from '@k0smotron/testenv';
import { generatePki, type CertKeyPem } from '../pki';
import { eventually } from './testing/helpers';

jest.setTimeout(120_000);

const LEAVES = ['etcd-server', 'etcd-peer', 'apiserver-etcd-client'] as const;

let etcd: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (etcd && etcd.exitCode === null) {
    const exited = new Promise(r => etcd!.once('exit', r));
    etcd.kill('SIGTERM');
    await exited;
  }
  etcd = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes one version of the volume and points `..data` at it in one rename, as the kubelet does. */
function writeVolume(certs: string, version: string, files: Record<string, string>): void {
  const versionDir = path.join(certs, `..${version}`);
  fs.mkdirSync(versionDir, { mode: 0o700 });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(versionDir, name), text, { mode: 0o400 });
  const tmpLink = path.join(certs, '..data_tmp');
  fs.symlinkSync(`..${version}`, tmpLink);
  fs.renameSync(tmpLink, path.join(certs, '..data'));
  for (const name of Object.keys(files)) {
    const link = path.join(certs, name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', name), link);
  }
}

function volumeFiles(ca: CertKeyPem, leaves: Record<(typeof LEAVES)[number], CertKeyPem>): Record<string, string> {
  return {
    'etcd-ca.crt': ca.cert,
    'etcd-server.crt': leaves['etcd-server'].cert,
    'etcd-server.key': leaves['etcd-server'].key,
    'etcd-peer.crt': leaves['etcd-peer'].cert,
    'etcd-peer.key': leaves['etcd-peer'].key,
  };
}

/** The serial of the certificate a new TLS connection to the port is served (SNI on or off). */
function servedSerial(port: number, ca: string, client: CertKeyPem, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, cert: client.cert, key: client.key, servername, checkServerIdentity: () => undefined }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

/** GET /health with a client certificate, as the API server's etcd client authenticates. */
function health(port: number, ca: string, client: CertKeyPem): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/health', ca, cert: client.cert, key: client.key, servername: 'localhost', agent: false }, res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
  });
}

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

/** Two distinct free ports on 127.0.0.1 (both held open until both are known). */
async function twoFreePorts(): Promise<[number, number]> {
  const servers = [net.createServer(), net.createServer()];
  await Promise.all(servers.map(s => new Promise<void>(r => s.listen(0, '127.0.0.1', r))));
  const ports = servers.map(s => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map(s => new Promise(r => s.close(r))));
  return [ports[0], ports[1]];
}

describe('etcd and renewed certificate files', () => {
  it('serves the renewed server and peer certificates on new connections without a restart, and accepts renewed client certificates', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smotron-etcd-reload-'));
    const certs = path.join(dir, 'pki');
    fs.mkdirSync(certs, { mode: 0o700 });
    const now = new Date();
    const first = await generatePki({ missing: ['etcd', ...LEAVES], etcdServiceName: 'kmc-r-etcd', namespace: 'ns', now });
    const ca = first.etcd!;
    writeVolume(certs, 'v1', volumeFiles(ca, first as Record<(typeof LEAVES)[number], CertKeyPem>));

    const [clientPort, peerPort] = await twoFreePorts();
    const f = (name: string) => path.join(certs, name);
    etcd = spawn(
      etcdPath(),
      [
        '--name=m0',
        `--data-dir=${path.join(dir, 'data')}`,
        `--listen-client-urls=https://127.0.0.1:${clientPort}`,
        `--advertise-client-urls=https://127.0.0.1:${clientPort}`,
        `--listen-peer-urls=https://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=https://127.0.0.1:${peerPort}`,
        `--initial-cluster=m0=https://127.0.0.1:${peerPort}`,
        '--client-cert-auth=true',
        '--peer-client-cert-auth=true',
        `--trusted-ca-file=${f('etcd-ca.crt')}`,
        `--peer-trusted-ca-file=${f('etcd-ca.crt')}`,
        `--cert-file=${f('etcd-server.crt')}`,
        `--key-file=${f('etcd-server.key')}`,
        `--peer-cert-file=${f('etcd-peer.crt')}`,
        `--peer-key-file=${f('etcd-peer.key')}`,
        '--log-level=warn',
        '--logger=zap',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    etcd.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const pid = etcd.pid;

    const client1 = first['apiserver-etcd-client']!;
    await eventually(
      'etcd healthy over TLS',
      async () => {
        if (etcd!.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
        return (await health(clientPort, ca.cert, client1).catch(() => 0)) === 200;
      },
      60_000,
    );
    expect(await servedSerial(clientPort, ca.cert, client1, 'localhost')).toBe(serialOf(first['etcd-server']!.cert));
    expect(await servedSerial(peerPort, ca.cert, first['etcd-peer']!, 'localhost')).toBe(serialOf(first['etcd-peer']!.cert));

    // Renewed as the operator renews them: new keys, signed by the same etcd CA.
    const renewed = await generatePki({ missing: [...LEAVES], existingEtcdCa: ca, etcdServiceName: 'kmc-r-etcd', namespace: 'ns', now: new Date() });
    writeVolume(certs, 'v2', volumeFiles(ca, renewed as Record<(typeof LEAVES)[number], CertKeyPem>));

    // The very next connections get the new certificates: by name (SNI) and by IP (no SNI, as
    // the readiness probe's etcdctl to 127.0.0.1 connects).
    const client2 = renewed['apiserver-etcd-client']!;
    expect(await servedSerial(clientPort, ca.cert, client2, 'localhost')).toBe(serialOf(renewed['etcd-server']!.cert));
    expect(await servedSerial(clientPort, ca.cert, client2)).toBe(serialOf(renewed['etcd-server']!.cert));
    expect(await servedSerial(peerPort, ca.cert, renewed['etcd-peer']!, 'localhost')).toBe(serialOf(renewed['etcd-peer']!.cert));
    expect(await servedSerial(peerPort, ca.cert, renewed['etcd-peer']!)).toBe(serialOf(renewed['etcd-peer']!.cert));
    // Renewed and not yet expired old client certificates are both accepted (same CA).
    expect(await health(clientPort, ca.cert, client2)).toBe(200);
    expect(await health(clientPort, ca.cert, client1)).toBe(200);
    // The same process all along.
    expect(etcd.exitCode).toBeNull();
    expect(etcd.pid).toBe(pid);
  });
});
