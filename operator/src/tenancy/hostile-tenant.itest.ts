// A hostile tenant against the operator's production wiring on the real test cluster: a tenant who
// may create Clusters and JoinTokenRequests in its own namespace tries, in one table, every way
// found to reach the management cluster's nodes or another tenant's control plane. Every attempt
// must be refused with a reason naming the field, write nothing, and leave the operator healthy
// and what already ran untouched.
import { AppsV1Api, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { ANNOTATION_JOIN_TOKEN_NAMESPACES, DEFAULT_TENANT_POLICY, JOIN_TOKEN_CONDITION, type Cluster, type JoinTokenRequest } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import { defaultControllers, JsonLogger, startOperator, type RunningOperator } from '../index';
import { staticChildApi } from '../childapi/resolver';
import { condition, eventually, newCluster, reasonsOfEvents, waitForCondition } from '../cluster/testing/helpers';

const { kubeConfig: kc } = sharedTestCluster();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const kmc = new K0smotronClient(kc);

jest.setTimeout(300_000);

const clusterIP = { service: { type: 'ClusterIP' as const } };
const patch = (kind: string, component: string | undefined, type: 'json' | 'merge', content: unknown) => ({
  target: { kind, ...(component ? { component } : {}) },
  patch: { type, content: JSON.stringify(content) },
});
const controlPlane = (type: 'json' | 'merge', content: unknown) => patch('StatefulSet', 'control-plane', type, content);
const container0 = '/spec/template/spec/containers/0';

let tenant: string; // the hostile tenant's namespace
let victimNs: string; // another tenant
let operator: RunningOperator;
const kubeSystemName = `hostile-${process.pid}`;

/** Every object the operator would have written for Cluster `name` (they all carry its label). */
async function childrenOf(ns: string, name: string): Promise<string[]> {
  const labelSelector = `app=k0smotron,cluster=${name}`;
  const [sts, svc, cm, sec] = await Promise.all([
    apps.listNamespacedStatefulSet({ namespace: ns, labelSelector }),
    core.listNamespacedService({ namespace: ns, labelSelector }),
    core.listNamespacedConfigMap({ namespace: ns, labelSelector }),
    core.listNamespacedSecret({ namespace: ns, labelSelector }),
  ]);
  return [...sts.items, ...svc.items, ...cm.items, ...sec.items].map(o => `${o.kind ?? ''} ${o.metadata?.name}`);
}

/** A version of every child of a Cluster, to prove nothing of it changed. */
async function versionsOf(ns: string, name: string): Promise<Record<string, string>> {
  const labelSelector = `app=k0smotron,cluster=${name}`;
  const lists = await Promise.all([
    apps.listNamespacedStatefulSet({ namespace: ns, labelSelector }),
    core.listNamespacedService({ namespace: ns, labelSelector }),
    core.listNamespacedConfigMap({ namespace: ns, labelSelector }),
    core.listNamespacedSecret({ namespace: ns, labelSelector }),
  ]);
  const out: Record<string, string> = {};
  lists.forEach((l, i) => {
    // StatefulSets: the generation (their status moves on its own as pods become Ready).
    for (const o of l.items as KubernetesObject[])
      out[`${i}/${o.metadata?.name}`] = i === 0 ? `generation ${o.metadata?.generation}` : (o.metadata?.resourceVersion ?? '');
  });
  return out;
}

/**
 * Running as far as the test cluster allows: pods Ready on hollow nodes and the admin kubeconfig
 * written. (Available also needs ControlPlaneFunctional, and no k0s runs inside those pods.)
 */
async function waitRunning(ns: string, name: string): Promise<void> {
  await waitForCondition(kmc, ns, name, 'KubeconfigSecretAvailable', 'True');
  await eventually(`${ns}/${name} pods Ready`, async () => {
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: `kmc-${name}` }).catch(() => undefined);
    return (sts?.status?.readyReplicas ?? 0) >= 1;
  });
}

