// A stand-in for a k0s control plane in tests: pods on hollow nodes run nothing, so the "child"
// API server of a Cluster is a real kube-apiserver (+ its own etcd) started here from the test
// cluster's binaries with the PKI the operator generated for that Cluster: its CA verifies
// clients and signs the serving certificate, its SA keys sign tokens, its front-proxy CA backs
// request-header auth, and bootstrap tokens authenticate as they do in k0s.
//
// For workers to join, it also runs what a k0s controller runs for kubelet TLS bootstrap: a
// kube-controller-manager that approves node-client CSRs and signs them with the Cluster CA, and
// removes expired bootstrap tokens; and the ClusterRoleBindings k0s applies at start
// (bootstrapRbac below).
import 'reflect-metadata'; // @peculiar/x509 (via tsyringe) needs a Reflect polyfill
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ensureBinaries } from './binaries';
import { SERVICE_CLUSTER_IP_RANGE, toFlags } from './components';
import { renderKubeconfig } from './kubeconfig';
import { freePorts } from './ports';
import { ProcessSupervisor, tailFile } from './processes';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The PKI of one Cluster, as the operator stores it (`<n>-ca`, `<n>-sa`, `<n>-proxy`). */
export interface ChildApiPki {
  caCertPem: string;
  caKeyPem: string;
  /** `<n>-sa` tls.crt: the public key PEM. */
  saPublicKeyPem: string;
  saPrivateKeyPem: string;
  frontProxyCaCertPem: string;
}

export interface ChildApiServerOptions {
  pki: ChildApiPki;
  /** Listen here (e.g. to come back at the same URL after stop()); default a free port. */
  port?: number;
  /** Extra SANs for the serving certificate (127.0.0.1 and localhost are always there). */
  dnsNames?: string[];
  ipAddresses?: string[];
  baseDir?: string;
  log?: (message: string) => void;
  startTimeoutMs?: number;
  /**
   * Run the kube-controller-manager workers need to join (CSR approval and signing, token
   * cleaner, node lifecycle); default true. Without it a CSR is never approved.
   */
  controllerManager?: boolean;
}

export interface ChildApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The serving certificate (signed by the Cluster CA). */
  servingCertPem: string;
  /** The temp dir (PKI copies, etcd data, logs); removed by stop(). */
  dir: string;
  /** An admin kubeconfig for the child (CN `testenv-child-admin`, O `system:masters`), in `dir`. */
  adminKubeconfigPath: string;
  pids(): number[];
  logs(lines?: number): string;
  /** Stops kube-apiserver and etcd and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The ClusterRoleBindings a k0s controller applies at start for kubelet TLS bootstrap, with k0s's
 * names (its `bootstrapRBACTemplate` in pkg/component/controller/systemrbac.go): bootstrap tokens
 * (group `system:bootstrappers`) may create CSRs and have node-client CSRs approved, and nodes
 * may have the renewals of their own client certificates approved. The ClusterRoles themselves
 * are kube-apiserver's built-in ones.
 */
export const K0S_BOOTSTRAP_RBAC: ReadonlyArray<{ name: string; clusterRole: string; group: string }> = [
  { name: 'kubelet-bootstrap', clusterRole: 'system:node-bootstrapper', group: 'system:bootstrappers' },
  {
    name: 'node-autoapprove-bootstrap',
    clusterRole: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    group: 'system:bootstrappers',
  },
  {
    name: 'node-autoapprove-certificate-rotation',
    clusterRole: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    group: 'system:nodes',
  },
];

/**
 * The child's controllers. k0s runs `*,bootstrapsigner,tokencleaner`; the stand-in runs the ones
 * a worker join touches, so that each child costs little on a shared machine: the per-controller
 * service-account credentials (as k0s, `--use-service-account-credentials`) need
 * serviceaccount-token; csrapproving/csrsigning/csrcleaner approve, sign and tidy node CSRs;
 * tokencleaner deletes expired bootstrap tokens and bootstrapsigner signs cluster-info with them,
 * as in k0s; nodelifecycle marks a node whose kubelet stopped reporting NotReady (Unknown).
 */
