// Pure: the file layout of one test cluster and the command lines of its components.
import * as path from 'node:path';

export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const SERVICE_CLUSTER_IP = '10.96.0.1';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const NODE_PORT_RANGE = '30000-32767';
/** Where a hollow node finds its kubeconfig inside its own mount namespace. */
export const NODE_KUBECONFIG_IN_NAMESPACE = '/tmp/kubeconfig';

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  /** Per hollow node: the kubelet's API and read-only ports (each node needs its own). */
  nodes: { kubelet: number; kubeletReadOnly: number }[];
}

export interface ClusterLayout {
  dir: string;
  logDir: string;
  etcdDataDir: string;
  pkiDir: string;
  volumesDir: string;
  files: {
    caCert: string;
    caKey: string;
    apiserverCert: string;
    apiserverKey: string;
    frontProxyCaCert: string;
    frontProxyClientCert: string;
    frontProxyClientKey: string;
    saPublicKey: string;
    saPrivateKey: string;
    adminKubeconfig: string;
    controllerManagerKubeconfig: string;
    schedulerKubeconfig: string;
  };
  nodeNames: string[];
  /** A hollow node's kubeconfig, inside its nodeTmpDir (so it is /tmp/kubeconfig in its namespace). */
  nodeKubeconfig(node: string): string;
  /** A hollow node's private /tmp: its kubelet root dir and fake runtime socket end up here. */
  nodeTmpDir(node: string): string;
  log(component: string): string;
}

export function clusterLayout(dir: string, nodes: number, logDir = path.join(dir, 'logs')): ClusterLayout {
  const pkiDir = path.join(dir, 'pki');
  const p = (f: string) => path.join(pkiDir, f);
  return {
    dir,
    logDir,
    etcdDataDir: path.join(dir, 'etcd'),
    pkiDir,
    volumesDir: path.join(dir, 'volumes'),
    files: {
      caCert: p('ca.crt'),
      caKey: p('ca.key'),
      apiserverCert: p('apiserver.crt'),
      apiserverKey: p('apiserver.key'),
      frontProxyCaCert: p('front-proxy-ca.crt'),
      frontProxyClientCert: p('front-proxy-client.crt'),
      frontProxyClientKey: p('front-proxy-client.key'),
      saPublicKey: p('sa.pub'),
      saPrivateKey: p('sa.key'),
      adminKubeconfig: path.join(dir, 'admin.kubeconfig'),
      controllerManagerKubeconfig: path.join(dir, 'controller-manager.kubeconfig'),
      schedulerKubeconfig: path.join(dir, 'scheduler.kubeconfig'),
    },
    nodeNames: Array.from({ length: nodes }, (_, i) => `hollow-node-${i + 1}`),
    nodeKubeconfig: node => path.join(dir, 'nodes', node, 'kubeconfig'),
    nodeTmpDir: node => path.join(dir, 'nodes', node),
    log: component => path.join(logDir, `${component}.log`),
  };
}

