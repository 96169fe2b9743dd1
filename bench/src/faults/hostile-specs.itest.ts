// Fault: a table of invalid or hostile objects applied straight to the API (no client-side
// checks). Each must be rejected by the API server naming the field, or accepted and reported in
// a False condition; the operator process never exits and keeps serving a healthy Cluster that
// is created after all of them.
import { CustomObjectsApi, CoreV1Api } from '@kubernetes/client-node';
import { GROUP, JOIN_TOKEN_CONDITION, clusterObjectNames } from '@k0smotron/api';
import { freePort, createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { ChildTracker } from '../lib/children';
import { buildOperatorBundle, sleep, startOperatorProcess, type OperatorProcess } from '../lib/operator-process';

const { kubeConfig: kc, kubeconfigPath } = sharedTestCluster();
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);

jest.setTimeout(150_000);

type Expect =
  /** The API server says no, naming this field. */
  | { rejected: RegExp }
  /** Accepted, then a False condition (with this reason when given) naming the problem. */
  | { reported: RegExp; field?: RegExp }
  /** Either of the two is a correct answer (the API server's checks vary with the version). */
  | { rejectedOrReported: RegExp }
  /** Valid though extreme: every child is created (names shortened as upstream does). */
  | { works: true };

interface Case {
  name: string;
  kind: 'clusters' | 'jointokenrequests';
  spec: unknown;
  expect: Expect;
  /** The object name (default: the case index). */
  objectName?: string;
}

// The CRD caps Cluster names at 63 characters (the name is a label value); longer child names are shortened.
const LONG = 'x'.repeat(63);
const patch = (kind: string, type: string, content: string) => ({ patches: [{ target: { kind }, patch: { type, content } }] });

