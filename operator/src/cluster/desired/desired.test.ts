import type { V1Node, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { Cluster } from '@k0smotron/api';
import { createCa } from '../../pki/crypto';
import {
  KINE_PLACEHOLDER,
  ANNOTATION_CONFIG_HASH,
  SpecError,
  apiSans,
  applyPatches,
  certificateSecret,
  certificateSources,
  childList,
  clusterView,
  desiredChildren,
  entrypointScript,
  etcdReplicas,
  inheritedAnnotations,
  k0sConfig,
  kubeconfigSecret,
  mountVolumeName,
  oddMembers,
  resolveEndpoint,
  staleServiceNames,
  type ChildFacts,
} from './index';

function cluster(spec: Cluster['spec'], meta: Partial<Cluster['metadata']> = {}): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'demo', namespace: 'ns1', uid: 'uid-1', generation: 3, ...meta },
    spec,
  };
}

const readyNode = (name: string, addresses: Array<[string, string]>, ready = true): V1Node => ({
  metadata: { name },
  status: {
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    addresses: addresses.map(([type, address]) => ({ type, address })),
  },
});

const etcdCerts = {
  ca: 'demo-ca',
  sa: 'demo-sa',
  proxy: 'demo-proxy',
  etcd: 'demo-etcd',
  'apiserver-etcd-client': 'demo-apiserver-etcd-client',
  'etcd-server': 'demo-etcd-server',
  'etcd-peer': 'demo-etcd-peer',
};

function facts(over: Partial<ChildFacts> = {}): ChildFacts {
  return {
    clusterIPs: ['10.96.0.20'],
    endpoint: { known: true, host: '192.0.2.2', source: 'node', url: 'https://192.0.2.2:30443' },
    certSecretNames: etcdCerts,
    secretVersions: { 'demo-ca': '1' },
    ...over,
  };
}

describe('clusterView', () => {
  it('resolves defaults for spec: null as upstream (NodePort, etcd, 1 replica)', () => {
    const v = clusterView(cluster(undefined));
    expect(v.service).toMatchObject({ type: 'NodePort', name: 'kmc-demo-nodeport', apiPort: 30443, konnectivityPort: 30132 });
    expect(v.storage.type).toBe('etcd');
    expect(v.replicas).toBe(1);
    expect(v.image).toBe('quay.io/k0sproject/k0s:v1.27.9-k0s.0');
  });
  it('maps versions to image tags', () => {
    expect(clusterView(cluster({ version: 'v1.30.2+k0s.1' })).image).toBe('quay.io/k0sproject/k0s:v1.30.2-k0s.1');
    expect(clusterView(cluster({ version: 'v1.30.2', image: 'my/k0s' })).image).toBe('my/k0s:v1.30.2-k0s.0');
  });
  it('rejects contradictory persistence and storage with the field named', () => {
    expect(() => clusterView(cluster({ persistence: { type: 'pvc' } }))).toThrow(/persistentVolumeClaim\.spec\.resources\.requests\.storage/);
    expect(() => clusterView(cluster({ persistence: { type: 'hostPath' } }))).toThrow(/spec\.persistence\.hostPath/);
    expect(() => clusterView(cluster({ storage: { type: 'kine' } }))).toThrow(SpecError);
  });
});

