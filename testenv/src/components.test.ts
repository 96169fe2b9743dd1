import { clusterCommands, clusterLayout, NODE_KUBECONFIG_IN_NAMESPACE, toFlags, type ClusterPorts } from './components';

const layout = clusterLayout('/dev/shm/k0smotron-testenv-abc', 2);
const ports: ClusterPorts = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  nodes: [
    { kubelet: 10001, kubeletReadOnly: 10002 },
    { kubelet: 10003, kubeletReadOnly: 10004 },
  ],
};
const flagMap = (args: string[]) => Object.fromEntries(args.filter(a => a.startsWith('--')).map(a => a.slice(2).split(/=(.*)/s).slice(0, 2)));

describe('toFlags', () => {
  it('renders --key=value in order', () => {
    expect(toFlags({ a: 1, 'b-c': 'x=y', d: false })).toEqual(['--a=1', '--b-c=x=y', '--d=false']);
  });
});

describe('clusterLayout', () => {
  it('keeps everything inside the cluster dir unless logDir is given', () => {
    expect(layout.nodeNames).toEqual(['hollow-node-1', 'hollow-node-2']);
    expect(layout.files.adminKubeconfig).toBe('/dev/shm/k0smotron-testenv-abc/admin.kubeconfig');
    expect(layout.nodeKubeconfig('hollow-node-2')).toBe('/dev/shm/k0smotron-testenv-abc/nodes/hollow-node-2/kubeconfig');
    expect(layout.log('etcd')).toBe('/dev/shm/k0smotron-testenv-abc/logs/etcd.log');
    expect(clusterLayout('/d', 0, '/var/log/x').log('etcd')).toBe('/var/log/x/etcd.log');
  });
});

describe('clusterCommands', () => {
  const cmds = clusterCommands({ layout, ports, binDir: '/bin/k8s', etcd: '/usr/bin/etcd', isolateNodes: true });

  it('runs etcd on loopback with the given ports', () => {
    const f = flagMap(cmds.etcd.args);
    expect(cmds.etcd.command).toBe('/usr/bin/etcd');
    expect(f['listen-client-urls']).toBe('http://127.0.0.1:2379');
    expect(f['initial-cluster']).toBe('testenv=http://127.0.0.1:2380');
    expect(f['data-dir']).toBe(layout.etcdDataDir);
  });

  it('configures the apiserver with RBAC, the service range, client certs and SA keys', () => {
    const f = flagMap(cmds.apiserver.args);
    expect(cmds.apiserver.command).toBe('/bin/k8s/kube-apiserver');
    expect(f).toMatchObject({
      'etcd-servers': 'http://127.0.0.1:2379',
      'bind-address': '127.0.0.1',
      'secure-port': '6443',
      'insecure-port': '0',
      'authorization-mode': 'Node,RBAC',
      'service-cluster-ip-range': '10.96.0.0/12',
      'client-ca-file': layout.files.caCert,
      'service-account-key-file': layout.files.saPublicKey,
      'service-account-signing-key-file': layout.files.saPrivateKey,
      'requestheader-client-ca-file': layout.files.frontProxyCaCert,
      'kubelet-preferred-address-types': 'Hostname',
    });
    expect(f['service-account-issuer']).toMatch(/^https:\/\//);
    expect(f).not.toHaveProperty('token-auth-file');
    expect(f).not.toHaveProperty('enable-bootstrap-token-auth');
  });

  it('runs every controller (garbage collector included) with the SA key and root CA, serving nothing', () => {
    const f = flagMap(cmds.controllerManager.args);
    expect(f.controllers.split(',')).toContain('*');
    expect(f).toMatchObject({
      'root-ca-file': layout.files.caCert,
      'service-account-private-key-file': layout.files.saPrivateKey,
      'leader-elect': 'false',
      'secure-port': '0',
      port: '0',
      kubeconfig: layout.files.controllerManagerKubeconfig,
    });
    expect(flagMap(cmds.scheduler.args)).toMatchObject({ 'secure-port': '0', port: '0', 'leader-elect': 'false' });
  });

  it('runs each hollow node in its own mount namespace with its own /tmp and ports', () => {
    expect(cmds.nodes.map(n => n.name)).toEqual(['hollow-node-1', 'hollow-node-2']);
    const [n1, n2] = cmds.nodes;
    expect(n1.command).toBe('unshare');
    expect(n1.args.slice(0, 5)).toEqual(['--mount', '--propagation', 'private', '--', 'sh']);
    const script = n1.args.indexOf('-c');
    expect(n1.args[script + 1]).toBe('mount --bind "$0" /tmp && exec "$@"');
    expect(n1.args[script + 2]).toBe(layout.nodeTmpDir('hollow-node-1'));
    expect(n1.args[script + 3]).toBe('/bin/k8s/kubemark');
    const f1 = flagMap(n1.args.slice(script + 4));
    const f2 = flagMap(n2.args.slice(n2.args.indexOf('-c') + 4));
    expect(f1).toMatchObject({
      morph: 'kubelet',
      name: 'hollow-node-1',
      kubeconfig: NODE_KUBECONFIG_IN_NAMESPACE,
      'kubelet-port': '10001',
      'kubelet-read-only-port': '10002',
    });
    expect(f2).toMatchObject({ name: 'hollow-node-2', 'kubelet-port': '10003', 'kubelet-read-only-port': '10004' });
  });

  it('runs kubemark directly when namespaces are not available', () => {
    const plain = clusterCommands({ layout, ports, binDir: '/bin/k8s', etcd: '/usr/bin/etcd', isolateNodes: false });
    expect(plain.nodes[0].command).toBe('/bin/k8s/kubemark');
    expect(flagMap(plain.nodes[0].args).kubeconfig).toBe(layout.nodeKubeconfig('hollow-node-1'));
  });

  it('rejects a port list that does not match the nodes', () => {
    expect(() => clusterCommands({ layout, ports: { ...ports, nodes: [] }, binDir: '/b', etcd: '/e', isolateNodes: true })).toThrow(
      /ports.nodes has 0 entries but the layout has 2 nodes/,
    );
  });
});