const CASES: Case[] = [
  // Rejected by the API server's schema.
  { name: 'unknown service type', kind: 'clusters', spec: { service: { type: 'Ingress' } }, expect: { rejected: /spec\.service\.type/ } },
  { name: 'API port out of range', kind: 'clusters', spec: { service: { type: 'NodePort', apiPort: 70000 } }, expect: { rejected: /spec\.service\.apiPort/ } },
  { name: 'negative replicas', kind: 'clusters', spec: { replicas: -1 }, expect: { rejected: /spec\.replicas/ } },
  { name: 'version without v', kind: 'clusters', spec: { version: '1.30' }, expect: { rejected: /spec\.version/ } },
  {
    name: 'external address with a scheme',
    kind: 'clusters',
    spec: { externalAddress: 'https://api.example.com:6443' },
    expect: { rejected: /spec\.externalAddress/ },
  },
  {
    name: 'etcd arg without --',
    kind: 'clusters',
    spec: { storage: { etcd: { args: ['quota-backend-bytes=1'] } } },
    expect: { rejected: /spec\.storage\.etcd\.args/ },
  },
  { name: 'control-plane flag without --', kind: 'clusters', spec: { controlPlaneFlags: ['debug'] }, expect: { rejected: /spec\.controlPlaneFlags/ } },
  {
    name: 'k0sConfig over the request size limit (3.5 MB)',
    kind: 'clusters',
    spec: { k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', spec: { blob: 'y'.repeat(3_500_000) } } },
    expect: { rejected: /too large|exceed|limit/i },
  },
  {
    name: 'token expiry "1 day" (not a Go duration)',
    kind: 'jointokenrequests',
    spec: { clusterName: 'c', expiry: '1 day' },
    expect: { rejected: /spec\.expiry/ },
  },
  { name: 'token expiry "10x"', kind: 'jointokenrequests', spec: { clusterName: 'c', expiry: '10x' }, expect: { rejected: /spec\.expiry/ } },
  // Accepted by the API server; the operator must say what is wrong.
  {
    name: 'patch targeting a kind the Cluster does not own (Deployment)',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('Deployment', 'merge', '{"spec":{"replicas":9}}') },
    expect: { reported: /PolicyViolation/, field: /spec\.patches\[0\]\.target\.kind/ },
  },
  {
    name: 'patch targeting Secrets (not patchable)',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('Secret', 'merge', '{"data":{"x":"eQ=="}}') },
    expect: { reported: /PolicyViolation/, field: /spec\.patches\[0\]\.target\.kind/ },
  },
  {
    name: 'patch renaming a ConfigMap onto a foreign one',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('ConfigMap', 'json', '[{"op":"replace","path":"/metadata/name","value":"kube-root-ca.crt"}]') },
    expect: { reported: /PatchFailed/, field: /spec\.patches\[0\]/ },
  },
  {
    name: 'patch moving a Service to kube-system',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('Service', 'merge', '{"metadata":{"namespace":"kube-system"}}') },
    expect: { reported: /PatchFailed/, field: /spec\.patches\[0\]/ },
  },
  {
    name: 'json patch that is not a list',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('Service', 'json', '{"op":"add"}') },
    expect: { rejectedOrReported: /spec\.patches\[0\]/ },
  },
  {
    name: 'patch content that does not parse',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('Service', 'merge', '{[') },
    expect: { rejectedOrReported: /spec\.patches\[0\]/ },
  },
  {
    name: 'json patch removing a path that is not there',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('StatefulSet', 'json', '[{"op":"remove","path":"/spec/nothing/here"}]') },
    expect: { reported: /PatchFailed/, field: /spec\.patches\[0\]/ },
  },
  {
    name: 'strategic merge patch that is a list',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, ...patch('StatefulSet', 'strategic', '[]') },
    expect: { rejectedOrReported: /spec\.patches\[0\]\.patch\.content/ },
  },
  {
    name: 'kine with a missing Secret',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, storage: { type: 'kine', kine: { dataSourceSecretName: 'no-such-secret' } } },
    expect: { reported: /KineSecretNotFound/, field: /dataSourceSecretName/ },
  },
  {
    name: 'kine without a data source',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, storage: { type: 'kine' } },
    expect: { rejectedOrReported: /spec\.storage\.kine/ },
  },
  {
    name: 'certificateRefs to a missing Secret',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, certificateRefs: [{ type: 'ca', name: 'no-such-ca' }] },
    expect: { reported: /CertificatesNotAvailable|CertificateSecretNotFound/, field: /no-such-ca/ },
  },
  {
    name: 'hostPath persistence without a path',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, persistence: { type: 'hostPath' } },
    expect: { rejectedOrReported: /spec\.persistence\.hostPath/ },
  },
  {
    name: 'the same port twice',
    kind: 'clusters',
    spec: { service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30443 } },
    expect: { rejectedOrReported: /spec\.service\.konnectivityPort/ },
  },
  {
    name: 'k0sConfig api that is not an object',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', spec: { api: ['not', 'an', 'object'] } } },
    expect: { rejectedOrReported: /spec\.k0sConfig\.spec\.api/ },
  },
  {
    name: 'k0sConfig SANs that are not a list',
    kind: 'clusters',
    spec: { service: { type: 'ClusterIP' }, k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', spec: { api: { sans: 'a.example.com' } } } },
    expect: { rejectedOrReported: /spec\.k0sConfig\.spec\.api\.sans/ },
  },
  {
    name: "k0sConfig of 1.2 MB (over a ConfigMap's 1 MiB)",
    kind: 'clusters',
    spec: {
      service: { type: 'ClusterIP' },
      k0sConfig: { apiVersion: 'k0s.k0sproject.io/v1beta1', kind: 'ClusterConfig', spec: { blob: 'z'.repeat(1_200_000) } },
    },
    expect: { rejectedOrReported: /k0sConfig|too long|too large|exceed/i },
  },
  { name: 'Cluster name at the 63-character limit', kind: 'clusters', objectName: LONG, spec: { service: { type: 'ClusterIP' } }, expect: { works: true } },
  {
    name: 'Cluster name one over the limit',
    kind: 'clusters',
    objectName: 'y'.repeat(64),
    spec: { service: { type: 'ClusterIP' } },
    expect: { rejected: /metadata\.name.*63/ },
  },
  {
    name: 'token request for a Cluster that does not exist',
    kind: 'jointokenrequests',
    spec: { clusterName: 'no-such-cluster', expiry: '1h' },
    expect: { reported: /./, field: /no-such-cluster/ },
  },
  {
    name: 'token expiry negative',
    kind: 'jointokenrequests',
    spec: { clusterName: 'no-such-cluster', expiry: '-1h' },
    expect: { rejectedOrReported: /expiry|no-such-cluster/ },
  },
];

let op: OperatorProcess | undefined;
let tracker: ChildTracker | undefined;
afterAll(async () => {
  tracker?.stop();
  await op?.stop();
});

interface Outcome {
  rejected?: string;
  condition?: { status: string; reason?: string; message?: string };
}

async function conditionOf(ns: string, c: Case, name: string): Promise<Outcome['condition']> {
  const obj = (await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1beta2', namespace: ns, plural: c.kind, name })) as {
    status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
  };
  const type = c.kind === 'clusters' ? 'Available' : JOIN_TOKEN_CONDITION;
  const cond = obj.status?.conditions?.find(x => x.type === type);
  return cond && { status: cond.status, reason: cond.reason, message: cond.message };
}