beforeAll(async () => {
  [tenant, victimNs] = await Promise.all([createTestNamespace(kc, 'hostile'), createTestNamespace(kc, 'victim')]);
  operator = await startOperator({
    kubeConfig: kc,
    namespaces: [tenant, victimNs, 'kube-system'],
    // The production controllers (Cluster with its functional probe, JoinTokenRequest, the
    // v1beta1 alias) with the default policy. Child API servers are never reached: every request
    // here is refused before that.
    controllers: defaultControllers({ log: new JsonLogger({ level: 'error' }), childApi: staticChildApi(() => undefined), policy: DEFAULT_TENANT_POLICY }),
    logger: new JsonLogger({ level: 'error' }),
  });
  // What already runs: the victim's control plane, a neighbour in the tenant's own namespace (as
  // in a Backstage namespace that several teams share), the tenant's own Cluster, and `foo`, whose
  // etcd StatefulSet `kmc-foo-etcd` has the name Cluster `foo-etcd`'s control plane would get.
  await Promise.all([
    kmc.createCluster(newCluster(victimNs, 'victim', clusterIP, { annotations: { [ANNOTATION_JOIN_TOKEN_NAMESPACES]: tenant } })),
    kmc.createCluster(newCluster(victimNs, 'closed', clusterIP)),
    kmc.createCluster(newCluster(tenant, 'neighbour', clusterIP)),
    kmc.createCluster(newCluster(tenant, 'own', clusterIP)),
    kmc.createCluster(newCluster(tenant, 'foo', clusterIP)),
  ]);
  await Promise.all([
    waitRunning(victimNs, 'victim'),
    waitRunning(victimNs, 'closed'),
    waitRunning(tenant, 'neighbour'),
    waitRunning(tenant, 'own'),
    waitRunning(tenant, 'foo'),
  ]);
});

afterAll(async () => {
  await kmc.deleteCluster('kube-system', kubeSystemName).catch(() => undefined);
  await operator?.stop();
});

interface ClusterAttempt {
  what: string;
  namespace?: () => string;
  name: string;
  spec: Cluster['spec'];
  reason: 'PolicyViolation' | 'NameConflict';
  /** Text the condition message must contain: the field at fault. */
  field: string;
}

