import type { V1Secret } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  DEFAULT_TENANT_POLICY,
  ETCD_CAPABILITIES,
  K0S_CAPABILITIES,
  K0S_CONFIG_KEY,
  KINE_DATASOURCE_SECRET_KEY,
  baselineViolations,
  parseTenantPolicy,
  type Cluster,
} from '@k0smotron/api';
import { childPodViolations, clusterView, desiredChildren, kineDataSourceSecret } from './index';
import { testCluster as cluster, testFacts as facts } from './testdata/fixtures';

// The test cluster predates the PodSecurity admission, so the generated pods are checked with the
// same rules as a pure function.
describe('generated pods meet Pod Security baseline and the tenant policy', () => {
  const variants: Array<[string, Cluster['spec']]> = [
    ['spec: null', undefined],
    [
      'etcd storage, 3 replicas, pvc persistence',
      { replicas: 3, persistence: { type: 'pvc', persistentVolumeClaim: { spec: { resources: { requests: { storage: '1Gi' } } } } } },
    ],
    ['kine with an inline URL', { storage: { type: 'kine', kine: { dataSourceURL: 'postgres://u:p@db/kine' } } }],
    [
      'mounts and manifests from ConfigMaps and Secrets',
      { mounts: [{ path: '/etc/x', configMap: { name: 'x' } }], manifests: [{ name: 'm', secret: { secretName: 'm' } }] },
    ],
    [
      'a merge patch on resources',
      { patches: [{ target: { kind: 'StatefulSet', component: 'control-plane' }, patch: { type: 'merge', content: '{"metadata":{"labels":{"team":"a"}}}' } }] },
    ],
  ];

  it.each(variants)('%s', (_what, spec) => {
    const view = clusterView(cluster(spec));
    const children = desiredChildren(view, facts);
    expect(childPodViolations(view, children, DEFAULT_TENANT_POLICY)).toEqual([]);
    for (const sts of [children.statefulSet, children.etcdStatefulSet]) {
      if (!sts) continue;
      expect(baselineViolations(sts.spec!.template, 'T')).toEqual([]);
      for (const c of sts.spec!.template.spec!.containers) {
        expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      }
      expect(sts.spec!.template.spec!.automountServiceAccountToken).toBe(false);
      expect(sts.spec!.template.spec!.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    }
    const caps = (name: string) => children.statefulSet.spec!.template.spec!.containers.find(c => c.name === name)?.securityContext?.capabilities?.add;
    expect(caps('controller')).toEqual(Object.keys(K0S_CAPABILITIES));
    const etcd = children.etcdStatefulSet?.spec?.template.spec?.containers.find(c => c.name === 'etcd');
    if (etcd) expect(etcd.securityContext?.capabilities?.add).toEqual(Object.keys(ETCD_CAPABILITIES));
  });

  it.each<[string, string, RegExp]>([
    [
      'json',
      '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/privileged","value":true}]',
      /containers\[0\]\.securityContext\.privileged/,
    ],
    ['json', '[{"op":"replace","path":"/spec/template/spec/automountServiceAccountToken","value":true}]', /automountServiceAccountToken/],
    ['json', '[{"op":"add","path":"/spec/template/spec/hostPID","value":true}]', /spec\.hostPID/],
    ['merge', '{"spec":{"template":{"spec":{"hostNetwork":true}}}}', /spec\.hostNetwork/],
    ['merge', '{"spec":{"template":{"spec":{"volumes":[{"name":"root","hostPath":{"path":"/"}}]}}}}', /volumes\[0\]\.hostPath/],
    ['json', '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/capabilities/add/-","value":"SYS_ADMIN"}]', /capabilities\.add/],
    ['json', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil.example.com/k0s:1"}]', /containers\[0\]\.image/],
    ['json', '[{"op":"add","path":"/spec/template/spec/serviceAccountName","value":"admin"}]', /serviceAccountName/],
  ])('a %s patch cannot re-enable what the policy refuses (%s)', (type, content, field) => {
    const view = clusterView(
      cluster({ patches: [{ target: { kind: 'StatefulSet', component: 'control-plane' }, patch: { type: type as 'json' | 'merge', content } }] }),
    );
    const violations = childPodViolations(view, desiredChildren(view, facts), DEFAULT_TENANT_POLICY);
    expect(violations.map(v => v.field).join(' ')).toMatch(field);
    expect(violations[0].field).toMatch(/^StatefulSet kmc-demo spec\.template/);
  });

  it('allows hostPath persistence only when the policy allows its prefix', () => {
    const view = clusterView(cluster({ persistence: { type: 'hostPath', hostPath: '/var/lib/k0smotron/demo' } }));
    const children = desiredChildren(view, facts);
    expect(childPodViolations(view, children, DEFAULT_TENANT_POLICY).map(v => v.field)).toEqual([
      'StatefulSet kmc-demo spec.template.spec.volumes[2].hostPath',
    ]);
    const allowing = parseTenantPolicy({ hostPathPersistence: { allowed: true, pathPrefixes: ['/var/lib/k0smotron'] } });
    expect(childPodViolations(view, children, allowing)).toEqual([]);
  });
});

describe('an inline kine data source URL', () => {
  it('goes into an owned Secret; the ConfigMap holds only the placeholder', () => {
    const url = "postgres://user:s3cr&t|pa\\ss'@db.example.com:5432/kine";
    const view = clusterView(cluster({ storage: { type: 'kine', kine: { dataSourceURL: url } } }));
    const secret = kineDataSourceSecret(view) as V1Secret;
    expect(secret.metadata?.name).toBe('kmc-demo-kine');
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Cluster', uid: 'uid-1', controller: true });
    expect(Buffer.from(secret.data![KINE_DATASOURCE_SECRET_KEY], 'base64').toString()).toBe(url);
    const children = desiredChildren(view, facts);
    const configText = JSON.stringify(children.configMap) + JSON.stringify(children.entrypoint) + JSON.stringify(children.statefulSet);
    expect(configText).not.toContain('s3cr');
    expect(parse(children.configMap.data![K0S_CONFIG_KEY]).spec.storage.kine.dataSource).toMatch(/PLACEHOLDER/);
    expect(children.statefulSet.spec!.template.spec!.containers[0].envFrom).toContainEqual({ secretRef: { name: 'kmc-demo-kine' } });
  });

  it('is not generated when the user names a Secret', () => {
    const view = clusterView(cluster({ storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } }));
    expect(kineDataSourceSecret(view)).toBeUndefined();
    expect(desiredChildren(view, facts).statefulSet.spec!.template.spec!.containers[0].envFrom).toContainEqual({ secretRef: { name: 'db' } });
  });
});

describe('upstream behaviours that touch the pods and the k0s config', () => {
  it('copies the Cluster annotations to the pods, and an AppArmor one is still refused', () => {
    const annotated = clusterView({ ...cluster(undefined), metadata: { ...cluster(undefined).metadata, annotations: { 'team.example.com/owner': 'a' } } });
    const template = desiredChildren(annotated, facts).statefulSet.spec!.template;
    expect(template.metadata!.annotations).toMatchObject({ 'team.example.com/owner': 'a' });
    const unconfined = clusterView({
      ...cluster(undefined),
      metadata: { ...cluster(undefined).metadata, annotations: { 'container.apparmor.security.beta.kubernetes.io/controller': 'unconfined' } },
    });
    expect(childPodViolations(unconfined, desiredChildren(unconfined, facts), DEFAULT_TENANT_POLICY).map(v => v.field)).toContain(
      'StatefulSet kmc-demo spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/controller]',
    );
  });

  it('lets kube-apiserver bind a port below 1024 with the safe sysctl, not a capability', () => {
    const view = clusterView(cluster({ service: { type: 'LoadBalancer', apiPort: 443, konnectivityPort: 8132 } }));
    const children = desiredChildren(view, facts);
    expect(children.statefulSet.spec!.template.spec!.securityContext!.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '443' }]);
    expect(childPodViolations(view, children, DEFAULT_TENANT_POLICY)).toEqual([]);
    expect(desiredChildren(clusterView(cluster(undefined)), facts).statefulSet.spec!.template.spec!.securityContext!.sysctls).toBeUndefined();
  });

  it('leaves api.externalAddress out with node-local load balancing (k0s refuses both), keeping the address in the SANs', () => {
    const k0s = (k0sConfig: Record<string, unknown> | undefined) =>
      parse(desiredChildren(clusterView(cluster({ k0sConfig: k0sConfig as never })), facts).configMap.data![K0S_CONFIG_KEY]).spec.api;
    expect(k0s(undefined).externalAddress).toBe('192.0.2.2');
    const nllb = k0s({
      apiVersion: 'k0s.k0sproject.io/v1beta1',
      kind: 'ClusterConfig',
      spec: { network: { nodeLocalLoadBalancing: { enabled: true, type: 'EnvoyProxy' } } },
    });
    expect(nllb.externalAddress).toBeUndefined();
    expect(nllb.sans).toContain('192.0.2.2');
    expect(k0s({ spec: { network: { nodeLocalLoadBalancing: { enabled: false } } } }).externalAddress).toBe('192.0.2.2');
  });
});

