// A worker that joins a child cluster with a k0s join token, for tests and the demo.
//
// It does what `k0s install worker --token-file F` + `k0s start` do up to a registered kubelet:
// read the token (base64 of gzip of a kubeconfig), refuse anything but a worker token, perform
// kubelet TLS bootstrap against the address in the token (a CertificateSigningRequest for
// `system:node:<name>` in `system:nodes`, signer `kubernetes.io/kube-apiserver-client-kubelet`,
// authenticated with the bootstrap token; the control plane approves and signs it), then run a
// kubelet with the signed identity. The kubelet is a kubemark hollow kubelet: it registers a real
// Node, keeps its status and lease, and runs pods on a fake runtime (nothing really runs).
//
// The token is read here independently of the operator's encoder, the way k0s reads it, so a
// token the operator writes wrongly fails here as it would on a real worker.
import 'reflect-metadata'; // @peculiar/x509 (via tsyringe) needs a Reflect polyfill
import { randomBytes, webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as x509 from '@peculiar/x509';
import YAML from 'yaml';
import { ensureBinaries } from './binaries';
import { canIsolateNodes } from './cluster';
import { toFlags } from './components';
import { renderKubeconfig } from './kubeconfig';
import { freePorts } from './ports';
import { ProcessSupervisor, tailFile } from './processes';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The user name of a worker token's kubeconfig (k0s's `WorkerTokenAuthName`). */
export const WORKER_TOKEN_USER = 'kubelet-bootstrap';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Where a worker's kubeconfig sits inside its private /tmp (kubemark hard-codes /tmp). */
const KUBECONFIG_IN_NAMESPACE = '/tmp/kubelet.conf';

/** What the worker takes from a join token. */
export interface WorkerJoinToken {
  server: string;
  caPem: string;
  /** The kubeconfig user: `kubelet-bootstrap` for workers, `controller-bootstrap` for controllers. */
  user: string;
  /** `<id>.<secret>` */
  bearer: string;
}

export type JoinStage = 'token' | 'bootstrap' | 'approval' | 'kubelet';

/** Why a join failed, with the step and, for API answers, the HTTP status. */
export class WorkerJoinError extends Error {
  constructor(
    message: string,
    readonly stage: JoinStage,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'WorkerJoinError';
  }
}

/**
 * Reads a join token as k0s does (its `DecodeJoinToken`, then `clientcmd.Load`, then the token
 * type check that makes `k0s worker` refuse a controller token with "wrong token type").
 */
export function readWorkerJoinToken(text: string): WorkerJoinToken {
  let kubeconfig: string;
  try {
    kubeconfig = gunzipSync(Buffer.from(text.trim(), 'base64')).toString('utf8');
  } catch (err) {
    throw new WorkerJoinError(`failed to decode join token: ${(err as Error).message}`, 'token');
  }
  let doc: {
    'current-context'?: string;
    contexts?: Array<{ name?: string; context?: { cluster?: string; user?: string } }>;
    clusters?: Array<{ name?: string; cluster?: { server?: string; 'certificate-authority-data'?: string } }>;
    users?: Array<{ name?: string; user?: { token?: string } }>;
  };
  try {
    doc = YAML.parse(kubeconfig) ?? {};
  } catch (err) {
    throw new WorkerJoinError(`failed to load kubeconfig from join token: ${(err as Error).message}`, 'token');
  }
  const ctx = doc.contexts?.find(c => c.name === doc['current-context'])?.context;
  const user = doc.users?.find(u => u.name === ctx?.user);
  // k0s's GetTokenType: the name of the current context's user.
  const tokenType = user?.name ?? '';
  if (tokenType !== WORKER_TOKEN_USER) {
    throw new WorkerJoinError(`wrong token type ${tokenType}, expected type: ${WORKER_TOKEN_USER}`, 'token');
  }
  const cluster = doc.clusters?.find(c => c.name === ctx?.cluster)?.cluster;
  const ca = cluster?.['certificate-authority-data'];
  if (!cluster?.server || !ca || !user?.user?.token) {
    throw new WorkerJoinError('join token kubeconfig lacks the server, the CA or the bootstrap token', 'token');
  }
  return { server: cluster.server, caPem: Buffer.from(ca, 'base64').toString('utf8'), user: tokenType, bearer: user.user.token };
}

interface Reply {
  status: number;
  body: string;
}