export interface ComponentCommand {
  /** Stable name used for the log file and in messages: etcd, kube-apiserver, hollow-node-1… */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ClusterCommands {
  etcd: ComponentCommand;
  apiserver: ComponentCommand;
  controllerManager: ComponentCommand;
  scheduler: ComponentCommand;
  nodes: ComponentCommand[];
}

/** `--key=value` pairs in a stable order; booleans as `--key=true|false`. */
export function toFlags(flags: Record<string, string | number | boolean>): string[] {
  return Object.entries(flags).map(([k, v]) => `--${k}=${String(v)}`);
}

export function clusterCommands(opts: {
  layout: ClusterLayout;
  ports: ClusterPorts;
  binDir: string;
  etcd: string;
  /** Run each hollow node in a private mount namespace with its own /tmp (needs root). */
  isolateNodes: boolean;
}): ClusterCommands {
  const { layout, ports, binDir } = opts;
  const f = layout.files;
  if (ports.nodes.length !== layout.nodeNames.length) {
    throw new Error(`ports.nodes has ${ports.nodes.length} entries but the layout has ${layout.nodeNames.length} nodes`);
  }
  const etcdClientUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const etcdPeerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  const bin = (b: string) => path.join(binDir, b);

  const etcd: ComponentCommand = {
    name: 'etcd',
    command: opts.etcd,
    args: toFlags({
      name: 'testenv',
      'data-dir': layout.etcdDataDir,
      'listen-client-urls': etcdClientUrl,
      'advertise-client-urls': etcdClientUrl,
      'listen-peer-urls': etcdPeerUrl,
      'initial-advertise-peer-urls': etcdPeerUrl,
      'initial-cluster': `testenv=${etcdPeerUrl}`,
      'initial-cluster-state': 'new',
      // Keep the database small for long-running dev clusters.
      'auto-compaction-mode': 'periodic',
      'auto-compaction-retention': '5m',
      'log-level': 'warn',
      logger: 'zap',
    }),
  };

  const apiserver: ComponentCommand = {
    name: 'kube-apiserver',
    command: bin('kube-apiserver'),
    args: toFlags({
      'etcd-servers': etcdClientUrl,
      'bind-address': '127.0.0.1',
      'secure-port': ports.apiserver,
      // 1.20 still serves an insecure port unless told not to.
      'insecure-port': 0,
      'cert-dir': path.join(layout.pkiDir, 'apiserver-generated'),
      'tls-cert-file': f.apiserverCert,
      'tls-private-key-file': f.apiserverKey,
      'client-ca-file': f.caCert,
      'service-account-key-file': f.saPublicKey,
      'service-account-signing-key-file': f.saPrivateKey,
      'service-account-issuer': 'https://kubernetes.default.svc.cluster.local',
      'api-audiences': 'https://kubernetes.default.svc.cluster.local',
      'authorization-mode': 'Node,RBAC',
      'enable-admission-plugins': 'NodeRestriction',
      'service-cluster-ip-range': SERVICE_CLUSTER_IP_RANGE,
      'service-node-port-range': NODE_PORT_RANGE,
      'allow-privileged': true,
      'requestheader-client-ca-file': f.frontProxyCaCert,
      'requestheader-allowed-names': 'front-proxy-client',
      'requestheader-username-headers': 'X-Remote-User',
      'requestheader-group-headers': 'X-Remote-Group',
      'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
      'proxy-client-cert-file': f.frontProxyClientCert,
      'proxy-client-key-file': f.frontProxyClientKey,
      // Hollow nodes report this machine's own interface address; dialling a "kubelet" there for
      // logs/exec/port-forward would leave loopback for nothing. Hostnames (hollow-node-N) do not
      // resolve, so those requests fail fast instead.
      'kubelet-preferred-address-types': 'Hostname',
      profiling: false,
      v: 1,
    }),
  };

  const controllerManager: ComponentCommand = {
    name: 'kube-controller-manager',
    command: bin('kube-controller-manager'),
    args: toFlags({
      kubeconfig: f.controllerManagerKubeconfig,
      'leader-elect': false,
      // No serving at all: nothing scrapes it, and fixed default ports would collide.
      'secure-port': 0,
      port: 0,
      controllers: '*,bootstrapsigner,tokencleaner',
      'use-service-account-credentials': true,
      'service-account-private-key-file': f.saPrivateKey,
      'root-ca-file': f.caCert,
      'cluster-signing-cert-file': f.caCert,
      'cluster-signing-key-file': f.caKey,
      'service-cluster-ip-range': SERVICE_CLUSTER_IP_RANGE,
      'cluster-cidr': CLUSTER_CIDR,
      'allocate-node-cidrs': true,
      // Faster reactions than production defaults; tests wait on these.
      'node-monitor-grace-period': '40s',
      'pvclaimbinder-sync-period': '2s',
      profiling: false,
      v: 1,
    }),
  };

  const scheduler: ComponentCommand = {
    name: 'kube-scheduler',
    command: bin('kube-scheduler'),
    args: toFlags({
      kubeconfig: f.schedulerKubeconfig,
      'authentication-kubeconfig': f.schedulerKubeconfig,
      'authorization-kubeconfig': f.schedulerKubeconfig,
      'leader-elect': false,
      'secure-port': 0,
      port: 0,
      profiling: false,
      v: 1,
    }),
  };

  const nodes = layout.nodeNames.map((node, i): ComponentCommand => {
    const kubemarkFlags = (kubeconfig: string) =>
      toFlags({
        morph: 'kubelet',
        name: node,
        kubeconfig,
        'kubelet-port': ports.nodes[i].kubelet,
        'kubelet-read-only-port': ports.nodes[i].kubeletReadOnly,
        'node-labels': 'k0smotron.io/testenv=true',
        v: 1,
      });
    if (!opts.isolateNodes) {
      return { name: node, command: bin('kubemark'), args: kubemarkFlags(layout.nodeKubeconfig(node)) };
    }
    // kubemark 1.20 hard-codes /tmp: its fake container runtime listens on /tmp/kubelet_remote.sock
    // and the hollow kubelet's root dir is /tmp/hollow-kubelet.*. Two hollow nodes (or two clusters)
    // sharing that socket would see each other's containers. Each node therefore gets a private
    // mount namespace whose /tmp is its own dir in the cluster dir (removed with it).
    return {
      name: node,
      command: 'unshare',
      args: [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        'mount --bind "$0" /tmp && exec "$@"',
        layout.nodeTmpDir(node),
        bin('kubemark'),
        ...kubemarkFlags(NODE_KUBECONFIG_IN_NAMESPACE),
      ],
    };
  });

  return { etcd, apiserver, controllerManager, scheduler, nodes };
}
