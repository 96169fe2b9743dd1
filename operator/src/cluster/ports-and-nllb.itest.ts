// Two behaviours of the generated objects, checked as the API server stores them and as the
// test cluster's (hollow) kubelet takes them, each starting from upstream's documented example
// (examples/clusters/cluster-configuration.yaml, from upstream docs/configuration.md):
// - an API port below 1024 gets the namespaced sysctl net.ipv4.ip_unprivileged_port_start, not a
//   capability (kube-apiserver runs as its own unprivileged user, where a capability would not
//   reach it);
// - with k0s node-local load balancing on, the k0s config has no spec.api.externalAddress (k0s
//   refuses the two together) and keeps everything else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { K0S_CONFIG_KEY, type Cluster } from '@k0smotron/api';
import { createTestNamespace, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import type { RunningOperator } from '../index';
import { apis, eventually, startClusterOperator, waitForCondition } from './testing/helpers';

const { kubeConfig: kc } = sharedTestCluster();
const { core, kmc } = apis(kc);

jest.setTimeout(180_000);

let ns: string;
let op: RunningOperator;
beforeAll(async () => {
  ns = await createTestNamespace(kc, 'ports-nllb');
  op = await startClusterOperator(kc, [ns]);
});
afterAll(() => op?.stop());

/** Upstream's configuration example, in this suite's namespace, under `name`, with `spec` merged over it. */
function fromExample(name: string, spec: Partial<NonNullable<Cluster['spec']>>): Cluster {
  const example = parse(readFileSync(join(__dirname, '../../../examples/clusters/cluster-configuration.yaml'), 'utf8')) as Cluster;
  return { ...example, metadata: { name, namespace: ns }, spec: { ...example.spec, ...spec } };
}

/** A resource as the API server stores it (kubectl get -o json). */
async function stored<T>(kind: string, name: string): Promise<T> {
  return eventually(`${kind} ${name}`, async () => {
    const r = await kubectl(['get', kind, name, '-n', ns, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the k0s ClusterConfig, read field by field
type K0sConfig = Record<string, any>;

async function k0sConfigOf(name: string): Promise<K0sConfig> {
  const cm = await stored<{ data: Record<string, string> }>('configmap', `kmc-${name}-config`);
  return parse(cm.data[K0S_CONFIG_KEY]) as K0sConfig;
}

describe('an API port below 1024 (LoadBalancer on 443)', () => {
  it('gets the safe sysctl net.ipv4.ip_unprivileged_port_start in the stored StatefulSet and pod, no added capability; a kubelet from 1.22 runs it, an older one refuses that sysctl alone', async () => {
    const name = 'port443';
    await kmc.createCluster(fromExample(name, { service: { type: 'LoadBalancer', apiPort: 443, konnectivityPort: 30132 } }));
    // The test cluster runs no load-balancer controller: the test plays it and gives the Service
    // its address, as a cloud's controller would.
    await stored('service', `kmc-${name}-lb`);
    const patch = await kubectl([
      'patch',
      'service',
      `kmc-${name}-lb`,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '192.0.2.43' }] } } }),
    ]);
    if (patch.code !== 0 && /unknown flag: --subresource/.test(patch.stderr)) {
      // kubectl before 1.24 has no --subresource: write the status through the raw API instead.
      const svc = await stored<Record<string, unknown>>('service', `kmc-${name}-lb`);
      const raw = await kubectl(['replace', '--raw', `/api/v1/namespaces/${ns}/services/kmc-${name}-lb/status`, '-f', '-'], {
        input: JSON.stringify({ ...svc, status: { loadBalancer: { ingress: [{ ip: '192.0.2.43' }] } } }),
      });
      expect(raw.stderr).toBe('');
    } else {
      expect(patch.stderr).toBe('');
    }
    const cluster = await waitForCondition(kmc, ns, name, 'KubeconfigSecretAvailable', 'True');
    expect(cluster.status?.endpoint).toBe('https://192.0.2.43:443');

    const sts = await stored<V1StatefulSet>('statefulset', `kmc-${name}`);
    const pod = sts.spec!.template.spec!;
    expect(pod.securityContext?.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '443' }]);
    const controller = pod.containers.find(c => c.name === 'controller')!;
    expect(controller.securityContext?.capabilities?.add ?? []).not.toContain('NET_BIND_SERVICE');
    expect(controller.ports?.find(p => p.containerPort === 443)).toBeDefined();
    // The generated k0s config listens where the Service sends the traffic.
    expect((await k0sConfigOf(name)).spec.api.port).toBe(443);

    // The pod as the API server stores it carries the same sysctl.
    const pod0 = await eventually(`pod kmc-${name}-0 bound to a node`, async () => {
      const p = await stored<V1Pod>('pod', `kmc-${name}-0`);
      return p.spec?.nodeName ? p : undefined;
    });
    expect(pod0.spec?.securityContext?.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '443' }]);

    // Whether the kubelet runs it depends on its version: the sysctl is on every kubelet's safe
    // list from Kubernetes 1.22; an older one refuses it unless its --allowed-unsafe-sysctls
    // names it (docs/security.md). The test cluster's hollow kubelets are 1.20: there the only
    // thing standing in the pod's way must be this sysctl, refused by name.
    const node = await core.readNode({ name: pod0.spec!.nodeName! });
    const kubelet = /^v(\d+)\.(\d+)\./.exec(node.status?.nodeInfo?.kubeletVersion ?? '');
    const outcome = await eventually(
      `kmc-${name}-0 admitted and Ready, or refused by its kubelet`,
      async () => {
        const p = await stored<V1Pod>('pod', `kmc-${name}-0`);
        if (p.status?.phase === 'Failed') return { ready: false, reason: p.status.reason, message: p.status.message };
        return p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ? { ready: true } : undefined;
      },
      90_000,
    );
    if (outcome.ready) return;
    expect(kubelet && Number(kubelet[1]) === 1 && Number(kubelet[2]) < 22).toBe(true);
    expect(outcome).toEqual({
      ready: false,
      reason: 'SysctlForbidden',
      message: 'Pod forbidden sysctl: "net.ipv4.ip_unprivileged_port_start" not whitelisted',
    });
  });
});