it(`${CASES.length} invalid or hostile objects: each rejected or reported; the operator stays up and serves a healthy Cluster`, async () => {
  expect(CASES.length).toBeGreaterThanOrEqual(20);
  await buildOperatorBundle();
  const ns = await createTestNamespace(kc, 'fault-hostile');
  op = startOperatorProcess({
    kubeconfigPath,
    namespaces: [ns],
    metricsPort: await freePort(),
    logFile: `${process.env.TMPDIR ?? '/tmp'}/fault-hostile-${ns}.log`,
  });
  await op.ready(90_000);
  tracker = await ChildTracker.start(kc, ns);

  const outcomes = new Map<number, Outcome>();
  await Promise.all(
    CASES.map(async (c, i) => {
      const name = c.objectName ?? `h${String(i).padStart(2, '0')}`;
      try {
        await custom.createNamespacedCustomObject({
          group: GROUP,
          version: 'v1beta2',
          namespace: ns,
          plural: c.kind,
          body: {
            apiVersion: `${GROUP}/v1beta2`,
            kind: c.kind === 'clusters' ? 'Cluster' : 'JoinTokenRequest',
            metadata: { name, namespace: ns },
            spec: c.spec,
          },
        });
      } catch (err) {
        // client-node's ApiException: code + body (the Status with the field causes).
        const e = err as { code?: number; body?: unknown; message?: string };
        if (!e.code || e.code < 400 || e.code >= 500) throw new Error(`${c.name}: create failed without a 4xx: ${e.code} ${e.message}`);
        outcomes.set(i, { rejected: `${e.code} ${typeof e.body === 'string' ? e.body : JSON.stringify(e.body)}`.slice(0, 2000) });
      }
    }),
  );

  // The healthy Cluster comes last: the hostile ones are in the queue before it.
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1beta2',
    namespace: ns,
    plural: 'clusters',
    body: { apiVersion: `${GROUP}/v1beta2`, kind: 'Cluster', metadata: { name: 'healthy', namespace: ns }, spec: { service: { type: 'ClusterIP' } } },
  });

  const deadline = Date.now() + 100_000;
  let lastNote = Date.now();
  for (;;) {
    const pending: string[] = [];
    for (const [i, c] of CASES.entries()) {
      if (outcomes.get(i)?.rejected) continue;
      if ('works' in c.expect) {
        if (tracker.completeAt(c.objectName!) === undefined) pending.push(c.name);
        continue;
      }
      const cond = await conditionOf(ns, c, c.objectName ?? `h${String(i).padStart(2, '0')}`).catch(() => undefined);
      if (cond?.status === 'False' && cond.reason && !/^(NotCreated|Progressing|Issuing|WaitingFor)/.test(cond.reason)) outcomes.set(i, { condition: cond });
      else {
        outcomes.set(i, { condition: cond });
        pending.push(c.name);
      }
    }
    const healthy = tracker.completeAt('healthy') !== undefined;
    if (!pending.length && healthy) break;
    if (Date.now() > deadline) throw new Error(`not settled after 100 s: healthy Cluster complete=${healthy}; waiting for ${pending.join(', ')}`);
    if (Date.now() - lastNote > 10_000) {
      lastNote = Date.now();
      process.stderr.write(`[hostile] ${CASES.length - pending.length}/${CASES.length} settled, healthy complete=${healthy}\n`);
    }
    await sleep(500);
  }

  const failures: string[] = [];
  for (const [i, c] of CASES.entries()) {
    const o = outcomes.get(i) ?? {};
    const text = o.rejected ?? `${o.condition?.reason}: ${o.condition?.message}`;
    const e = c.expect;
    const ok =
      'works' in e
        ? !o.rejected && tracker.completeAt(c.objectName!) !== undefined
        : 'rejected' in e
          ? !!o.rejected && e.rejected.test(o.rejected)
          : 'reported' in e
            ? !o.rejected && e.reported.test(o.condition?.reason ?? '') && (!e.field || e.field.test(o.condition?.message ?? ''))
            : e.rejectedOrReported.test(o.rejected ?? o.condition?.message ?? '');
    if (!ok) failures.push(`${c.name}: ${text}`);
  }
  expect(failures).toEqual([]);

  // The operator never crashed, and the healthy Cluster got its kubeconfig alongside.
  await expect(Promise.race([op.exited.then(code => `exited ${code}`), sleep(100).then(() => 'running')])).resolves.toBe('running');
  expect((await fetch(`${op.url}/healthz`)).status).toBe(200);
  const kubeconfig = await core.readNamespacedSecret({ namespace: ns, name: clusterObjectNames('healthy').kubeconfigSecret });
  expect(kubeconfig.data?.value).toBeTruthy();
});