describe('Service', () => {
  it('builds a NodePort Service with upstream ports and a selector without user labels', () => {
    const v = clusterView(cluster({ service: { type: 'NodePort' } }, { labels: { team: 'a' } }));
    const { service } = desiredChildren(v, facts());
    expect(service.metadata).toMatchObject({
      name: 'kmc-demo-nodeport',
      namespace: 'ns1',
      labels: { team: 'a', app: 'k0smotron', cluster: 'demo', component: 'cluster', 'app.kubernetes.io/component': 'control-plane' },
      ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'demo', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
    });
    expect(service.spec!.ports).toEqual([
      { name: 'api', protocol: 'TCP', port: 30443, targetPort: 30443, nodePort: 30443 },
      { name: 'konnectivity', protocol: 'TCP', port: 30132, targetPort: 30132, nodePort: 30132 },
    ]);
    expect(service.spec!.selector).toEqual({ app: 'k0smotron', cluster: 'demo', component: 'cluster', 'cluster.x-k8s.io/control-plane': 'true' });
  });
  it('names and shapes ClusterIP and LoadBalancer Services, honouring v1beta1 fields', () => {
    const lb = clusterView(
      cluster({
        service: {
          type: 'LoadBalancer',
          apiPort: 6443,
          konnectivityPort: 8132,
          annotations: { 'lb/x': 'y' },
          labels: { extra: 'z' },
          loadBalancerClass: 'metallb',
          externalTrafficPolicy: 'Local',
        },
      }),
    );
    const s = desiredChildren(lb, facts()).service;
    expect(s.metadata!.name).toBe('kmc-demo-lb');
    expect(s.metadata!.annotations).toEqual({ 'lb/x': 'y' });
    expect(s.metadata!.labels!.extra).toBe('z');
    expect(s.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'metallb', externalTrafficPolicy: 'Local' });
    expect(s.spec!.ports![0]).toEqual({ name: 'api', protocol: 'TCP', port: 6443, targetPort: 6443 });
    expect(staleServiceNames(lb)).toEqual(['kmc-demo', 'kmc-demo-nodeport']);
    const cip = desiredChildren(clusterView(cluster({ service: { type: 'ClusterIP', externalTrafficPolicy: 'Local' } })), facts()).service;
    expect(cip.metadata!.name).toBe('kmc-demo');
    expect(cip.spec).not.toHaveProperty('externalTrafficPolicy');
  });
});

describe('resolveEndpoint', () => {
  const np = clusterView(cluster({ service: { type: 'NodePort' } }));
  it('prefers spec.externalAddress', () => {
    const v = clusterView(cluster({ service: { type: 'NodePort' }, externalAddress: 'api.example.com' }));
    expect(resolveEndpoint(v, { nodes: [] })).toEqual({ known: true, host: 'api.example.com', source: 'spec', url: 'https://api.example.com:30443' });
  });
  it('NodePort: a Ready node ExternalIP, else InternalIP; never a NotReady node', () => {
    const nodes = [
      readyNode('a', [['InternalIP', '192.0.2.9']]),
      readyNode(
        'b',
        [
          ['InternalIP', '10.0.0.1'],
          ['ExternalIP', '203.0.113.5'],
        ],
        false,
      ),
    ];
    expect(resolveEndpoint(np, { nodes })).toMatchObject({ host: '192.0.2.9', url: 'https://192.0.2.9:30443' });
    nodes.push(
      readyNode('c', [
        ['InternalIP', '10.0.0.2'],
        ['ExternalDNS', 'c.example.com'],
      ]),
    );
    expect(resolveEndpoint(np, { nodes })).toMatchObject({ host: 'c.example.com' });
    expect(resolveEndpoint(np, { nodes: [] })).toMatchObject({ known: false, reason: 'NoReadyNode' });
  });
  it('NodePort: keeps the current host while it is still valid', () => {
    const nodes = [readyNode('a', [['InternalIP', '192.0.2.2']]), readyNode('b', [['InternalIP', '192.0.2.3']])];
    expect(resolveEndpoint(np, { nodes, currentEndpoint: 'https://192.0.2.3:30443' })).toMatchObject({ host: '192.0.2.3' });
    expect(resolveEndpoint(np, { nodes, currentEndpoint: 'https://192.0.2.99:30443' })).toMatchObject({ host: '192.0.2.2' });
  });
  it('LoadBalancer: waits (does not block) until an ingress exists; ip before hostname', () => {
    const lb = clusterView(cluster({ service: { type: 'LoadBalancer' } }));
    expect(resolveEndpoint(lb, { nodes: [], service: { status: {} } })).toMatchObject({ known: false, reason: 'WaitingForLoadBalancer' });
    const svc: V1Service = { status: { loadBalancer: { ingress: [{ ip: '198.51.100.7', hostname: 'lb.example.com' }] } } };
    expect(resolveEndpoint(lb, { nodes: [], service: svc })).toMatchObject({ host: '198.51.100.7', source: 'loadBalancer' });
  });
  it('ClusterIP: the Service DNS name', () => {
    const v = clusterView(cluster({ service: { type: 'ClusterIP' } }));
    expect(resolveEndpoint(v, { nodes: [] })).toEqual({ known: true, host: 'kmc-demo.ns1.svc', source: 'serviceDNS', url: 'https://kmc-demo.ns1.svc:30443' });
  });
  it('brackets IPv6 hosts', () => {
    const v = clusterView(cluster({ externalAddress: '2001:db8::1' }));
    expect(resolveEndpoint(v, { nodes: [] })).toMatchObject({ url: 'https://[2001:db8::1]:30443' });
  });
});

