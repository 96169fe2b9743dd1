import { createHash } from 'node:crypto';
import { md5Hex } from './md5';
import {
  clusterBaseLabels,
  clusterChildLabels,
  clusterObjectNames,
  clusterServiceName,
  controlPlaneSelectorLabels,
  formatLabelSelector,
  shortenName,
  type ClusterObjectNames,
} from './names';

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
  it('takes a lower limit for kinds that need one (52 for StatefulSets and CronJobs)', () => {
    expect(shortenName('a'.repeat(52), 52)).toBe('a'.repeat(52));
    const long = 'kmc-' + 'n'.repeat(49);
    expect(shortenName(long, 52)).toBe(long.slice(0, 46) + '-' + nodeMd5(long).slice(0, 5));
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
});

/** Which kind each generated name is, and the longest name that kind works with. */
const KIND_OF: Record<keyof ClusterObjectNames, 'StatefulSet' | 'Service' | 'ConfigMap' | 'Secret' | 'CronJob'> = {
  statefulSet: 'StatefulSet',
  clusterIPService: 'Service',
  nodePortService: 'Service',
  loadBalancerService: 'Service',
  configMap: 'ConfigMap',
  entrypointConfigMap: 'ConfigMap',
  telemetryConfigMap: 'ConfigMap',
  endpointConfigMap: 'ConfigMap',
  kineDataSourceSecret: 'Secret',
  etcdService: 'Service',
  etcdStatefulSet: 'StatefulSet',
  etcdDefragCronJob: 'CronJob',
  caSecret: 'Secret',
  saSecret: 'Secret',
  proxySecret: 'Secret',
  etcdCaSecret: 'Secret',
  apiserverEtcdClientSecret: 'Secret',
  etcdServerSecret: 'Secret',
  etcdPeerSecret: 'Secret',
  kubeconfigSecret: 'Secret',
};
// StatefulSet: its pods' controller-revision-hash label is `<name>-<up to 10 characters>` (≤ 63).
// CronJob: the API server refuses names over 52. Service: a DNS-1035 label. ConfigMap and
// Secret names may be DNS-1123 subdomains of 253 characters.
const LIMIT = { StatefulSet: 52, CronJob: 52, Service: 63, ConfigMap: 253, Secret: 253 } as const;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Upstream k0smotron's names: `kmc-…` names shortened at 63, the rest never. */
function upstreamNames(name: string): Record<keyof ClusterObjectNames, string> {
  const up = (s: string) => (s.length <= 63 ? s : `${s.slice(0, 57)}-${nodeMd5(s).slice(0, 5)}`);
  return {
    statefulSet: up(`kmc-${name}`),
    clusterIPService: up(`kmc-${name}`),
    nodePortService: up(`kmc-${name}-nodeport`),
    loadBalancerService: up(`kmc-${name}-lb`),
    configMap: up(`kmc-${name}-config`),
    entrypointConfigMap: up(`kmc-entrypoint-${name}-config`),
    telemetryConfigMap: `kmc-${name}-telemetry-config`,
    endpointConfigMap: up(`kmc-${name}-endpoint`),
    kineDataSourceSecret: up(`kmc-${name}-kine`),
    etcdService: up(`kmc-${name}-etcd`),
    etcdStatefulSet: up(`kmc-${name}-etcd`),
    etcdDefragCronJob: up(`kmc-${name}-defrag`),
    caSecret: `${name}-ca`,
    saSecret: `${name}-sa`,
    proxySecret: `${name}-proxy`,
    etcdCaSecret: `${name}-etcd`,
    apiserverEtcdClientSecret: `${name}-apiserver-etcd-client`,
    etcdServerSecret: `${name}-etcd-server`,
    etcdPeerSecret: `${name}-etcd-peer`,
    kubeconfigSecret: `${name}-kubeconfig`,
  };
}

/** A valid Cluster name of `n` characters, varied so prefixes and hashes differ between tests. */
const nameOf = (n: number, seed = 'c') => (seed + 'abcdefghij-klmnopqrstuvwxyz0123456789'.repeat(3)).slice(0, n - 1) + 'z';
const BOUNDARIES = [1, 41, 42, 43, 44, 48, 49, 52, 53, 54, 55, 59, 60, 63];

