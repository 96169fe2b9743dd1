// Objects as an upstream k0smotron installation exports them (`kubectl get kmc -o yaml`): Go
// serialises every non-pointer struct, so unsupported features arrive as empty or disabled
// structs. They apply unchanged and reconcile; only a feature that is switched on is reported,
// and the rest of the Cluster still reconciles.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { V1PodSpec } from '@kubernetes/client-node';
import type { Cluster } from '@k0smotron/api';
import { createTestNamespace, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import type { RunningOperator } from '../index';
import { apis, condition, eventually, startClusterOperator, waitForCondition } from './testing/helpers';

const { kubeConfig: kc } = sharedTestCluster();
const { kmc } = apis(kc);

jest.setTimeout(180_000);

let ns: string;
let op: RunningOperator;
beforeAll(async () => {
  ns = await createTestNamespace(kc, 'upstream');
  op = await startClusterOperator(kc, [ns]);
});
afterAll(() => op?.stop());

/** The shape of an exported upstream v1beta2 Cluster (defaults filled in, structs present). */
const exported = (name: string, monitoringEnabled: boolean) => `apiVersion: k0smotron.io/v1beta2
kind: Cluster
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: 1
  image: quay.io/k0sproject/k0s
  version: v1.27.9-k0s.0
  service:
    type: ClusterIP
    apiPort: 30443
    konnectivityPort: 30132
  persistence:
    type: emptyDir
  storage:
    type: etcd
    etcd:
      image: quay.io/k0sproject/etcd:v3.7.1
      persistence:
        size: 1Gi
    kine: {}
    nats:
      persistence:
        size: 1Gi
  ingress: {}
  remoteHostCluster:
    kubeconfigRef: {}
  monitoring:
    enabled: ${monitoringEnabled}
    prometheusImage: quay.io/k0sproject/prometheus:v2.44.0
    proxyImage: nginx:1.19.10
`;

describe('an exported upstream Cluster', () => {
  it('applies with its empty and disabled structs and reconciles, with no FeaturesSupported condition', async () => {
    const r = await kubectl(['apply', '-f', '-'], { input: exported('exported', false) });
    expect(r.stderr).toBe('');
    const c = await waitForCondition(kmc, ns, 'exported', 'KubeconfigSecretAvailable', 'True');
    expect(condition(c, 'FeaturesSupported')).toBeUndefined();
  });

  it('with monitoring switched on: FeaturesSupported=False (Unsupported) names the field, and the rest still reconciles', async () => {
    const r = await kubectl(['apply', '-f', '-'], { input: exported('monitored', true) });
    expect(r.stderr).toBe('');
    const c = await waitForCondition(kmc, ns, 'monitored', 'KubeconfigSecretAvailable', 'True');
    const unsupported = await eventually('FeaturesSupported False', async () => {
      const cond = condition(await kmc.getCluster(ns, 'monitored'), 'FeaturesSupported');
      return cond?.status === 'False' ? cond : undefined;
    });
    expect(unsupported).toMatchObject({ reason: 'Unsupported', message: expect.stringContaining('spec.monitoring is not supported') });
    expect(condition(c, 'Available')?.reason).not.toBe('Unsupported');
    // Switching it off clears the condition.
    await kmc.patchCluster(ns, 'monitored', { spec: { monitoring: { enabled: false } } });
    await eventually('FeaturesSupported gone', async () => !condition(await kmc.getCluster(ns, 'monitored'), 'FeaturesSupported'));
  });
});

describe('two NodePort Clusters that want the same ports', () => {
  // Ports of their own per test, so that no other suite or test of the run holds them.
  const nodePort = (name: string, apiPort: number, namespace = ns) => ({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace },
    spec: { service: { type: 'NodePort' as const, apiPort, konnectivityPort: apiPort + 1 } },
  });

  it('the second says which Cluster holds the port and what to do, and gets it once the first lets go', async () => {
    await kmc.createCluster(nodePort('np-first', 31841));
    await waitForCondition(kmc, ns, 'np-first', 'KubeconfigSecretAvailable', 'True');
    await kmc.createCluster(nodePort('np-second', 31841));
    const c = await waitForCondition(kmc, ns, 'np-second', 'Available', 'False', 'NodePortConflict');
    expect(condition(c, 'Available')!.message).toMatch(
      /^NodePort 31841( and 31842)? is already allocated: Service kmc-np-first-nodeport of Cluster np-first in this namespace holds it\. Set other ports in spec\.service\.apiPort/,
    );
    await kmc.deleteCluster(ns, 'np-first');
    await waitForCondition(kmc, ns, 'np-second', 'KubeconfigSecretAvailable', 'True');
  });

  it('tries again as soon as the holder of its port goes, however long it has been refused', async () => {
    const failures = async () => Number(/^k0smotron_reconcile_errors_total\{controller="cluster"\} (\d+)$/m.exec(await op.metrics.text())?.[1] ?? 0);
    // A Service with the operator's label holds the port, as another Cluster's Service would.
    const holder = `apiVersion: v1
kind: Service
metadata: { name: port-holder, namespace: ${ns}, labels: { app: k0smotron } }
spec: { type: NodePort, selector: { app: nothing }, ports: [{ port: 443, nodePort: 31871 }] }
`;
    expect((await kubectl(['apply', '-f', '-'], { input: holder })).code).toBe(0);
    const before = await failures();
    await kmc.createCluster(nodePort('np-waiting', 31871));
    await waitForCondition(kmc, ns, 'np-waiting', 'Available', 'False', 'NodePortConflict');
    // Thirteen failed reconciles: the failure backoff (5 ms, doubling) is now 40 s or more, so
    // only the Service watch can bring the Cluster back within the wait below.
    await eventually('13 failed reconciles', async () => (await failures()) - before >= 13, 120_000);
    expect((await kubectl(['delete', 'service', 'port-holder', '-n', ns])).code).toBe(0);
    await waitForCondition(kmc, ns, 'np-waiting', 'KubeconfigSecretAvailable', 'True', undefined, 10_000);
  });

  it('does not name a Service of another namespace', async () => {
    const other = await createTestNamespace(kc, 'upstream-other');
    const otherOp = await startClusterOperator(kc, [other]);
    try {
      await kmc.createCluster(nodePort('np-elsewhere', 31851, other));
      await waitForCondition(kmc, other, 'np-elsewhere', 'KubeconfigSecretAvailable', 'True');
      await kmc.createCluster(nodePort('np-here', 31851));
      const c = await waitForCondition(kmc, ns, 'np-here', 'Available', 'False', 'NodePortConflict');
      expect(condition(c, 'Available')!.message).toContain('a Service in another namespace holds it');
      expect(condition(c, 'Available')!.message).not.toContain(other);
      await kmc.deleteCluster(other, 'np-elsewhere');
    } finally {
      await otherOp.stop();
    }
  });
});

