import { createHash } from 'node:crypto';
import { MAX_CLUSTER_NAME_LENGTH } from './constants';
import { md5Hex } from './md5';
import { clusterChildLabels, clusterObjectNames, clusterServiceName, controlPlaneSelectorLabels, formatLabelSelector, shortenName } from './names';

const nodeMd5 = (s: string | Uint8Array) => createHash('md5').update(s).digest('hex');

describe('md5Hex', () => {
  it('matches node:crypto for lengths around every padding boundary and for UTF-8', () => {
    for (let n = 0; n <= 200; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + n) % 26))).join('');
      expect(md5Hex(s)).toBe(nodeMd5(s));
    }
    for (const s of ['', 'kmc-ä-ü-€-𝄞', 'The quick brown fox jumps over the lazy dog']) expect(md5Hex(s)).toBe(nodeMd5(s));
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
    expect(md5Hex(bytes)).toBe(nodeMd5(bytes));
  });
});

describe('shortenName', () => {
  it('keeps names up to 63 characters', () => {
    expect(shortenName('a'.repeat(63))).toBe('a'.repeat(63));
    expect(shortenName('kmc-x')).toBe('kmc-x');
  });
  it('cuts longer names to 57 characters, "-" and 5 hex characters of their md5', () => {
    const long = 'kmc-entrypoint-' + 'n'.repeat(43) + '-config';
    const short = shortenName(long);
    expect(short).toHaveLength(63);
    expect(short).toBe(long.slice(0, 57) + '-' + nodeMd5(long).slice(0, 5));
  });
});

describe('clusterObjectNames', () => {
  it('names children as upstream does', () => {
    const n = clusterObjectNames('my-cluster');
    expect(n).toMatchObject({
      statefulSet: 'kmc-my-cluster',
      clusterIPService: 'kmc-my-cluster',
      nodePortService: 'kmc-my-cluster-nodeport',
      loadBalancerService: 'kmc-my-cluster-lb',
      configMap: 'kmc-my-cluster-config',
      entrypointConfigMap: 'kmc-entrypoint-my-cluster-config',
      telemetryConfigMap: 'kmc-my-cluster-telemetry-config',
      etcdService: 'kmc-my-cluster-etcd',
      etcdStatefulSet: 'kmc-my-cluster-etcd',
      caSecret: 'my-cluster-ca',
      saSecret: 'my-cluster-sa',
      proxySecret: 'my-cluster-proxy',
      etcdCaSecret: 'my-cluster-etcd',
      apiserverEtcdClientSecret: 'my-cluster-apiserver-etcd-client',
      etcdServerSecret: 'my-cluster-etcd-server',
      etcdPeerSecret: 'my-cluster-etcd-peer',
      kubeconfigSecret: 'my-cluster-kubeconfig',
    });
    expect(clusterServiceName('c', 'NodePort')).toBe('kmc-c-nodeport');
    expect(clusterServiceName('c', 'LoadBalancer')).toBe('kmc-c-lb');
    expect(clusterServiceName('c', 'ClusterIP')).toBe('kmc-c');
  });

  it('keeps every shortened name within 63 characters at the longest allowed cluster name, but never the kubeconfig and telemetry names', () => {
    const name = 'x'.repeat(MAX_CLUSTER_NAME_LENGTH);
    const n = clusterObjectNames(name);
    for (const key of ['statefulSet', 'nodePortService', 'loadBalancerService', 'configMap', 'entrypointConfigMap', 'endpointConfigMap', 'etcdStatefulSet', 'etcdDefragCronJob'] as const) {
      expect(n[key].length).toBeLessThanOrEqual(63);
    }
    expect(n.entrypointConfigMap).not.toBe(`kmc-entrypoint-${name}-config`);
    expect(n.telemetryConfigMap).toBe(`kmc-${name}-telemetry-config`);
    expect(n.kubeconfigSecret).toBe(`${name}-kubeconfig`);
    // The etcd StatefulSet name leaves room for "-" + a 10-character controller-revision hash.
    expect(n.etcdStatefulSet.length + 11).toBeLessThanOrEqual(63);
  });
});

describe('labels', () => {
  it('puts base labels over user labels and adds the component', () => {
    expect(clusterChildLabels('c', 'etcd', { clusterLabels: { app: 'mine', team: 'a' } })).toEqual({
      app: 'k0smotron',
      cluster: 'c',
      component: 'cluster',
      team: 'a',
      'app.kubernetes.io/component': 'etcd',
    });
    expect(formatLabelSelector(controlPlaneSelectorLabels('c'))).toBe(
      'app=k0smotron,cluster=c,cluster.x-k8s.io/control-plane=true,component=cluster',
    );
  });
});
