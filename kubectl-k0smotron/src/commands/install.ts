// `install` / `uninstall`: apply or remove the operator manifest embedded in the plugin
// (operator/deploy/install.yaml at build time) with server-side apply.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject, V1CustomResourceDefinition, V1Deployment } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND, JOIN_TOKEN_REQUEST_KIND, formatGoDuration } from '@k0smotron/api';
import { builtinPath, type Wire } from '@k0smotron/api/kube';
import { CliError } from '../errors';
import { FIELD_MANAGER, type Session } from '../session';
import { CLUSTERS, JOIN_TOKEN_REQUESTS, oneOf, sleep } from './common';
import { parseTimeout } from './wait';

declare const __INSTALL_YAML__: string | undefined;

/** The embedded manifest; from the source tree when running unbundled (tests, tsx). */
export function installManifest(): string {
  if (typeof __INSTALL_YAML__ === 'string') return __INSTALL_YAML__;
  const path = join(__dirname, '..', '..', '..', 'operator', 'deploy', 'install.yaml');
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new CliError(
      'this build of the plugin has no operator manifest embedded',
      'rebuild it after operator/deploy/install.yaml exists (npm run build -w kubectl-k0smotron)',
    );
  }
}

const APPLY_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'ClusterRole',
  'Role',
  'ClusterRoleBinding',
  'RoleBinding',
  'Service',
  'Deployment',
];

/**
 * The manifest's objects in apply order, as plain parsed YAML: they are sent as JSON just as
 * written, so every field keeps its wire name (e.g. `x-kubernetes-int-or-string` in a CRD schema).
 */
export function manifestObjects(text: string): KubernetesObject[] {
  const objs = parseAllDocuments(text)
    .map(d => {
      if (d.errors.length > 0) throw new Error(`the embedded operator manifest is not valid YAML: ${d.errors[0].message.split('\n')[0]}`);
      return d.toJS() as KubernetesObject | null;
    })
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && !!o.kind);
  const rank = (k?: string) => {
    const i = APPLY_ORDER.indexOf(k ?? '');
    return i < 0 ? APPLY_ORDER.length : i;
  };
  return objs
    .map(withDefaultProtocols)
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o.kind) - rank(b.o.kind) || a.i - b.i)
    .map(x => x.o);
}

/**
 * Kubernetes 1.20's server-side apply rejects list entries missing a key field that has a default
 * (`protocol` of Service and container ports). Spell out the default the API server would apply.
 */
export function withDefaultProtocols(o: KubernetesObject): KubernetesObject {
  type Port = { protocol?: string };
  const fill = (ports: Port[] | undefined) => ports?.forEach(p => (p.protocol ??= 'TCP'));
  const obj = o as KubernetesObject & {
    spec?: { ports?: Port[]; template?: { spec?: { containers?: { ports?: Port[] }[]; initContainers?: { ports?: Port[] }[] } } };
  };
  if (o.kind === 'Service') fill(obj.spec?.ports);
  const pod = obj.spec?.template?.spec;
  for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) fill(c.ports);
  return o;
}

function describeObj(o: KubernetesObject): string {
  const group = (o.apiVersion ?? '').includes('/') ? `.${o.apiVersion!.split('/')[0]}` : '';
  return `${(o.kind ?? '').toLowerCase()}${group}/${o.metadata?.name}`;
}

/** Where a manifest object lives: known for the built-in kinds, else found by discovery. */
function pathOf(s: Session, o: KubernetesObject): Promise<string> {
  return s.api.path({ apiVersion: o.apiVersion ?? '', kind: o.kind ?? '' }, o.metadata?.namespace, o.metadata?.name);
}

function resourceOf(o: KubernetesObject): string {
  const group = (o.apiVersion ?? '').includes('/') ? `.${o.apiVersion!.split('/')[0]}` : '';
  return `${(o.kind ?? '').toLowerCase()}s${group}`;
}