function call(
  url: string,
  opts: { caPem: string; bearer?: string; cert?: { certPem: string; keyPem: string }; method?: string; body?: unknown; timeoutMs?: number },
): Promise<Reply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.caPem,
        agent: false,
        timeout: opts.timeoutMs ?? 10_000,
        ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
        headers: {
          accept: 'application/json',
          ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs ?? 10_000} ms`)));
    req.end(payload);
  });
}

function statusMessage(r: Reply): string {
  try {
    return String((JSON.parse(r.body) as { message?: string }).message ?? r.body);
  } catch {
    return r.body.slice(0, 300);
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function pemOf(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

export interface KubeletCertificate {
  certPem: string;
  keyPem: string;
  /** The CertificateSigningRequest's name in the child. */
  csrName: string;
}

/**
 * Kubelet TLS bootstrap: a new P-256 key, a CSR for `system:node:<nodeName>` (O `system:nodes`)
 * with the usages kubelet asks for, created with the bootstrap token; then waits until the
 * control plane approved and signed it. Fails with the API's answer (401 for a token the server
 * does not accept), on Denied/Failed, or after `timeoutMs` (default 60 s) without a certificate.
 */
export async function bootstrapKubeletCertificate(opts: {
  server: string;
  caPem: string;
  bearer: string;
  nodeName: string;
  timeoutMs?: number;
}): Promise<KubeletCertificate> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=system:node:${opts.nodeName}, O=system:nodes`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const keyPem = pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  // kubelet names its requests node-csr-<hash of the key>; any unique name does.
  const csrName = `node-csr-${randomBytes(8).toString('hex')}`;
  const base = `${opts.server.replace(/\/$/, '')}/apis/certificates.k8s.io/v1/certificatesigningrequests`;
  let created: Reply;
  try {
    created = await call(base, {
      caPem: opts.caPem,
      bearer: opts.bearer,
      method: 'POST',
      body: {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: csrName },
        spec: {
          request: Buffer.from(csr.toString('pem')).toString('base64'),
          signerName: KUBELET_CLIENT_SIGNER,
          // Exactly what kubelet asks for; the approver requires this set for node client certs.
          usages: ['digital signature', 'key encipherment', 'client auth'],
        },
      },
    });
  } catch (err) {
    throw new WorkerJoinError(`cannot reach the control plane at ${opts.server}: ${(err as Error).message}`, 'bootstrap');
  }
  if (created.status !== 201) {
    throw new WorkerJoinError(`creating the certificate signing request: HTTP ${created.status}: ${statusMessage(created)}`, 'bootstrap', created.status);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last = 'not approved yet';
  for (;;) {
    const r = await call(`${base}/${csrName}`, { caPem: opts.caPem, bearer: opts.bearer }).catch((err: Error) => ({ status: 0, body: err.message }));
    if (r.status === 200) {
      const obj = JSON.parse(r.body) as {
        status?: { certificate?: string; conditions?: Array<{ type: string; status?: string; reason?: string; message?: string }> };
      };
      const bad = obj.status?.conditions?.find(c => (c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False');
      if (bad) throw new WorkerJoinError(`CSR ${csrName} ${bad.type}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim(), 'approval');
      if (obj.status?.certificate) {
        return { certPem: Buffer.from(obj.status.certificate, 'base64').toString('utf8'), keyPem, csrName };
      }
      last = obj.status?.conditions?.some(c => c.type === 'Approved') ? 'approved, not signed yet' : 'not approved yet';
    } else {
      last = `HTTP ${r.status}: ${r.status ? statusMessage(r) : r.body}`;
    }
    if (Date.now() > deadline) {
      throw new WorkerJoinError(`CSR ${csrName} got no certificate within ${(opts.timeoutMs ?? 60_000) / 1000} s (${last})`, 'approval');
    }
    await sleep(250);
  }
}

export interface JoinWorkerOptions {
  /** The token text, as in the file given to `k0s install worker --token-file`. */
  token?: string;
  /** Or read it from this file. */
  tokenFile?: string;
  /** Node name (default `worker-<random>`). */
  name?: string;
  /** Extra node labels the kubelet registers with. */
  labels?: Record<string, string>;
  /** Parent of the worker's temp dir (default $K0SMOTRON_TEST_TMPDIR, /dev/shm, or the OS temp dir). */
  baseDir?: string;
  log?: (message: string) => void;
  /** For approval and for the Node to turn Ready, each; default 90 s. */
  timeoutMs?: number;
}

export interface JoinedWorker {
  name: string;
  /** The address it joined (the token's). */
  server: string;
  csrName: string;
  /** The signed client certificate (CN system:node:<name>, O system:nodes). */
  certificatePem: string;
  /** The kubelet's kubeconfig (the token's server and CA, the signed identity). */
  kubeconfigPath: string;
  dir: string;
  pids(): number[];
  logs(lines?: number): string;
  /** Stops the kubelet and removes its dir; the Node stays in the cluster, as when a machine stops. */
  stop(): Promise<void>;
}

function defaultBaseDir(): string {
  if (process.env.K0SMOTRON_TEST_TMPDIR) return process.env.K0SMOTRON_TEST_TMPDIR;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/**
 * Joins a worker with a k0s token and returns once its Node is Ready in the cluster (read with
 * the worker's own identity, as the kubelet sees it). Throws WorkerJoinError naming the step.
 */
export async function joinWorker(opts: JoinWorkerOptions): Promise<JoinedWorker> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[worker] ${m}\n`));
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const text = opts.token ?? (opts.tokenFile ? fs.readFileSync(opts.tokenFile, 'utf8') : undefined);
  if (!text) throw new WorkerJoinError('no join token given (token or tokenFile)', 'token');
  const token = readWorkerJoinToken(text);
  const name = opts.name ?? `worker-${randomBytes(3).toString('hex')}`;
  const t0 = Date.now();

  const cert = await bootstrapKubeletCertificate({ server: token.server, caPem: token.caPem, bearer: token.bearer, nodeName: name, timeoutMs });
  log(`${name}: certificate signed (CSR ${cert.csrName}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  // kubemark 1.20 hard-codes /tmp for its fake runtime socket and its root dir: two hollow
  // kubelets sharing /tmp would see each other's containers. Like testenv's own hollow nodes,
  // each worker gets a private mount namespace whose /tmp is its own dir.
  if (!canIsolateNodes()) {
    throw new WorkerJoinError("a hollow kubelet needs a private /tmp ('unshare --mount' as root), which failed here", 'kubelet');
  }
  const bins = ensureBinaries();
  const dir = fs.mkdtempSync(path.join(opts.baseDir ?? defaultBaseDir(), 'k0smotron-testenv-worker-'));
  const supervisor = new ProcessSupervisor(dir, true);
  const logFile = path.join(dir, 'logs', 'kubelet.log');
  const logs = (lines = 40) => tailFile(logFile, lines);
  try {
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const kubeconfigPath = path.join(tmp, path.basename(KUBECONFIG_IN_NAMESPACE));
    // The token's address and CA, unchanged: the kubelet talks to what the token names.
    fs.writeFileSync(
      kubeconfigPath,
      renderKubeconfig({
        server: token.server,
        caPem: token.caPem,
        clientCertPem: cert.certPem,
        clientKeyPem: cert.keyPem,
        clusterName: 'k0s',
        userName: 'kubelet',
      }),
      { mode: 0o600 },
    );
    const [kubeletPort, readOnlyPort] = await freePorts(2);
    const labels = Object.entries({ 'k0smotron.io/testenv-worker': 'true', ...opts.labels })
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    supervisor.start(
      {
        name: `kubelet-${name}`,
        command: 'unshare',
        args: [
          '--mount',
          '--propagation',
          'private',
          '--',
          'sh',
          '-c',
          'mount --bind "$0" /tmp && exec "$@"',
          tmp,
          path.join(bins.binDir, 'kubemark'),
          ...toFlags({
            morph: 'kubelet',
            name,
            kubeconfig: KUBECONFIG_IN_NAMESPACE,
            'kubelet-port': kubeletPort,
            'kubelet-read-only-port': readOnlyPort,
            'node-labels': labels,
            v: 1,
          }),
        ],
      },
      logFile,
    );
    const deadline = Date.now() + timeoutMs;
    let state = 'not registered yet';
    for (;;) {
      const dead = supervisor.firstExited();
      if (dead) throw new WorkerJoinError(`the kubelet exited (${dead.exit?.code ?? dead.exit?.signal}) before its Node was Ready:\n${logs(25)}`, 'kubelet');
      const r = await call(`${token.server.replace(/\/$/, '')}/api/v1/nodes/${name}`, { caPem: token.caPem, cert }).catch((err: Error) => ({
        status: 0,
        body: err.message,
      }));
      if (r.status === 200) {
        const node = JSON.parse(r.body) as { status?: { conditions?: Array<{ type: string; status: string }> } };
        const ready = node.status?.conditions?.find(c => c.type === 'Ready');
        if (ready?.status === 'True') break;
        state = `registered, Ready=${ready?.status ?? 'not reported'}`;
      } else if (r.status !== 404) {
        state = `HTTP ${r.status}: ${r.status ? statusMessage(r) : r.body}`;
      }
      if (Date.now() > deadline) throw new WorkerJoinError(`Node ${name} not Ready within ${timeoutMs / 1000} s (${state}):\n${logs(25)}`, 'kubelet');
      await sleep(250);
    }
    log(`${name}: Node Ready (${((Date.now() - t0) / 1000).toFixed(1)} s after the token was read)`);
    return {
      name,
      server: token.server,
      csrName: cert.csrName,
      certificatePem: cert.certPem,
      kubeconfigPath,
      dir,
      pids: () => supervisor.processes.map(p => p.pid),
      logs,
      stop: () => supervisor.stop(),
    };
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
}