/** The parts of a CronJob (any served version) this test reads. */
interface DefragCronJob {
  metadata: { ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: V1PodSpec } } } };
}

describe("upstream's etcd defrag example", () => {
  it('becomes a defrag CronJob in the API version the cluster serves, which goes when the job is switched off', async () => {
    // examples/clusters/cluster-etcd-defrag.yaml (from upstream docs/etcd.md), exposed as ClusterIP
    // so that it does not compete for NodePort 30443 with other suites of the run.
    const manifest = parse(readFileSync(join(__dirname, '../../../examples/clusters/cluster-etcd-defrag.yaml'), 'utf8')) as Cluster;
    const name = manifest.metadata.name!;
    await kmc.createCluster({ ...manifest, metadata: { ...manifest.metadata, namespace: ns }, spec: { ...manifest.spec, service: { type: 'ClusterIP' } } });
    await waitForCondition(kmc, ns, name, 'KubeconfigSecretAvailable', 'True');
    // The test cluster is Kubernetes 1.20: CronJob exists only in batch/v1beta1 there.
    const path = `/apis/batch/v1beta1/namespaces/${ns}/cronjobs/kmc-${name}-defrag`;
    const cron = await eventually('the defrag CronJob', async () => {
      const r = await kubectl(['get', '--raw', path]);
      return r.code === 0 ? (JSON.parse(r.stdout) as DefragCronJob) : undefined;
    });
    expect(cron.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Cluster', name })]);
    expect(cron.spec).toMatchObject({ schedule: '0 0 * * *', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining([
        `--endpoints=https://kmc-${name}-etcd:2379`,
        '--cluster',
        '--defrag-rule=dbQuotaUsage > 0.5 || dbSize - dbSizeInUse > 200*1024*1024',
      ]),
    );
    expect(pod.automountServiceAccountToken).toBe(false);
    // Only the CA certificate, never its key.
    expect(pod.volumes?.[0].projected?.sources?.[0].secret).toEqual({ name: `${name}-etcd`, items: [{ key: 'tls.crt', path: 'ca.crt' }] });

    await kmc.patchCluster(ns, name, { spec: { storage: { etcd: { defragJob: { enabled: false } } } } });
    await eventually('the defrag CronJob deleted', async () => (await kubectl(['get', '--raw', path])).code !== 0);
  });
});

describe('quantities written as numbers', () => {
  it('a Cluster with integer quantities (cpu: 1, memory: 536870912) gets its StatefulSets: server-side apply wants strings', async () => {
    await kmc.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'numeric', namespace: ns },
      spec: {
        service: { type: 'ClusterIP' },
        resources: { limits: { cpu: 1, memory: 536870912 } } as never,
        storage: { type: 'etcd', etcd: { resources: { requests: { cpu: 2 } } as never } },
      },
    });
    await waitForCondition(kmc, ns, 'numeric', 'KubeconfigSecretAvailable', 'True');
    const sts = await eventually('kmc-numeric', async () => {
      const r = await kubectl(['get', 'statefulset', 'kmc-numeric', '-n', ns, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as { spec: { template: { spec: V1PodSpec } } }) : undefined;
    });
    expect(sts.spec.template.spec.containers[0].resources?.limits).toEqual({ cpu: '1', memory: '536870912' });
  });
});