describe('node-local load balancing on (k0s docs: network.nodeLocalLoadBalancing)', () => {
  it('the stored k0s config has no spec.api.externalAddress, and the same Cluster without it has one; all else is intact', async () => {
    // Ports of their own, so that no other suite of the run competes for the example's 30443/30132.
    const service = { type: 'NodePort' as const, apiPort: 31861, konnectivityPort: 31862 };
    const network = { podCIDR: '10.244.0.0/16', nodeLocalLoadBalancing: { enabled: true, type: 'EnvoyProxy' } };
    const user = {
      apiVersion: 'k0s.k0sproject.io/v1beta1',
      kind: 'ClusterConfig',
      spec: { network, telemetry: { enabled: false }, api: { sans: ['api.example.com'] } },
    };
    await kmc.createCluster(fromExample('nllb', { service, k0sConfig: user }));
    const c = await waitForCondition(kmc, ns, 'nllb', 'KubeconfigSecretAvailable', 'True');
    const host = new URL(c.status!.endpoint!).hostname;

    const config = await k0sConfigOf('nllb');
    expect(config.spec.api).not.toHaveProperty('externalAddress');
    // Everything else: the user's fields as written, the operator's own where upstream puts them.
    expect(config.apiVersion).toBe('k0s.k0sproject.io/v1beta1');
    expect(config.kind).toBe('ClusterConfig');
    expect(config.spec.network).toEqual(network);
    expect(config.spec.telemetry).toEqual({ enabled: false });
    expect(config.spec.api.port).toBe(31861);
    // The address workers are given is still a name the API certificate answers to.
    expect(config.spec.api.sans).toEqual(expect.arrayContaining(['api.example.com', host, 'kmc-nllb-nodeport', `kmc-nllb-nodeport.${ns}.svc`]));
    expect(config.spec.konnectivity).toEqual({ agentPort: 31862 });
    expect(config.spec.storage).toEqual({
      type: 'etcd',
      etcd: {
        externalCluster: {
          endpoints: ['https://kmc-nllb-etcd:2379'],
          etcdPrefix: 'nllb',
          caFile: '/var/lib/k0s/pki/etcd-ca.crt',
          clientCertFile: '/var/lib/k0s/pki/apiserver-etcd-client.crt',
          clientKeyFile: '/var/lib/k0s/pki/apiserver-etcd-client.key',
        },
      },
    });

    // Switched off on the same Cluster: the address comes back, and only it changes in spec.api.
    await kmc.patchCluster(ns, 'nllb', {
      spec: { k0sConfig: { ...user, spec: { ...user.spec, network: { ...network, nodeLocalLoadBalancing: { enabled: false } } } } },
    });
    const off = await eventually('spec.api.externalAddress back', async () => {
      const cfg = await k0sConfigOf('nllb');
      return cfg.spec.api.externalAddress ? cfg : undefined;
    });
    expect(off.spec.api).toEqual({ ...config.spec.api, externalAddress: host });
    expect({ ...off.spec, api: undefined, network: undefined }).toEqual({ ...config.spec, api: undefined, network: undefined });
  });
});