async function waitForDeployments(s: Session, deployments: KubernetesObject[], timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (const d of deployments) {
    const namespace = d.metadata!.namespace!;
    const name = d.metadata!.name!;
    let last = '';
    for (;;) {
      // A Deployment that is gone is an error here (worded as "not found"), not undefined.
      const dep = await s.call({ verb: 'get', resource: 'deployments.apps', namespace, name }, () =>
        s.api.request<Wire<V1Deployment>>('get', 'deployments.apps', 'GET', builtinPath('Deployment', namespace, name)),
      );
      const want = dep.spec?.replicas ?? 1;
      const ready = dep.status?.readyReplicas ?? 0;
      const updated = dep.status?.updatedReplicas ?? 0;
      if (ready >= want && updated >= want && (dep.status?.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0)) break;
      const line = `deployment/${name}: ${ready}/${want} ready`;
      if (line !== last) {
        s.progress(`${s.err.dim(`[${formatGoDuration(Date.now() - started).padStart(5)}]`)} ${line}`);
        last = line;
      }
      if (Date.now() - started > timeoutMs) {
        const cond = dep.status?.conditions?.find(c => c.status !== 'True') ?? dep.status?.conditions?.[0];
        throw new CliError(
          `timed out after ${formatGoDuration(timeoutMs)} waiting for deployment/${name} in ${namespace}; ${ready}/${want} ready${cond ? `, ${cond.type}=${cond.status} ${cond.reason ?? ''}` : ''}`,
          `see \`kubectl -n ${namespace} describe deployment ${name}\``,
        );
      }
      await sleep(1000);
    }
    s.progress(`${s.err.green('✔')} deployment/${name} is ready`);
  }
}