const clusterAttempts: ClusterAttempt[] = [
  {
    what: 'an image from another registry',
    name: 'image',
    spec: { ...clusterIP, image: 'evil.example.com/k0s' },
    reason: 'PolicyViolation',
    field: 'spec.image',
  },
  {
    what: 'an etcd image from another registry',
    name: 'etcd-image',
    spec: { ...clusterIP, storage: { type: 'etcd', etcd: { image: 'evil.example.com/etcd:v3' } } },
    reason: 'PolicyViolation',
    field: 'spec.storage.etcd.image',
  },
  {
    what: 'hostPath persistence on /etc',
    name: 'hostpath',
    spec: { ...clusterIP, persistence: { type: 'hostPath', hostPath: '/etc' } },
    reason: 'PolicyViolation',
    field: 'spec.persistence.type',
  },
  {
    what: 'a hostPath mount of /',
    name: 'mount-hostpath',
    spec: { ...clusterIP, mounts: [{ path: '/host', hostPath: { path: '/' } }] },
    reason: 'PolicyViolation',
    field: 'spec.mounts[0].hostPath',
  },
  {
    what: 'a hostPath manifests volume',
    name: 'manifest-hostpath',
    spec: { ...clusterIP, manifests: [{ name: 'm', hostPath: { path: '/etc/kubernetes' } }] },
    reason: 'PolicyViolation',
    field: 'spec.manifests[0].hostPath',
  },
  {
    what: 'an nfs mount',
    name: 'mount-nfs',
    spec: { ...clusterIP, mounts: [{ path: '/nfs', nfs: { server: '192.0.2.9', path: '/' } }] },
    reason: 'PolicyViolation',
    field: 'spec.mounts[0].nfs',
  },
  {
    what: 'a projected service-account token mount',
    name: 'mount-token',
    spec: { ...clusterIP, mounts: [{ path: '/token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] },
    reason: 'PolicyViolation',
    field: 'spec.mounts[0].projected',
  },
  { what: 'a service account', name: 'sa', spec: { ...clusterIP, serviceAccount: 'default' }, reason: 'PolicyViolation', field: 'spec.serviceAccount' },
  {
    what: 'a json patch making the container privileged',
    name: 'json-privileged',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'add', path: `${container0}/securityContext/privileged`, value: true }])] },
    reason: 'PolicyViolation',
    field: 'securityContext.privileged',
  },
  {
    what: 'a json patch re-enabling the service-account token',
    name: 'json-token',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'replace', path: '/spec/template/spec/automountServiceAccountToken', value: true }])] },
    reason: 'PolicyViolation',
    field: 'automountServiceAccountToken',
  },
  {
    what: 'a json patch sharing the host PID namespace',
    name: 'json-hostpid',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }])] },
    reason: 'PolicyViolation',
    field: 'spec.hostPID',
  },
  {
    what: 'a merge patch sharing the host network',
    name: 'merge-hostnet',
    spec: { ...clusterIP, patches: [controlPlane('merge', { spec: { template: { spec: { hostNetwork: true } } } })] },
    reason: 'PolicyViolation',
    field: 'spec.hostNetwork',
  },
  {
    what: 'a merge patch adding a hostPath volume',
    name: 'merge-hostpath',
    spec: { ...clusterIP, patches: [controlPlane('merge', { spec: { template: { spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }] } } } })] },
    reason: 'PolicyViolation',
    field: 'hostPath',
  },
  {
    what: 'a json patch adding SYS_ADMIN',
    name: 'json-sysadmin',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'add', path: `${container0}/securityContext/capabilities/add/-`, value: 'SYS_ADMIN' }])] },
    reason: 'PolicyViolation',
    field: 'capabilities.add',
  },
  {
    what: 'a json patch removing the securityContext',
    name: 'json-nosc',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'remove', path: `${container0}/securityContext` }])] },
    reason: 'PolicyViolation',
    field: 'capabilities.drop',
  },
  {
    what: 'a json patch swapping the image',
    name: 'json-image',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'replace', path: `${container0}/image`, value: 'evil.example.com/k0s:1' }])] },
    reason: 'PolicyViolation',
    field: 'containers[0].image',
  },
  {
    what: 'a json patch naming a service account',
    name: 'json-sa',
    spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'add', path: '/spec/template/spec/serviceAccountName', value: 'builder' }])] },
    reason: 'PolicyViolation',
    field: 'serviceAccountName',
  },
  {
    what: 'a merge patch replacing the containers with a privileged one',
    name: 'merge-containers',
    spec: {
      ...clusterIP,
      patches: [
        controlPlane('merge', {
          spec: { template: { spec: { containers: [{ name: 'controller', image: 'evil.example.com/x:1', securityContext: { privileged: true } }] } } },
        }),
      ],
    },
    reason: 'PolicyViolation',
    field: 'privileged',
  },
  {
    what: 'a json patch making the etcd pod privileged',
    name: 'json-etcd',
    spec: { ...clusterIP, patches: [patch('StatefulSet', 'etcd', 'json', [{ op: 'add', path: `${container0}/securityContext/privileged`, value: true }])] },
    reason: 'PolicyViolation',
    field: 'StatefulSet kmc-json-etcd-etcd',
  },
  {
    what: 'a Cluster in kube-system',
    namespace: () => 'kube-system',
    name: kubeSystemName,
    spec: clusterIP,
    reason: 'PolicyViolation',
    field: 'metadata.namespace',
  },
  {
    what: "the neighbour's CA as a certificateRef",
    name: 'borrow-ca',
    spec: { ...clusterIP, certificateRefs: [{ type: 'ca', name: 'neighbour-ca' }] },
    reason: 'PolicyViolation',
    field: 'spec.certificateRefs',
  },
  {
    what: "a name whose control plane is another Cluster's etcd",
    name: 'foo-etcd',
    spec: clusterIP,
    reason: 'NameConflict',
    field: 'StatefulSet kmc-foo-etcd already exists and belongs to Cluster foo',
  },
];