describe('k0s config', () => {
  it('merges user config with upstream overrides and sorted SANs', () => {
    const v = clusterView(
      cluster({
        service: { type: 'NodePort' },
        k0sConfig: {
          apiVersion: 'k0s.k0sproject.io/v1beta1',
          kind: 'ClusterConfig',
          spec: { api: { sans: ['zz.example.com'], port: 1 }, network: { podCIDR: '10.1.0.0/16' }, konnectivity: { adminPort: 8133 } },
        },
      }),
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads nested fields of the generated config
    const cfg = k0sConfig(v, { externalHost: '192.0.2.2', clusterIPs: ['10.96.0.20'] }) as any;
    expect(cfg.metadata).toEqual({ name: 'k0s' });
    expect(cfg.spec.network).toEqual({ podCIDR: '10.1.0.0/16' });
    expect(cfg.spec.api.port).toBe(30443);
    expect(cfg.spec.api.externalAddress).toBe('192.0.2.2');
    expect(cfg.spec.api.sans).toEqual(
      [
        '10.96.0.20',
        '192.0.2.2',
        'kmc-demo-nodeport',
        'kmc-demo-nodeport.ns1',
        'kmc-demo-nodeport.ns1.svc',
        'kmc-demo-nodeport.ns1.svc.cluster.local',
        'zz.example.com',
      ].sort(),
    );
    expect(cfg.spec.konnectivity).toEqual({ adminPort: 8133, agentPort: 30132 });
    expect(cfg.spec.storage).toEqual({
      type: 'etcd',
      etcd: {
        externalCluster: {
          endpoints: ['https://kmc-demo-etcd:2379'],
          etcdPrefix: 'demo',
          caFile: '/var/lib/k0s/pki/etcd-ca.crt',
          clientCertFile: '/var/lib/k0s/pki/apiserver-etcd-client.crt',
          clientKeyFile: '/var/lib/k0s/pki/apiserver-etcd-client.key',
        },
      },
    });
  });
  it('never copies a kine URL from a Secret into the ConfigMap', () => {
    const v = clusterView(cluster({ storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } }));
    const children = desiredChildren(v, facts({ certSecretNames: { ca: 'a', sa: 'b', proxy: 'c', etcd: 'd' } }));
    const yaml = children.configMap.data!.K0SMOTRON_K0S_YAML;
    expect(parse(yaml).spec.storage).toEqual({ type: 'kine', kine: { dataSource: KINE_PLACEHOLDER } });
    expect(children.statefulSet.spec!.template.spec!.containers[0].envFrom).toEqual([
      { configMapRef: { name: 'kmc-demo-config' } },
      { secretRef: { name: 'db' } },
    ]);
    expect(children.etcdStatefulSet).toBeUndefined();
    expect(entrypointScript(v)).toContain(KINE_PLACEHOLDER);
    expect(entrypointScript(v)).toContain('$K0SMOTRON_KINE_DATASOURCE_URL');
  });
  it('keeps an inline kine URL out of the config: it goes to the generated Secret (v1beta1 field name too)', () => {
    const v = clusterView(cluster({ kineDataSourceURL: 'postgres://u:p@db/k0s' }));
    expect((k0sConfig(v, { clusterIPs: [] }) as { spec: { storage: unknown } }).spec.storage).toEqual({ type: 'kine', kine: { dataSource: KINE_PLACEHOLDER } });
    expect(v.storage).toEqual({ type: 'kine', dataSourceSecretName: 'kmc-demo-kine', generatedDataSourceURL: 'postgres://u:p@db/k0s' });
  });
  it('rejects malformed k0sConfig with the field and fix', () => {
    const bad = (k0s: Record<string, unknown>) => () => k0sConfig(clusterView(cluster({ k0sConfig: k0s as never })), { clusterIPs: [] });
    expect(bad({ apiVersion: 'v1' })).toThrow(/spec\.k0sConfig\.apiVersion .*k0s\.k0sproject\.io\/v1beta1/);
    expect(bad({ spec: 'x' })).toThrow(/spec\.k0sConfig\.spec must be an object/);
    expect(bad({ spec: { api: [] } })).toThrow(/spec\.k0sConfig\.spec\.api must be an object/);
    expect(bad({ spec: { api: { sans: 'a' } } })).toThrow(/sans must be a list/);
  });
  it('dedupes SANs', () => {
    const v = clusterView(cluster({ service: { type: 'ClusterIP' } }));
    expect(apiSans(v, { userSans: ['kmc-demo'], clusterIPs: ['10.0.0.1', '10.0.0.1'] })).toEqual([
      '10.0.0.1',
      'kmc-demo',
      'kmc-demo.ns1',
      'kmc-demo.ns1.svc',
      'kmc-demo.ns1.svc.cluster.local',
    ]);
  });
});