/** The parts of a Deployment and a CRD the detection reads. */
export interface DeploymentFacts {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
}
export interface CrdFacts {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface UpstreamOperatorSigns {
  /** `namespace/name (image)` of each Deployment that runs upstream's operator. */
  deployments: string[];
  /** `name (why)` of each k0smotron.io CRD installed by upstream's manifests. */
  crds: string[];
}

/** An image of upstream's operator: repository `…/k0sproject/k0smotron`, any registry, tag or digest. */
export function isUpstreamOperatorImage(image: string): boolean {
  const repo = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return /(^|\/)k0sproject\/k0smotron$/.test(repo);
}

/**
 * Signs that upstream k0smotron's Go operator runs in the cluster (pure): a Deployment with its
 * image or the labels of its kustomize manifests (`control-plane: controller-manager` and
 * `app.kubernetes.io/created-by: k0smotron`), or k0smotron.io CRDs generated by controller-gen
 * and not (or no longer) labelled by our manifest. Our own Deployment, made
 * from operator/deploy/install.yaml, is never counted.
 */
export function upstreamOperatorSigns(deployments: DeploymentFacts[], crds: CrdFacts[]): UpstreamOperatorSigns {
  const ours = (d: DeploymentFacts) =>
    d.metadata?.labels?.['app.kubernetes.io/name'] === 'k0smotron' && d.metadata.labels['app.kubernetes.io/component'] === 'operator';
  const found: UpstreamOperatorSigns = { deployments: [], crds: [] };
  for (const d of deployments) {
    if (ours(d)) continue;
    const images = (d.spec?.template?.spec?.containers ?? []).map(c => c.image ?? '');
    const image = images.find(isUpstreamOperatorImage);
    const labels = d.metadata?.labels ?? {};
    const labelled = labels['control-plane'] === 'controller-manager' && labels['app.kubernetes.io/created-by'] === 'k0smotron';
    if (image || labelled) found.deployments.push(`${d.metadata?.namespace}/${d.metadata?.name} (${image ?? images.join(', ')})`);
  }
  for (const c of crds) {
    const gen = c.metadata?.annotations?.['controller-gen.kubebuilder.io/version'];
    // Our manifest labels its CRDs: once it has been applied over upstream's (install --force),
    // the annotation it does not manage stays, but the CRD is ours.
    const labels = c.metadata?.labels ?? {};
    const oursNow = labels['app.kubernetes.io/name'] === 'k0smotron' && labels['app.kubernetes.io/part-of'] === 'k0smotron';
    if (gen && !oursNow) found.crds.push(`${c.metadata?.name} (generated by controller-gen ${gen})`);
  }
  return found;
}

const K0SMOTRON_CRDS = ['clusters.k0smotron.io', 'jointokenrequests.k0smotron.io'];

/**
 * Looks for upstream's operator. A read refused for lack of permission (e.g. listing Deployments in
 * all namespaces) is reported and the check goes on with what it could read.
 */
async function findUpstreamOperator(s: Session): Promise<UpstreamOperatorSigns> {
  // Only a refusal is passed over (with a warning); an unreachable API stops here as anywhere.
  const forbiddenIsEmpty =
    <T>(what: string) =>
    (err: unknown): T[] => {
      if (!(err instanceof CliError && err.message.startsWith('forbidden:'))) throw err;
      s.progress(`${s.err.yellow('warning:')} cannot look for the upstream k0smotron operator's ${what}: ${err.message}`);
      return [];
    };
  const deployments = await s
    .call({ verb: 'list', resource: 'deployments.apps' }, () => s.objects.list('Deployment'))
    .catch(forbiddenIsEmpty<Wire<V1Deployment>>('Deployment'));
  const crds: Array<Wire<V1CustomResourceDefinition>> = [];
  for (const name of K0SMOTRON_CRDS) {
    const found = await s
      .call({ verb: 'get', resource: 'customresourcedefinitions.apiextensions.k8s.io', name }, async () => {
        const crd = await s.objects.get('CustomResourceDefinition', undefined, name);
        return crd ? [crd] : [];
      })
      .catch(forbiddenIsEmpty<Wire<V1CustomResourceDefinition>>('CRDs'));
    crds.push(...found);
  }
  return upstreamOperatorSigns(deployments, crds);
}

/** Refuses (or, with --force, warns) when upstream's operator runs here. */
async function guardAgainstUpstream(s: Session, verb: 'install' | 'uninstall', force: boolean): Promise<void> {
  const signs = await findUpstreamOperator(s);
  if (signs.deployments.length === 0 && signs.crds.length === 0) return;
  const what = [...signs.deployments.map(d => `deployment ${d}`), ...signs.crds.map(c => `CRD ${c}`)].join('; ');
  const consequence =
    verb === 'install'
      ? "installing this operator would replace upstream's CRDs and two operators would reconcile the same Clusters"
      : "uninstalling would delete upstream's CRDs, and with them every Cluster, and the k0smotron namespace its operator runs in";
  if (force) {
    s.progress(
      `${s.err.yellow('warning:')} the upstream k0smotron operator runs here (${what}); --force: ${verb === 'install' ? 'installing' : 'uninstalling'} anyway: ${consequence}`,
    );
    return;
  }
  throw new CliError(
    `the upstream k0smotron operator already runs on this cluster (${what}); ${consequence}. Nothing was changed`,
    verb === 'install'
      ? 'no install is needed: list, status, describe, kubeconfig and join-token work with Clusters it manages; to replace it, remove it first, or pass --force'
      : 'to remove upstream k0smotron, use its own manifests; pass --force to uninstall anyway',
  );
}

export async function runInstall(s: Session, args: { dryRun?: string; output?: string; wait: boolean; timeout: string; force?: boolean }): Promise<void> {
  const output = oneOf('--output', args.output, ['yaml'] as const);
  const dryRun = oneOf('--dry-run', args.dryRun === '' ? 'client' : args.dryRun, ['none', 'client', 'server'] as const);
  const timeoutMs = parseTimeout(args.timeout);
  const text = installManifest();
  if (output === 'yaml') {
    s.print(text);
    return;
  }
  await guardAgainstUpstream(s, 'install', !!args.force);
  const objects = manifestObjects(text);
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  if (dryRun === 'client') {
    for (const o of objects) s.print(`${describeObj(o)} configured${suffix}`);
    return;
  }
  // A server dry run cannot place objects into a namespace that this very manifest would create.
  const missingNamespaces = new Set<string>();
  if (dryRun === 'server') {
    for (const o of objects.filter(x => x.kind === 'Namespace')) {
      const name = o.metadata!.name!;
      const exists = await s.objects.get('Namespace', undefined, name).then(
        ns => ns !== undefined,
        () => false,
      );
      if (!exists) missingNamespaces.add(name);
    }
  }
  for (const o of objects) {
    if (o.metadata?.namespace && missingNamespaces.has(o.metadata.namespace)) {
      s.progress(`${describeObj(o)} skipped${suffix}: namespace "${o.metadata.namespace}" does not exist yet`);
      continue;
    }
    await s.call({ verb: 'patch', resource: resourceOf(o), namespace: o.metadata?.namespace, name: o.metadata?.name }, () =>
      s.objects.apply(o, { fieldManager: FIELD_MANAGER, dryRun: dryRun === 'server' }),
    );
    s.print(`${describeObj(o)} serverside-applied${suffix}`);
  }
  if (args.wait && dryRun !== 'server') {
    await waitForDeployments(
      s,
      objects.filter(o => o.kind === 'Deployment'),
      timeoutMs,
    );
  }
}

export async function runUninstall(s: Session, args: { force: boolean; dryRun?: string; wait: boolean; timeout: string }): Promise<void> {
  const dryRun = oneOf('--dry-run', args.dryRun === '' ? 'client' : args.dryRun, ['none', 'client', 'server'] as const);
  const timeoutMs = parseTimeout(args.timeout);
  const objects = manifestObjects(installManifest()).reverse();
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  await guardAgainstUpstream(s, 'uninstall', args.force);

  let clusters: { metadata: { namespace?: string; name?: string } }[] = [];
  try {
    clusters = await s.call({ verb: 'list', resource: CLUSTERS }, () => s.client.listClusters());
  } catch (err) {
    // Without the CRD there are no Clusters to protect.
    if (!(err instanceof CliError && /not installed/.test(err.message))) throw err;
  }
  if (clusters.length > 0 && !args.force) {
    const names = clusters.map(c => `${c.metadata.namespace}/${c.metadata.name}`);
    throw new CliError(
      `refusing to uninstall: ${clusters.length} cluster${clusters.length === 1 ? ' still exists' : 's still exist'} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`,
      'delete them first with `kubectl k0smotron delete NAME -n NAMESPACE`, or pass --force to delete them too',
    );
  }
  if (dryRun === 'client') {
    for (const c of clusters) s.print(`cluster.k0smotron.io/${c.metadata.name} deleted (dry run)`);
    for (const o of objects) s.print(`${describeObj(o)} deleted${suffix}`);
    return;
  }
  if (dryRun === 'server') {
    // The server checks each deletion (RBAC, admission) and keeps everything.
    for (const c of clusters) {
      const { namespace, name } = c.metadata as { namespace: string; name: string };
      await s.call({ verb: 'delete', resource: CLUSTERS, namespace, name }, async () =>
        s.api.request('delete', CLUSTERS, 'DELETE', await s.api.path({ apiVersion: API_VERSION, kind: CLUSTER_KIND }, namespace, name), {
          query: { dryRun: 'All' },
        }),
      );
      s.print(`cluster.k0smotron.io/${name} deleted${suffix}`);
    }
  } else if (clusters.length > 0) {
    // Delete Clusters while the operator still runs, so it can finish their cleanup.
    for (const c of clusters) {
      const { namespace, name } = c.metadata as { namespace: string; name: string };
      await s.call({ verb: 'delete', resource: CLUSTERS, namespace, name }, () => s.client.deleteCluster(namespace, name)).catch(() => undefined);
      s.print(`cluster.k0smotron.io/${name} deleted`);
    }
    const started = Date.now();
    let left = clusters.length;
    while (left > 0 && Date.now() - started < Math.min(timeoutMs, 60_000)) {
      await sleep(1000);
      left = (await s.client.listClusters().catch(() => [])).length;
    }
    if (left > 0) {
      s.progress(`${s.err.yellow('warning:')} ${left} cluster(s) still terminating; removing their finalizers so the CRD can go`);
      for (const c of await s.client.listClusters().catch(() => [])) {
        await s.client.patchCluster(c.metadata.namespace!, c.metadata.name!, { metadata: { finalizers: null } }).catch(() => undefined);
      }
      for (const j of await s.client.listJoinTokenRequests().catch(() => [])) {
        await s
          .call({ verb: 'patch', resource: JOIN_TOKEN_REQUESTS }, async () =>
            s.api.request(
              'patch',
              JOIN_TOKEN_REQUESTS,
              'PATCH',
              await s.api.path({ apiVersion: API_VERSION, kind: JOIN_TOKEN_REQUEST_KIND }, j.metadata.namespace, j.metadata.name),
              {
                body: { metadata: { finalizers: null } },
                contentType: 'application/merge-patch+json',
                query: { fieldManager: FIELD_MANAGER },
              },
            ),
          )
          .catch(() => undefined);
      }
    }
  }
  for (const o of objects) {
    try {
      await s.call({ verb: 'delete', resource: resourceOf(o), namespace: o.metadata?.namespace, name: o.metadata?.name }, async () =>
        s.api.request('delete', resourceOf(o), 'DELETE', await pathOf(s, o), {
          query: { dryRun: dryRun === 'server' ? 'All' : undefined, propagationPolicy: 'Background' },
        }),
      );
      s.print(`${describeObj(o)} deleted${suffix}`);
    } catch (err) {
      if (err instanceof CliError && /not found/.test(err.message)) {
        s.progress(`${describeObj(o)} already absent`);
        continue;
      }
      throw err;
    }
  }
  if (args.wait && dryRun !== 'server') {
    const started = Date.now();
    for (const o of objects) {
      for (;;) {
        const exists = await pathOf(s, o)
          .then(path => s.api.request('get', resourceOf(o), 'GET', path))
          .then(
            () => true,
            () => false,
          );
        if (!exists) break;
        if (Date.now() - started > timeoutMs) {
          throw new CliError(`timed out after ${formatGoDuration(timeoutMs)} waiting for ${describeObj(o)} to be deleted`, 'check its finalizers');
        }
        await sleep(1000);
      }
    }
    s.progress(`${s.err.green('✔')} k0smotron is uninstalled`);
  }
}