describe('the etcd defrag CronJob', () => {
  const defrag = cluster({ storage: { type: 'etcd', etcd: { defragJob: { enabled: true, schedule: '0 3 * * *' } } } });

  it('is written in the served API version, meets the policy, and sees only the CA certificate and a client pair', () => {
    const view = clusterView(defrag);
    const children = desiredChildren(view, { ...facts, cronJobApiVersion: 'batch/v1beta1' });
    const cron = children.etcdDefragCronJob!;
    expect(cron).toMatchObject({
      apiVersion: 'batch/v1beta1',
      kind: 'CronJob',
      metadata: { name: 'kmc-demo-defrag' },
      spec: { schedule: '0 3 * * *', concurrencyPolicy: 'Forbid' },
    });
    const pod = cron.spec.jobTemplate.spec.template;
    expect(baselineViolations(pod, 'T')).toEqual([]);
    expect(childPodViolations(view, children, DEFAULT_TENANT_POLICY)).toEqual([]);
    const sources = pod.spec!.volumes![0].projected!.sources!.map(s => s.secret);
    expect(sources).toEqual([
      { name: 'demo-etcd', items: [{ key: 'tls.crt', path: 'ca.crt' }] },
      {
        name: 'demo-apiserver-etcd-client',
        items: [
          { key: 'tls.crt', path: 'client.crt' },
          { key: 'tls.key', path: 'client.key' },
        ],
      },
    ]);
  });

  it('is not generated without a known CronJob API, or with the job disabled', () => {
    expect(desiredChildren(clusterView(defrag), facts).etcdDefragCronJob).toBeUndefined();
    expect(desiredChildren(clusterView(cluster(undefined)), { ...facts, cronJobApiVersion: 'batch/v1' }).etcdDefragCronJob).toBeUndefined();
  });

  it('refuses a patch that makes it privileged', () => {
    const view = clusterView({
      ...defrag,
      spec: {
        ...defrag.spec,
        patches: [
          {
            target: { kind: 'CronJob', component: 'etcd' },
            patch: { type: 'json', content: '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/hostPID","value":true}]' },
          },
        ],
      },
    });
    expect(childPodViolations(view, desiredChildren(view, { ...facts, cronJobApiVersion: 'batch/v1' }), DEFAULT_TENANT_POLICY).map(v => v.field)).toContain(
      'CronJob kmc-demo-defrag spec.jobTemplate.spec.template.spec.hostPID',
    );
  });
});