export const CHILD_CONTROLLERS = ['serviceaccount-token', 'csrapproving', 'csrsigning', 'csrcleaner', 'tokencleaner', 'bootstrapsigner', 'nodelifecycle'];

function decode(data: Record<string, string> | undefined, key: string, secret: string): string {
  const b64 = data?.[key];
  if (!b64) throw new Error(`Secret ${secret} has no ${key} yet`);
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Reads `<n>-ca`, `<n>-sa` and `<n>-proxy` of Cluster `namespace/name`. */
export async function readChildApiPki(kc: KubeConfig, namespace: string, clusterName: string): Promise<ChildApiPki> {
  const core = kc.makeApiClient(CoreV1Api);
  const read = (suffix: string) => core.readNamespacedSecret({ namespace, name: `${clusterName}-${suffix}` });
  const [ca, sa, proxy] = await Promise.all([read('ca'), read('sa'), read('proxy')]);
  return {
    caCertPem: decode(ca.data, 'tls.crt', `${clusterName}-ca`),
    caKeyPem: decode(ca.data, 'tls.key', `${clusterName}-ca`),
    saPublicKeyPem: decode(sa.data, 'tls.crt', `${clusterName}-sa`),
    saPrivateKeyPem: decode(sa.data, 'tls.key', `${clusterName}-sa`),
    frontProxyCaCertPem: decode(proxy.data, 'tls.crt', `${clusterName}-proxy`),
  };
}

/** A serving certificate signed by the given CA, whatever its key type (EC or RSA). */
export function signServingCert(
  caCertPem: string,
  caKeyPem: string,
  sans: { dnsNames: string[]; ipAddresses: string[] },
): Promise<{ certPem: string; keyPem: string }> {
  return signLeafCert(caCertPem, caKeyPem, { commonName: 'kube-apiserver', usage: 'server', ...sans });
}

/** A client or server certificate (P-256 key) signed by the given CA (EC or RSA key). */
export async function signLeafCert(
  caCertPem: string,
  caKeyPem: string,
  req: { commonName: string; organizations?: string[]; usage: 'server' | 'client'; dnsNames?: string[]; ipAddresses?: string[] },
): Promise<{ certPem: string; keyPem: string }> {
  const sans = [
    ...(req.dnsNames ?? []).map(value => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map(value => ({ type: 'ip' as const, value })),
  ];
  const caKey = createPrivateKey(caKeyPem);
  const der = caKey.export({ type: 'pkcs8', format: 'der' });
  let signingAlgorithm: Algorithm & { hash?: string };
  let signingKey: CryptoKey;
  if (caKey.asymmetricKeyType === 'ec') {
    const curve = caKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    signingKey = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
    signingAlgorithm = { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' };
  } else if (caKey.asymmetricKeyType === 'rsa') {
    signingKey = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    signingAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else {
    throw new Error(`CA key type ${caKey.asymmetricKeyType ?? 'unknown'} is not supported`);
  }
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = new x509.X509Certificate(caCertPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject: [...(req.organizations ?? []).map(o => `O=${o}`), `CN=${req.commonName}`].join(', '),
    issuer: caCert.subject,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + 7 * 86_400_000),
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([req.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}

/** Creates (or leaves in place) K0S_BOOTSTRAP_RBAC in the child, as k0s's manifest applier does. */
async function applyBootstrapRbac(url: string, caPem: string, admin: { certPem: string; keyPem: string }): Promise<void> {
  for (const b of K0S_BOOTSTRAP_RBAC) {
    const body = JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: b.name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.clusterRole },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: b.group }],
    });
    const status = await new Promise<{ code: number; text: string }>((resolve, reject) => {
      const req = https.request(
        `${url}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings`,
        { method: 'POST', ca: caPem, cert: admin.certPem, key: admin.keyPem, agent: false, timeout: 10_000, headers: { 'content-type': 'application/json' } },
        res => {
          let text = '';
          res.on('data', c => (text += c));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end(body);
    });
    if (status.code !== 201 && status.code !== 409) {
      throw new Error(`creating ClusterRoleBinding ${b.name} in the child: HTTP ${status.code} ${status.text.slice(0, 300)}`);
    }
  }
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

function probe(get: (cb: (res: http.IncomingMessage) => void) => http.ClientRequest): Promise<boolean> {
  return new Promise(resolve => {
    const req = get(res => {
      let body = '';
      res.on('data', c => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body.length > 0));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * Starts etcd and kube-apiserver for one Cluster's PKI and waits until /readyz answers (and
 * kube-system exists). Progress goes to `log`; on failure the component logs are in the error.
 */
export async function startChildApiServer(opts: ChildApiServerOptions): Promise<ChildApiServer> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[child-api] ${m}\n`));
  const t0 = Date.now();
  const deadline = t0 + (opts.startTimeoutMs ?? 90_000);
  const bins = ensureBinaries();
  const baseDir = opts.baseDir ?? defaultBaseDir();
  // The `k0smotron-testenv-` prefix lets the supervisor's watchdog remove it if we are killed.
  const dir = fs.mkdtempSync(path.join(baseDir, 'k0smotron-testenv-child-'));
  const supervisor = new ProcessSupervisor(dir, true);
  const logFile = (n: string) => path.join(dir, 'logs', `${n}.log`);
  const logs = (lines = 30) =>
    supervisor.processes
      .map(p => `==> ${p.name} (pid ${p.pid}${p.exit ? `, exited ${p.exit.code ?? p.exit.signal}` : ''})\n${tailFile(p.logFile, lines)}`)
      .join('\n');
  try {
    const pkiDir = path.join(dir, 'pki');
    fs.mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
    const [etcdClient, etcdPeer, freeApiPort] = await freePorts(3);
    const port = opts.port ?? freeApiPort;
    const serving = await signServingCert(opts.pki.caCertPem, opts.pki.caKeyPem, {
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', ...(opts.dnsNames ?? [])],
      ipAddresses: ['127.0.0.1', ...(opts.ipAddresses ?? [])],
    });
    const file = (name: string, text: string) => {
      const p = path.join(pkiDir, name);
      fs.writeFileSync(p, text, { mode: 0o600 });
      return p;
    };
    const f = {
      ca: file('ca.crt', opts.pki.caCertPem),
      servingCert: file('apiserver.crt', serving.certPem),
      servingKey: file('apiserver.key', serving.keyPem),
      saPub: file('sa.pub', opts.pki.saPublicKeyPem),
      saKey: file('sa.key', opts.pki.saPrivateKeyPem),
      frontProxyCa: file('front-proxy-ca.crt', opts.pki.frontProxyCaCertPem),
      caKey: file('ca.key', opts.pki.caKeyPem),
    };
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    supervisor.start(
      {
        name: 'child-etcd',
        command: bins.etcd,
        args: toFlags({
          name: 'child',
          'data-dir': path.join(dir, 'etcd'),
          'listen-client-urls': etcdUrl,
          'advertise-client-urls': etcdUrl,
          'listen-peer-urls': peerUrl,
          'initial-advertise-peer-urls': peerUrl,
          'initial-cluster': `child=${peerUrl}`,
          'initial-cluster-state': 'new',
          'log-level': 'warn',
          logger: 'zap',
        }),
      },
      logFile('etcd'),
    );
    const waitFor = async (what: string, check: () => Promise<boolean>) => {
      const since = Date.now();
      let told = since;
      for (;;) {
        const dead = supervisor.firstExited();
        if (dead) throw new Error(`${dead.name} exited while waiting for ${what}`);
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        if (Date.now() - told >= 10_000) {
          told = Date.now();
          log(`still waiting for ${what} (${Math.round((told - since) / 1000)} s)`);
        }
        await new Promise(r => setTimeout(r, 250));
      }
    };
    await waitFor('etcd /health', () => probe(cb => http.get({ host: '127.0.0.1', port: etcdClient, path: '/health', timeout: 2000, agent: false }, cb)));
    supervisor.start(
      {
        name: 'child-kube-apiserver',
        command: path.join(bins.binDir, 'kube-apiserver'),
        args: toFlags({
          'etcd-servers': etcdUrl,
          'bind-address': '127.0.0.1',
          'advertise-address': '127.0.0.1',
          'secure-port': port,
          'insecure-port': 0,
          'cert-dir': path.join(dir, 'generated'),
          'tls-cert-file': f.servingCert,
          'tls-private-key-file': f.servingKey,
          'client-ca-file': f.ca,
          'enable-bootstrap-token-auth': true,
          'authorization-mode': 'Node,RBAC',
          // As k0s: a kubelet may only change its own Node and the pods bound to it.
          'enable-admission-plugins': 'NodeRestriction',
          'service-account-key-file': f.saPub,
          'service-account-signing-key-file': f.saKey,
          'service-account-issuer': 'https://kubernetes.default.svc',
          'api-audiences': 'https://kubernetes.default.svc',
          'service-cluster-ip-range': SERVICE_CLUSTER_IP_RANGE,
          'requestheader-client-ca-file': f.frontProxyCa,
          'requestheader-allowed-names': 'front-proxy-client',
          'requestheader-username-headers': 'X-Remote-User',
          'requestheader-group-headers': 'X-Remote-Group',
          'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
          'enable-aggregator-routing': false,
          profiling: false,
          v: 1,
        }),
      },
      logFile('kube-apiserver'),
    );
    const url = `https://127.0.0.1:${port}`;
    // /readyz is open to anonymous users; checking it with the CA also proves the serving chain.
    await waitFor('kube-apiserver /readyz', () => probe(cb => https.get(`${url}/readyz`, { ca: opts.pki.caCertPem, timeout: 2000, agent: false }, cb)));
    const admin = await signLeafCert(opts.pki.caCertPem, opts.pki.caKeyPem, {
      commonName: 'testenv-child-admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const adminKubeconfigPath = path.join(dir, 'admin.kubeconfig');
    fs.writeFileSync(
      adminKubeconfigPath,
      renderKubeconfig({
        server: url,
        caPem: opts.pki.caCertPem,
        clientCertPem: admin.certPem,
        clientKeyPem: admin.keyPem,
        clusterName: 'child',
        userName: 'testenv-child-admin',
      }),
      { mode: 0o600 },
    );
    await applyBootstrapRbac(url, opts.pki.caCertPem, admin);
    if (opts.controllerManager !== false) {
      const kcm = await signLeafCert(opts.pki.caCertPem, opts.pki.caKeyPem, { commonName: 'system:kube-controller-manager', usage: 'client' });
      const kcmKubeconfig = path.join(dir, 'controller-manager.kubeconfig');
      fs.writeFileSync(
        kcmKubeconfig,
        renderKubeconfig({
          server: url,
          caPem: opts.pki.caCertPem,
          clientCertPem: kcm.certPem,
          clientKeyPem: kcm.keyPem,
          clusterName: 'child',
          userName: 'kube-controller-manager',
        }),
        { mode: 0o600 },
      );
      supervisor.start(
        {
          name: 'child-kube-controller-manager',
          command: path.join(bins.binDir, 'kube-controller-manager'),
          args: toFlags({
            kubeconfig: kcmKubeconfig,
            'leader-elect': false,
            // Serves nothing: nothing scrapes it, and fixed default ports would collide.
            'secure-port': 0,
            port: 0,
            controllers: CHILD_CONTROLLERS.join(','),
            'use-service-account-credentials': true,
            'service-account-private-key-file': f.saKey,
            'root-ca-file': f.ca,
            // The Cluster's CA signs the kubelets' client certificates, as k0s's ca.crt/ca.key do.
            'cluster-signing-cert-file': f.ca,
            'cluster-signing-key-file': f.caKey,
            'cluster-name': 'k0s',
            'service-cluster-ip-range': SERVICE_CLUSTER_IP_RANGE,
            profiling: false,
            v: 1,
          }),
        },
        logFile('kube-controller-manager'),
      );
    }
    log(`child API server ready at ${url} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return {
      url,
      port,
      servingCertPem: serving.certPem,
      dir,
      adminKubeconfigPath,
      pids: () => supervisor.processes.map(p => p.pid),
      logs,
      stop: () => supervisor.stop(),
    };
  } catch (err) {
    const report = logs(25);
    await supervisor.stop();
    throw new Error(`startChildApiServer failed: ${(err as Error).message}\n--- logs ---\n${report}`);
  }
}