interface TokenAttempt {
  what: string;
  apiVersion: 'k0smotron.io/v1beta2' | 'k0smotron.io/v1beta1';
  name: string;
  spec: JoinTokenRequest['spec'];
  reason: 'CrossNamespaceDenied' | 'PolicyViolation';
  message: RegExp;
}

const tokenAttempts = (): TokenAttempt[] => [
  {
    what: "a worker token for another namespace's Cluster that does not opt in",
    apiVersion: 'k0smotron.io/v1beta2',
    name: 'x-closed',
    spec: { clusterRef: { name: 'closed', namespace: victimNs } },
    reason: 'CrossNamespaceDenied',
    message: /does not allow join tokens from namespace/,
  },
  {
    what: 'the same through v1beta1',
    apiVersion: 'k0smotron.io/v1beta1',
    name: 'x-closed-v1',
    spec: { clusterRef: { name: 'closed', namespace: victimNs } },
    reason: 'CrossNamespaceDenied',
    message: /does not allow join tokens from namespace/,
  },
  {
    what: 'a controller token from a namespace allowed only worker tokens',
    apiVersion: 'k0smotron.io/v1beta2',
    name: 'x-controller',
    spec: { clusterRef: { name: 'victim', namespace: victimNs }, role: 'controller', expiry: '0s' },
    reason: 'CrossNamespaceDenied',
    message: /does not allow controller join tokens/,
  },
  {
    what: 'a controller token through v1beta1',
    apiVersion: 'k0smotron.io/v1beta1',
    name: 'x-controller-v1',
    spec: { clusterRef: { name: 'victim', namespace: victimNs }, role: 'controller' },
    reason: 'CrossNamespaceDenied',
    message: /does not allow controller join tokens/,
  },
  {
    what: 'a token for a Cluster that does not exist in another namespace (no existence oracle)',
    apiVersion: 'k0smotron.io/v1beta2',
    name: 'x-missing',
    spec: { clusterRef: { name: 'nothing-here', namespace: victimNs } },
    reason: 'CrossNamespaceDenied',
    message: /does not allow join tokens from namespace/,
  },
  {
    what: 'a token that never expires',
    apiVersion: 'k0smotron.io/v1beta2',
    name: 'never',
    spec: { clusterName: 'own', expiry: '0s' },
    reason: 'PolicyViolation',
    message: /never expires/,
  },
  {
    what: 'a token for a year',
    apiVersion: 'k0smotron.io/v1beta2',
    name: 'year',
    spec: { clusterName: 'own', expiry: '8760h' },
    reason: 'PolicyViolation',
    message: /longer than the operator's policy allows/,
  },
  {
    what: 'a token for a year from an allowed namespace',
    apiVersion: 'k0smotron.io/v1beta2',
    name: 'x-year',
    spec: { clusterRef: { name: 'victim', namespace: victimNs }, expiry: '8760h' },
    reason: 'PolicyViolation',
    message: /longer than/,
  },
];

