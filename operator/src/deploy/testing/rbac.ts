// Helpers for the RBAC integration tests: apply generated YAML with the real kubectl, act as a
// ServiceAccount with its own token, and compare the requests an operator made with the rules.
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { eventually, kubectl, sharedTestCluster } from '@k0smotron/testenv';
import type { Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { allows, type Rule } from '../install';

export async function run(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, { kubeconfig: sharedTestCluster().kubeconfigPath, input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export function applyYaml(yaml: string): Promise<string> {
  return run(['apply', '-f', '-'], yaml);
}

/**
 * `kubectl auth can-i` as a ServiceAccount: the API server's own RBAC decision. A subresource is
 * written "clusters.k0smotron.io/status" here and passed as --subresource (kubectl would read the
 * part after the slash as an object name).
 */
export async function canI(sa: { namespace: string; name: string }, verb: string, resource: string, namespace?: string): Promise<boolean> {
  const [res, sub] = resource.split('/');
  const r = await kubectl(
    [
      'auth',
      'can-i',
      verb,
      res!,
      ...(sub ? [`--subresource=${sub}`] : []),
      `--as=system:serviceaccount:${sa.namespace}:${sa.name}`,
      ...(namespace ? ['-n', namespace] : []),
    ],
    { kubeconfig: sharedTestCluster().kubeconfigPath },
  );
  return r.stdout.trim() === 'yes';
}

/**
 * A KubeConfig that authenticates as the ServiceAccount with the token the token controller
 * wrote for it: exactly the identity a pod with this account would have.
 */
export async function serviceAccountKubeConfig(sa: { namespace: string; name: string }): Promise<KubeConfig> {
  const secretName = await eventually(
    `the token Secret of ServiceAccount ${sa.namespace}/${sa.name}`,
    async () => (await run(['-n', sa.namespace, 'get', 'serviceaccount', sa.name, '-o', 'jsonpath={.secrets[0].name}'])).trim() || undefined,
  );
  const token = Buffer.from(await run(['-n', sa.namespace, 'get', 'secret', secretName, '-o', 'jsonpath={.data.token}']), 'base64').toString();
  const cluster = sharedTestCluster().kubeConfig.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: sa.name, token }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: sa.name }],
    currentContext: 'sa',
  });
  return kc;
}

/** The HTTP status of a request (2xx → the status of success, else the ApiException's code). */
export async function statusOf(fn: () => Promise<unknown>): Promise<number> {
  try {
    await fn();
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number') return status; // K0smotronApiError
    throw err;
  }
}

/**
 * Waits until the operator has done everything the test cluster allows: certificates, Service,
 * kubeconfig Secret and an up-to-date StatefulSet, and it has probed the control plane's own API
 * (which answers nowhere here: hollow nodes run no containers, so Available stays False with
 * ControlPlaneNotFunctional). On timeout the error shows the conditions it last saw.
 */
export async function waitReconciled(kc: KubeConfig, namespace: string, name: string, extra: () => unknown = () => undefined): Promise<Cluster> {
  const kmc = new K0smotronClient(kc);
  let last: Cluster | undefined;
  const cond = (type: string) => last?.status?.conditions?.find(c => c.type === type);
  try {
    // Generous: pods on hollow nodes become Ready within seconds, but the machine is shared.
    return await eventually(
      `Cluster ${namespace}/${name} reconciled as far as the test cluster allows`,
      async () => {
        last = await kmc.getCluster(namespace, name);
        const done = ['CertificatesAvailable', 'ControlPlaneExposed', 'KubeconfigSecretAvailable', 'ControlPlaneUpToDate'].every(
          t => cond(t)?.status === 'True',
        );
        const probed = !['NotChecked', 'NoReadyReplicas', undefined].includes(cond('ControlPlaneFunctional')?.reason);
        return done && probed ? last : undefined;
      },
      120_000,
      250,
    );
  } catch (err) {
    const conditions = last?.status?.conditions?.map(c => `${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`);
    throw new Error(`${(err as Error).message}\nconditions: ${JSON.stringify(conditions, null, 1)}\n${JSON.stringify(extra())}`);
  }
}

export function core(kc: KubeConfig): CoreV1Api {
  return kc.makeApiClient(CoreV1Api);
}

const GROUP_OF: Record<string, string> = {
  statefulsets: 'apps',
  cronjobs: 'batch',
  leases: 'coordination.k8s.io',
  clusters: 'k0smotron.io',
  jointokenrequests: 'k0smotron.io',
  k0smotronclusters: 'k0smotron.io',
};

/**
 * The permissions an operator's requests needed, from `requestCounts()` keys such as
 * "patch clusters/status 200": a server-side apply answered 201 created the object, so it
 * needed `create` as well as `patch`. Returns those the rules do not grant (should be none).
 */
export function ungranted(requestCounts: Record<string, number>, rules: Rule[]): string[] {
  const missing = new Set<string>();
  for (const key of Object.keys(requestCounts)) {
    const [verb, resource, code] = key.split(' ') as [string, string, string];
    if (resource === 'discovery') continue; // every authenticated user may (ClusterRole system:discovery)
    const group = GROUP_OF[resource.split('/')[0]!] ?? '';
    const needed = verb === 'patch' && code === '201' ? ['patch', 'create'] : [verb];
    for (const v of needed) if (!allows(rules, v, group, resource)) missing.add(`${v} ${group || 'core'}/${resource}`);
  }
  return [...missing].sort();
}