describe('entrypoint', () => {
  it('adds default flags only when the user did not pass them, quoted', () => {
    const v = clusterView(cluster({ controlPlaneFlags: ['--enable-dynamic-config=false', "--labels=a=b c'd"] }));
    const script = entrypointScript(v);
    expect(script).toMatch(/^#!\/bin\/sh/);
    expect(script).toContain(`exec k0s controller '--enable-dynamic-config=false' '--labels=a=b c'\\''d' '--config=/etc/k0s/k0s.yaml'\n`);
  });
});

describe('StatefulSet', () => {
  it('has upstream shape: certificates copied at start, probes, volumes, anti-affinity, no SA token, fixed selector', () => {
    const v = clusterView(
      cluster(
        {
          replicas: 3,
          serviceAccount: 'sa1',
          resources: { limits: { cpu: '1' } },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' }],
          manifests: [{ name: 'extra', configMap: { name: 'my-manifests' } }],
          mounts: [{ path: '/etc/extra', secret: { secretName: 's' } }],
        },
        { labels: { team: 'a' } },
      ),
    );
    const sts = desiredChildren(v, facts()).statefulSet;
    expect(sts.metadata!.name).toBe('kmc-demo');
    expect(sts.spec!.replicas).toBe(3);
    expect(sts.spec!.selector).toEqual({
      matchLabels: { app: 'k0smotron', cluster: 'demo', component: 'cluster', 'cluster.x-k8s.io/control-plane': 'true' },
    });
    const pod = sts.spec!.template;
    expect(pod.metadata!.labels).toMatchObject({ team: 'a', 'cluster.x-k8s.io/control-plane': 'true' });
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(pod.spec!.serviceAccountName).toBe('sa1');
    expect(pod.spec!.topologySpreadConstraints).toHaveLength(1);
    expect(pod.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution!.map(t => [t.weight, t.podAffinityTerm.topologyKey])).toEqual([
      [100, 'topology.kubernetes.io/zone'],
      [50, 'kubernetes.io/hostname'],
    ]);
    // No init containers (they never finish on hollow nodes); the entrypoint copies the certificates.
    expect(pod.spec!.initContainers).toBeUndefined();
    expect(entrypointScript(v)).toContain('cp -L /k0smotron-certs/* /var/lib/k0s/pki/');
    const c = pod.spec!.containers[0];
    expect(c).toMatchObject({
      name: 'controller',
      image: 'quay.io/k0sproject/k0s:v1.27.9-k0s.0',
      args: ['/bin/sh', '-c', '/k0smotron-entrypoint/k0smotron-entrypoint.sh'],
    });
    expect(c.resources).toEqual({ limits: { cpu: '1' } });
    expect(c.readinessProbe!.exec!.command).toEqual(['k0s', 'status']);
    expect(c.livenessProbe!.exec!.command).toEqual(['k0s', 'status']);
    expect(c.ports!.map(p => p.containerPort)).toEqual([30443, 30132]);
    const mounts = Object.fromEntries(c.volumeMounts!.map(m => [m.mountPath, m]));
    expect(mounts['/var/lib/k0s'].name).toBe('kmc-demo');
    expect(mounts['/k0smotron-entrypoint']).toEqual({ name: 'entrypoint', mountPath: '/k0smotron-entrypoint', readOnly: true });
    expect(mounts['/var/lib/k0s/manifests/extra']).toMatchObject({ name: 'extra', readOnly: true });
    expect(mounts['/etc/extra']).toMatchObject({ name: mountVolumeName('/etc/extra'), readOnly: true });
    expect(mounts['/var/lib/k0s/manifests/control-plane-endpoint']).toBeDefined();
    expect(mounts['/k0smotron-certs']).toMatchObject({ name: 'certs', readOnly: true });
    const vols = Object.fromEntries(pod.spec!.volumes!.map(x => [x.name, x]));
    expect(vols['kmc-demo'].emptyDir).toEqual({});
    expect(vols.entrypoint.configMap).toEqual({ name: 'kmc-entrypoint-demo-config', defaultMode: 0o744 });
    const projected = vols.certs.projected!.sources!.map(s => [s.secret!.name, s.secret!.items!.map(i => i.path)]);
    expect(projected).toEqual([
      ['demo-ca', ['ca.crt', 'ca.key']],
      ['demo-sa', ['sa.pub', 'sa.key']],
      ['demo-proxy', ['front-proxy-ca.crt', 'front-proxy-ca.key']],
      ['demo-etcd', ['etcd-ca.crt', 'etcd-ca.key']],
      ['demo-apiserver-etcd-client', ['apiserver-etcd-client.crt', 'apiserver-etcd-client.key']],
    ]);
    expect(sts.spec).not.toHaveProperty('volumeClaimTemplates');
  });
  it('changing a Cluster label never changes the selector', () => {
    const a = desiredChildren(clusterView(cluster({}, { labels: { v: '1' } })), facts()).statefulSet;
    const b = desiredChildren(clusterView(cluster({}, { labels: { v: '2' } })), facts()).statefulSet;
    expect(a.spec!.selector).toEqual(b.spec!.selector);
  });
  it('rolls the pods when k0sConfig, version, certificates or the kine Secret change — not otherwise', () => {
    const hash = (spec: Cluster['spec'], f: Partial<ChildFacts> = {}) =>
      desiredChildren(clusterView(cluster(spec)), facts(f)).statefulSet.spec!.template.metadata!.annotations![ANNOTATION_CONFIG_HASH];
    const base = hash({});
    expect(hash({})).toBe(base);
    expect(hash({ k0sConfig: { spec: { network: { podCIDR: '10.9.0.0/16' } } } })).not.toBe(base);
    expect(hash({}, { secretVersions: { 'demo-ca': '2' } })).not.toBe(base);
    expect(hash({ replicas: 3 })).toBe(base);
    const image = (spec: Cluster['spec']) => desiredChildren(clusterView(cluster(spec)), facts()).statefulSet.spec!.template.spec!.containers[0].image;
    expect(image({ version: 'v1.31.1-k0s.0' })).toBe('quay.io/k0sproject/k0s:v1.31.1-k0s.0');
  });
  it('persistence: hostPath and PVC volumeClaimTemplate', () => {
    const hp = desiredChildren(clusterView(cluster({ persistence: { type: 'hostPath', hostPath: '/data/k0s' } })), facts()).statefulSet;
    expect(hp.spec!.template.spec!.volumes!.find(x => x.name === 'kmc-demo')!.hostPath).toEqual({ path: '/data/k0s', type: 'DirectoryOrCreate' });
    const pvc = desiredChildren(
      clusterView(
        cluster({
          persistence: {
            type: 'pvc',
            autoDeletePVCs: true,
            persistentVolumeClaim: { metadata: { labels: { x: 'y' } }, spec: { storageClassName: 'standard', resources: { requests: { storage: '2Gi' } } } },
          },
        }),
      ),
      facts(),
    ).statefulSet;
    expect(pvc.spec!.volumeClaimTemplates).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'kmc-demo', labels: { x: 'y' } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '2Gi' } } },
      },
    ]);
    expect(pvc.spec!.template.spec!.volumes!.find(x => x.name === 'kmc-demo')).toBeUndefined();
    // k8s 1.20 has no persistentVolumeClaimRetentionPolicy; autoDeletePVCs is done by owner references instead.
    expect(pvc.spec).not.toHaveProperty('persistentVolumeClaimRetentionPolicy');
  });
  it('sleep: replicas 0 keeps the StatefulSet at 0 and etcd running', () => {
    const c = desiredChildren(clusterView(cluster({ replicas: 0 })), facts());
    expect(c.statefulSet.spec!.replicas).toBe(0);
    expect(c.etcdStatefulSet!.spec!.replicas).toBe(1);
  });
});