describe('long Cluster names', () => {
  it.each(BOUNDARIES)('at %i characters every child name fits its kind and is a valid name', n => {
    const name = nameOf(n);
    expect(name).toHaveLength(n);
    const names = clusterObjectNames(name);
    for (const [key, value] of Object.entries(names) as Array<[keyof ClusterObjectNames, string]>) {
      const kind = KIND_OF[key];
      expect({ key, length: value.length, fits: value.length <= LIMIT[kind] }).toEqual({ key, length: value.length, fits: true });
      expect(value).toMatch(kind === 'Service' ? DNS1035_LABEL : kind === 'StatefulSet' || kind === 'CronJob' ? DNS1123_LABEL : DNS1123_SUBDOMAIN);
    }
    // A StatefulSet pod (`<sts>-<ordinal>`, up to 99 replicas) is a hostname, and its revision label fits.
    for (const sts of [names.statefulSet, names.etcdStatefulSet]) {
      expect(`${sts}-98`.length).toBeLessThanOrEqual(63);
      expect(`${sts}-${'f'.repeat(10)}`.length).toBeLessThanOrEqual(63);
    }
    expect(Object.values(clusterBaseLabels(name)).every(v => v.length <= 63)).toBe(true);
  });

  it("keeps upstream's name wherever upstream's name works, for every length up to 63", () => {
    for (let n = 1; n <= 63; n++) {
      const name = nameOf(n);
      const ours = clusterObjectNames(name);
      const theirs = upstreamNames(name);
      for (const key of Object.keys(KIND_OF) as Array<keyof ClusterObjectNames>) {
        const works = theirs[key].length <= LIMIT[KIND_OF[key]];
        expect({ n, key, name: works ? ours[key] : 'shortened' }).toEqual({ n, key, name: works ? theirs[key] : 'shortened' });
        if (!works) expect(ours[key]).not.toBe(theirs[key]);
      }
    }
  });

  it('shortens at the boundaries: the k0s StatefulSet from 49 characters, the etcd StatefulSet from 44, the CronJob from 42', () => {
    const at = (n: number) => clusterObjectNames(nameOf(n));
    expect(at(48).statefulSet).toBe(`kmc-${nameOf(48)}`);
    const k0s = `kmc-${nameOf(49)}`;
    expect(at(49).statefulSet).toBe(`${k0s.slice(0, 46)}-${nodeMd5(k0s).slice(0, 5)}`);
    expect(at(49).clusterIPService).toBe(k0s);
    expect(at(43).etcdStatefulSet).toBe(`kmc-${nameOf(43)}-etcd`);
    const etcd = `kmc-${nameOf(44)}-etcd`;
    expect(at(44).etcdStatefulSet).toBe(`${etcd.slice(0, 46)}-${nodeMd5(etcd).slice(0, 5)}`);
    expect(at(44).etcdService).toBe(etcd);
    expect(at(41).etcdDefragCronJob).toBe(`kmc-${nameOf(41)}-defrag`);
    expect(at(42).etcdDefragCronJob).toHaveLength(52);
    // Services keep upstream's names up to 63, then upstream's own shortening.
    expect(at(52).clusterIPService).toBe(`kmc-${nameOf(52)}`);
    expect(at(53).etcdService).toBe(`kmc-${nameOf(53)}-etcd`);
    const svc = `kmc-${nameOf(63)}`;
    expect(at(63).clusterIPService).toBe(`${svc.slice(0, 57)}-${nodeMd5(svc).slice(0, 5)}`);
    expect(at(63).kubeconfigSecret).toBe(`${nameOf(63)}-kubeconfig`);
  });

  it('is deterministic', () => {
    for (const n of BOUNDARIES) expect(clusterObjectNames(nameOf(n))).toEqual(clusterObjectNames(nameOf(n)));
  });

  it('never gives two children of one kind of one Cluster the same name, at any length', () => {
    for (const seed of ['c', 'k', '9']) {
      for (let n = 1; n <= 63; n++) {
        const names = clusterObjectNames(nameOf(n, seed));
        for (const kind of new Set(Object.values(KIND_OF))) {
          const ofKind = (Object.keys(KIND_OF) as Array<keyof ClusterObjectNames>).filter(k => KIND_OF[k] === kind).map(k => names[k]);
          expect({ n, kind, distinct: new Set(ofKind).size }).toEqual({ n, kind, distinct: ofKind.length });
        }
      }
    }
  });

  it('gives two 63-character names that share a 57- (or 62-) character prefix different children', () => {
    for (const prefix of [57, 62]) {
      const a = nameOf(63);
      const b = a.slice(0, prefix) + 'q'.repeat(62 - prefix) + (a.endsWith('y') ? 'x' : 'y');
      expect(b).toHaveLength(63);
      expect(b).not.toBe(a);
      const na = clusterObjectNames(a);
      const nb = clusterObjectNames(b);
      for (const key of Object.keys(KIND_OF) as Array<keyof ClusterObjectNames>) {
        expect({ prefix, key, same: na[key] === nb[key] }).toEqual({ prefix, key, same: false });
      }
    }
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
    expect(formatLabelSelector(controlPlaneSelectorLabels('c'))).toBe('app=k0smotron,cluster=c,cluster.x-k8s.io/control-plane=true,component=cluster');
  });
});