describe('a hostile tenant', () => {
  it('is refused every attempt with a clear reason; nothing is written; the operator stays healthy and what ran is untouched', async () => {
    {
      const before = {
        victim: await versionsOf(victimNs, 'victim'),
        closed: await versionsOf(victimNs, 'closed'),
        neighbour: await versionsOf(tenant, 'neighbour'),
        foo: await versionsOf(tenant, 'foo'),
        own: await versionsOf(tenant, 'own'),
      };
      expect(Object.keys(before.foo)).toContain('0/kmc-foo-etcd');

      // All at once, as a tenant with a script would.
      const tokens = tokenAttempts();
      expect(clusterAttempts.length + tokens.length + 1).toBeGreaterThanOrEqual(25);
      await Promise.all([
        ...clusterAttempts.map(a => kmc.createCluster(newCluster(a.namespace?.() ?? tenant, a.name, a.spec))),
        ...tokens.map(a =>
          kubectl(['apply', '-f', '-'], {
            input: JSON.stringify({ apiVersion: a.apiVersion, kind: 'JoinTokenRequest', metadata: { name: a.name, namespace: tenant }, spec: a.spec }),
          }),
        ),
      ]);
      // The tenant's own running Cluster, edited to escalate: refused, and its pods keep running as they were.
      await kmc.patchCluster(tenant, 'own', {
        spec: { ...clusterIP, patches: [controlPlane('json', [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }])] },
      });

      // Each attempt: the operator's answer (the condition is the proof it reconciled), and nothing written.
      for (const a of clusterAttempts) {
        const ns = a.namespace?.() ?? tenant;
        const c = await waitForCondition(kmc, ns, a.name, 'Available', 'False', a.reason);
        expect({ what: a.what, message: condition(c, 'Available')!.message }).toEqual({ what: a.what, message: expect.stringContaining(a.field) });
        expect({ what: a.what, written: await childrenOf(ns, a.name) }).toEqual({ what: a.what, written: [] });
      }
      expect(await reasonsOfEvents(kmc, tenant, 'json-privileged')).toContain('Warning:PolicyViolation');
      for (const a of tokens) {
        const jtr = await eventually(`${a.name} refused`, async () => {
          const j = await kmc.getJoinTokenRequest(tenant, a.name);
          const cond = j?.status?.conditions?.find(x => x.type === JOIN_TOKEN_CONDITION);
          return cond?.reason === a.reason ? cond : undefined;
        });
        expect({ what: a.what, status: jtr.status, message: jtr.message }).toEqual({
          what: a.what,
          status: 'False',
          message: expect.stringMatching(a.message),
        });
        await expect(core.readNamespacedSecret({ namespace: tenant, name: a.name })).rejects.toMatchObject({ code: 404 });
        const events = await kmc.listEvents(tenant, a.name, 'JoinTokenRequest');
        expect(events.map(e => `${e.type}:${e.reason}`)).toContain(`Warning:${a.reason}`);
      }
      const own = await waitForCondition(kmc, tenant, 'own', 'Available', 'False', 'PolicyViolation');
      expect(condition(own, 'Available')!.message).toContain('spec.hostPID');

      // Nothing that already ran changed, not even the refused Cluster's own StatefulSet.
      expect(await versionsOf(victimNs, 'victim')).toEqual(before.victim);
      expect(await versionsOf(victimNs, 'closed')).toEqual(before.closed);
      expect(await versionsOf(tenant, 'neighbour')).toEqual(before.neighbour);
      expect(await versionsOf(tenant, 'foo')).toEqual(before.foo);
      expect(await versionsOf(tenant, 'own')).toEqual(before.own);
      const ownSts = await apps.readNamespacedStatefulSet({ namespace: tenant, name: 'kmc-own' });
      expect(ownSts.spec!.template.spec!.hostPID).toBeUndefined();
      expect(ownSts.status!.readyReplicas).toBe(1);

      // The operator is healthy: ready, and a well-formed Cluster still becomes Available.
      expect(operator.readiness()).toMatchObject({ ready: true });
      await kmc.createCluster(newCluster(tenant, 'after', clusterIP));
      await waitRunning(tenant, 'after');
      // Taking the escalation back clears the violation.
      await kmc.patchCluster(tenant, 'own', { spec: { ...clusterIP, patches: null } });
      await eventually('own no longer refused', async () => condition(await kmc.getCluster(tenant, 'own'), 'Available')?.reason !== 'PolicyViolation');
    }
  });
});