describe('etcd', () => {
  it('odd member rule and never scaling down, one member at a time', () => {
    expect([0, 1, 2, 3, 4, 5].map(oddMembers)).toEqual([1, 1, 3, 3, 5, 5]);
    expect(etcdReplicas(4)).toBe(5);
    expect(etcdReplicas(1, { replicas: 3, readyReplicas: 3 })).toBe(3);
    expect(etcdReplicas(0, { replicas: 3, readyReplicas: 3 })).toBe(3);
    expect(etcdReplicas(5, { replicas: 1, readyReplicas: 1 })).toBe(2);
    expect(etcdReplicas(5, { replicas: 2, readyReplicas: 1 })).toBe(2);
    expect(etcdReplicas(5, { replicas: 4, readyReplicas: 4 })).toBe(5);
  });
  it('builds the headless Service and StatefulSet with certs, args, image, size', () => {
    const v = clusterView(
      cluster({
        replicas: 2,
        storage: {
          type: 'etcd',
          etcd: {
            image: 'my/etcd:1',
            args: ['--quota-backend-bytes=1'],
            persistence: { size: '5Gi', storageClass: 'fast' },
            resources: { requests: { cpu: '100m' } },
          },
        },
      }),
    );
    const c = desiredChildren(v, facts());
    expect(c.etcdService!.metadata!.name).toBe('kmc-demo-etcd');
    expect(c.etcdService!.spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { app: 'k0smotron', cluster: 'demo', component: 'etcd' },
    });
    expect(c.etcdService!.spec!.ports!.map(p => [p.name, p.port])).toEqual([
      ['client', 2379],
      ['peer', 2380],
    ]);
    const sts = c.etcdStatefulSet!;
    expect(sts.metadata!.labels).toMatchObject({ component: 'etcd', 'app.kubernetes.io/component': 'etcd' });
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: 'kmc-demo-etcd', podManagementPolicy: 'Parallel' });
    expect(sts.spec!.selector!.matchLabels).toEqual({ app: 'k0smotron', cluster: 'demo', component: 'etcd' });
    const etcd = sts.spec!.template.spec!.containers[0];
    expect(etcd.image).toBe('my/etcd:1');
    expect(etcd.command).toEqual(expect.arrayContaining(['--quota-backend-bytes=1', '--data-dir=/var/lib/k0s/etcd', '--client-cert-auth=true']));
    expect(etcd.resources).toEqual({ requests: { cpu: '100m' } });
    expect(etcd.env!.find(e => e.name === 'ETCD_INITIAL_CLUSTER')!.value).toBe(
      'kmc-demo-etcd-0=https://kmc-demo-etcd-0.kmc-demo-etcd:2380,kmc-demo-etcd-1=https://kmc-demo-etcd-1.kmc-demo-etcd:2380,kmc-demo-etcd-2=https://kmc-demo-etcd-2.kmc-demo-etcd:2380',
    );
    expect(sts.spec!.template.spec!.securityContext).toEqual({ fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(sts.spec!.volumeClaimTemplates![0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    const certs = sts.spec!.template.spec!.volumes![0].projected!.sources!.map(s => s.secret!.name);
    expect(certs).toEqual(['demo-etcd', 'demo-etcd-server', 'demo-etcd-peer']);
    expect(sts.spec!.template.spec!.initContainers).toBeUndefined();
    expect(etcd.command!.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(etcd.command![2]).toContain('member add "$HOSTNAME"');
    expect(etcd.command![3]).toBe('etcd');
  });
  it('with a 63-character Cluster name: StatefulSets and the CronJob shortened to 52, etcd members reached under the headless Service', () => {
    const name = 'a'.repeat(30) + '-' + 'b'.repeat(32);
    const v = clusterView(
      cluster(
        {
          replicas: 3,
          persistence: { type: 'pvc', persistentVolumeClaim: { spec: { resources: { requests: { storage: '1Gi' } } } } },
          storage: { type: 'etcd', etcd: { defragJob: { enabled: true, schedule: '0 3 * * *' } } },
        },
        { name },
      ),
    );
    const c = desiredChildren(v, facts({ cronJobApiVersion: 'batch/v1' }));
    const sts = c.etcdStatefulSet!.metadata!.name!;
    const svc = c.etcdService!.metadata!.name!;
    expect(name).toHaveLength(63);
    expect(sts.length).toBeLessThanOrEqual(52);
    expect(c.statefulSet.metadata!.name!.length).toBeLessThanOrEqual(52);
    expect(c.etcdDefragCronJob!.metadata!.name!.length).toBeLessThanOrEqual(52);
    expect(svc.length).toBeLessThanOrEqual(63);
    expect(sts).not.toBe(svc);
    expect(c.etcdStatefulSet!.spec!.serviceName).toBe(svc);
    const etcd = c.etcdStatefulSet!.spec!.template.spec!.containers[0];
    expect(etcd.env!.find(e => e.name === 'ETCD_INITIAL_CLUSTER')!.value).toBe([0, 1, 2].map(i => `${sts}-${i}=https://${sts}-${i}.${svc}:2380`).join(','));
    expect(etcd.env!.find(e => e.name === 'SVC')!.value).toBe(svc);
    expect(etcd.command).toContain(`--advertise-client-urls=https://$(HOSTNAME).${svc}:2379`);
    expect(parse(c.configMap.data!.K0SMOTRON_K0S_YAML).spec.storage.etcd.externalCluster.endpoints).toEqual([`https://${svc}:2379`]);
    // Pod volume names are DNS-1123 labels: the k0s data volume (named after its StatefulSet) fits.
    const podSpec = c.statefulSet.spec!.template.spec!;
    for (const vol of podSpec.volumes ?? []) expect(vol.name.length).toBeLessThanOrEqual(63);
    expect(c.statefulSet.spec!.volumeClaimTemplates![0].metadata!.name).toBe(c.statefulSet.metadata!.name);
    for (const o of childList(c)) expect(o.metadata!.labels!.cluster).toBe(name);
  });
  it('scaling etcd does not change its pod template (no etcd roll); a k0s upgrade neither', () => {
    const v1 = clusterView(cluster({ replicas: 1 }));
    const first = desiredChildren(v1, facts()).etcdStatefulSet!;
    const existing: V1StatefulSet = { ...first, status: { replicas: 1, readyReplicas: 1 } };
    const scaled = desiredChildren(clusterView(cluster({ replicas: 3, version: 'v1.31.1-k0s.0' })), facts({ existingEtcd: existing })).etcdStatefulSet!;
    expect(scaled.spec!.replicas).toBe(2);
    expect(scaled.spec!.template).toEqual(first.spec!.template);
  });
});

describe('patches', () => {
  it('applies json and merge patches to matching objects only', () => {
    const v = clusterView(
      cluster({
        patches: [
          {
            target: { kind: 'StatefulSet', component: 'control-plane' },
            patch: { type: 'json', content: '[{"op":"add","path":"/spec/template/metadata/labels/patched","value":"yes"}]' },
          },
          { target: { kind: 'Service', component: 'control-plane' }, patch: { type: 'merge', content: 'metadata:\n  annotations:\n    x: "1"\n' } },
        ],
      }),
    );
    const c = desiredChildren(v, facts());
    expect(c.statefulSet.spec!.template.metadata!.labels!.patched).toBe('yes');
    expect(c.etcdStatefulSet!.spec!.template.metadata!.labels!.patched).toBeUndefined();
    expect(c.service.metadata!.annotations).toEqual({ x: '1' });
    expect(c.etcdService!.metadata!.annotations).toBeUndefined();
  });
  it('reports bad patches as SpecErrors naming the patch', () => {
    const objs = childList(desiredChildren(clusterView(cluster({})), facts()));
    const run = (p: object) => () => applyPatches(objs, [p as never]);
    expect(run({ target: { kind: 'Service' }, patch: { type: 'strategic', content: '[]' } })).toThrow(
      /spec\.patches\[0\]\.patch\.content must be a strategic merge patch/,
    );
    expect(run({ target: { kind: 'Service' }, patch: { type: 'yaml', content: '{}' } })).toThrow(/must be "json", "merge" or "strategic"/);
    expect(run({ target: { kind: 'Ingress' }, patch: { type: 'merge', content: '{}' } })).toThrow(
      /spec\.patches\[0\] targets Ingress, which this Cluster does not generate/,
    );
    expect(run({ target: { kind: 'Service', component: 'nope' }, patch: { type: 'merge', content: '{}' } })).toThrow(/PatchTargetNotFound|does not generate/);
    expect(run({ target: { kind: 'Service' }, patch: { type: 'json', content: '[{"op":"replace","path":"/spec/nothere/x","value":1}]' } })).toThrow(
      /spec\.patches\[0\] \(json\) failed on Service/,
    );
    expect(run({ target: { kind: 'Service' }, patch: { type: 'json', content: '{"a":1}' } })).toThrow(/must be a JSON patch/);
    expect(run({ target: { kind: 'Service' }, patch: { type: 'merge', content: '{"metadata":{"name":"other"}}' } })).toThrow(/must not change the kind, name/);
    expect(run({ target: { kind: 'Service' }, patch: { type: 'merge', content: '{ not: [yaml' } })).toThrow(/neither JSON nor YAML/);
    try {
      run({ target: { kind: 'Ingress' }, patch: { type: 'merge', content: '{}' } })();
    } catch (e) {
      expect((e as SpecError).reason).toBe('PatchTargetNotFound');
    }
  });
  it('does not modify its inputs', () => {
    const objs = childList(desiredChildren(clusterView(cluster({})), facts()));
    const before = JSON.stringify(objs);
    applyPatches(objs, [{ target: { kind: 'ConfigMap' }, patch: { type: 'merge', content: '{"metadata":{"labels":{"p":"1"}}}' } }]);
    expect(JSON.stringify(objs)).toBe(before);
  });
});

describe('metadata and Secrets', () => {
  it('copies Cluster annotations except kubectl and k0smotron ones, plus kubeconfigSecretMetadata', () => {
    const v = clusterView(
      cluster(
        { kubeconfigSecretMetadata: { labels: { l: '1' }, annotations: { a: '2' } } },
        {
          annotations: { keep: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'k0smotron.io/paused': 'true' },
        },
      ),
    );
    expect(inheritedAnnotations(v)).toEqual({ keep: 'x', a: '2' });
    expect(desiredChildren(v, facts()).configMap.metadata!.labels!.l).toBe('1');
  });
  it('CAPI certificate and kubeconfig Secrets', () => {
    const v = clusterView(cluster({}));
    const pem = createCa('etcd-server', new Date('2026-01-01T00:05:00Z'), 90);
    const s = certificateSecret(v, 'etcd-server', pem);
    expect(s).toMatchObject({
      metadata: { name: 'demo-etcd-server', labels: { 'cluster.x-k8s.io/cluster-name': 'demo' }, ownerReferences: [{ uid: 'uid-1' }] },
      type: 'cluster.x-k8s.io/secret',
      data: { 'tls.crt': Buffer.from(pem.cert).toString('base64'), 'tls.key': Buffer.from(pem.key).toString('base64') },
    });
    // The validity, for renewal decided from cached metadata (the cache drops Secret data).
    expect(s.metadata!.annotations).toMatchObject({
      'k0smotron.io/certificate-not-before': '2026-01-01T00:00:00.000Z',
      'k0smotron.io/certificate-not-after': '2026-04-01T00:05:00.000Z',
    });
    expect(certificateSecret(v, 'sa', { cert: 'PUBLIC KEY', key: 'K' }).metadata!.annotations).toBeUndefined();
    const k = kubeconfigSecret(v, { yaml: 'Y', notBefore: new Date(0), notAfter: new Date(1000) }, 'https://x:1', '5');
    expect(k.metadata!.name).toBe('demo-kubeconfig');
    expect(k.metadata!.labels).toMatchObject({ 'cluster.x-k8s.io/cluster-name': 'demo', 'app.kubernetes.io/component': 'kubeconfig' });
    expect(k.data).toEqual({ value: Buffer.from('Y').toString('base64') });
    expect(k.metadata!.annotations!['k0smotron.io/kubeconfig-server']).toBe('https://x:1');
  });
  it('certificateRefs replace generated Secrets per purpose', () => {
    const v = clusterView(cluster({ certificateRefs: [{ type: 'ca', name: 'my-ca' }] }));
    expect(certificateSources(v, ['ca', 'sa'])).toEqual([
      { purpose: 'ca', secretName: 'my-ca', provided: true },
      { purpose: 'sa', secretName: 'demo-sa', provided: false },
    ]);
  });
});
