// `create`: build the Cluster from flags or -f, validate it with the shared validator, then
// render (--dry-run=client / -o), validate on the server (--dry-run=server) or create it; --wait
// follows it until Available.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { V1Service } from '@kubernetes/client-node';
import type { Wire } from '@k0smotron/api/kube';
import {
  API_VERSION,
  CLUSTER_KIND,
  DEFAULT_API_PORT,
  DEFAULT_KONNECTIVITY_PORT,
  K0SMOTRON_CLUSTER_KIND,
  GROUP,
  chooseNodePorts,
  nodePortsInUse,
  normalizeClusterSpec,
  type Cluster,
} from '@k0smotron/api';
import { CliError } from '../errors';
import { clusterFromFlags, specFlagsGiven, type CreateFlags } from '../spec/create';
import type { Session } from '../session';
import { CLUSTERS, CLUSTER_TYPE, forOutput, oneOf, render } from './common';
import { checkCluster } from './validate';
import { isAvailable, parseTimeout, waitForCluster } from './wait';

export interface CreateArgs {
  name?: string;
  filename?: string;
  replicas?: string;
  k0sVersion?: string;
  image?: string;
  serviceType?: string;
  apiPort?: string;
  konnectivityPort?: string;
  externalAddress?: string;
  storage?: string;
  kineUrl?: string;
  kineSecret?: string;
  etcdSize?: string;
  etcdStorageClass?: string;
  persistence?: string;
  persistenceSize?: string;
  persistenceStorageClass?: string;
  hostPath?: string;
  k0sConfig?: string;
  labels?: string[];
  annotations?: string[];
  dryRun?: string;
  output?: string;
  wait?: boolean;
  timeout?: string;
}

/** Whole numbers only: "3" → 3; anything else is a clear flag error. */
export function intFlag(flag: string, value: string | undefined, hint: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(value.trim())) throw new CliError(`invalid ${flag} "${value}": not a whole number`, hint);
  return Number(value);
}

function readInput(path: string, stdin: () => string): string {
  try {
    return path === '-' ? stdin() : readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the path');
  }
}

/** The one Cluster in a manifest file (YAML or JSON). */
export function clusterFromManifest(text: string, source: string): Cluster {
  const docs = parseAllDocuments(text)
    .map(d => {
      if (d.errors.length > 0) throw new CliError(`${source} is not valid YAML: ${d.errors[0].message.split('\n')[0]}`, 'fix the file');
      return d.toJS() as unknown;
    })
    .filter(d => d !== null && d !== undefined);
  const clusters = docs.filter(
    (d): d is Cluster =>
      typeof d === 'object' &&
      String((d as Cluster).apiVersion ?? '').startsWith(`${GROUP}/`) &&
      [CLUSTER_KIND, K0SMOTRON_CLUSTER_KIND].includes((d as Cluster).kind),
  );
  if (clusters.length !== 1) {
    throw new CliError(
      `${source} must hold exactly one k0smotron.io Cluster (found ${clusters.length} among ${docs.length} document${docs.length === 1 ? '' : 's'})`,
      `start from \`kubectl k0smotron create NAME --dry-run=client -o yaml\``,
    );
  }
  const c = clusters[0];
  if (c.kind === K0SMOTRON_CLUSTER_KIND) return { ...c, kind: CLUSTER_KIND };
  return c;
}

export function buildCluster(args: CreateArgs, namespace: string, namespaceFromFlag: boolean, stdin: () => string): { cluster: Cluster; source?: string } {
  const flags: CreateFlags = {
    replicas: intFlag('--replicas', args.replicas, 'use a whole number from 0 to 99'),
    version: args.k0sVersion,
    image: args.image,
    serviceType: args.serviceType,
    apiPort: intFlag('--api-port', args.apiPort, 'use a port number from 1 to 65535'),
    konnectivityPort: intFlag('--konnectivity-port', args.konnectivityPort, 'use a port number from 1 to 65535'),
    externalAddress: args.externalAddress,
    storage: args.storage,
    kineUrl: args.kineUrl,
    kineSecret: args.kineSecret,
    etcdSize: args.etcdSize,
    etcdStorageClass: args.etcdStorageClass,
    persistence: args.persistence,
    persistenceSize: args.persistenceSize,
    persistenceStorageClass: args.persistenceStorageClass,
    hostPath: args.hostPath,
    labels: args.labels,
    annotations: args.annotations,
  };
  if (args.k0sConfig !== undefined) {
    const text = readInput(args.k0sConfig, stdin);
    const docs = parseAllDocuments(text);
    const first = docs[0];
    if (!first || first.errors.length > 0) {
      throw new CliError(
        `--k0s-config ${args.k0sConfig} is not valid YAML${first ? `: ${first.errors[0].message.split('\n')[0]}` : ''}`,
        'give a k0s ClusterConfig file',
      );
    }
    const value = first.toJS() as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(
        `--k0s-config ${args.k0sConfig} is not a k0s ClusterConfig object`,
        'give a file with apiVersion: k0s.k0sproject.io/v1beta1, kind: ClusterConfig',
      );
    }
    flags.k0sConfig = value as Record<string, unknown>;
  }

  if (args.filename !== undefined) {
    const given = specFlagsGiven(flags);
    if (given.length > 0) {
      throw new CliError(`${given[0]} cannot be combined with -f`, 'put the setting into the manifest, or drop -f');
    }
    const source = args.filename === '-' ? 'stdin' : args.filename;
    const cluster = clusterFromManifest(readInput(args.filename, stdin), source);
    cluster.metadata = { ...cluster.metadata };
    if (args.name) cluster.metadata.name = args.name;
    if (!cluster.metadata.name) throw new CliError(`the Cluster in ${source} has no metadata.name`, 'add one, or pass NAME');
    const fileNs = cluster.metadata.namespace;
    if (fileNs && namespaceFromFlag && fileNs !== namespace) {
      throw new CliError(`the namespace of the Cluster in ${source} ("${fileNs}") does not match -n "${namespace}"`, 'drop -n, or change metadata.namespace');
    }
    cluster.metadata.namespace = fileNs ?? namespace;
    const { labels, annotations } = clusterFromFlags(cluster.metadata.name, namespace, flags).metadata;
    if (labels) cluster.metadata.labels = { ...cluster.metadata.labels, ...labels };
    if (annotations) cluster.metadata.annotations = { ...cluster.metadata.annotations, ...annotations };
    cluster.apiVersion ||= API_VERSION;
    return { cluster, source };
  }
  if (!args.name) throw new CliError('a cluster name is required', 'kubectl k0smotron create NAME [flags], or -f FILE');
  return { cluster: clusterFromFlags(args.name, namespace, flags) };
}

export async function runCreate(s: Session, args: CreateArgs): Promise<void> {
  const output = oneOf('--output', args.output, ['yaml', 'json', 'name'] as const);
  // `--dry-run` alone means client, as in kubectl.
  const dryRun = oneOf('--dry-run', args.dryRun === '' ? 'client' : args.dryRun, ['none', 'client', 'server'] as const);
  const timeoutMs = parseTimeout(args.timeout ?? '10m');
  if (args.wait && (dryRun === 'client' || dryRun === 'server')) {
    throw new CliError('--wait cannot be combined with --dry-run', 'drop one of them');
  }
  const namespace = s.namespace;
  const { cluster, source } = buildCluster(args, namespace, s.kube.namespaceFromFlag, () => readFileSync(0, 'utf8'));
  checkCluster(cluster, source);
  const name = cluster.metadata.name!;
  const ns = cluster.metadata.namespace!;
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';

  if (dryRun !== 'client') await chooseFreeNodePorts(s, cluster);
  let result = cluster;
  if (dryRun !== 'client') {
    result = await s.call({ verb: 'create', resource: CLUSTERS, namespace: ns, name }, () => s.client.createCluster(cluster, { dryRun: dryRun === 'server' }));
  }
  if (output === 'yaml' || output === 'json') s.print(render(forOutput(result), output));
  else if (output === 'name') s.print(`${CLUSTER_TYPE}/${name}`);
  else s.print(`${CLUSTER_TYPE}/${name} created${suffix}`);

  if (args.wait) {
    s.progress(`Waiting up to ${args.timeout ?? '10m'} for cluster/${name} to become Available…`);
    await waitForCluster(s, ns, name, isAvailable, timeoutMs, 'become Available');
    s.progress(`${s.err.green('✔')} cluster/${name} is Available`);
  }
}

/**
 * A NodePort Cluster without ports of its own gets a free pair: NodePorts are cluster-wide, and
 * the defaults (30443/30132) are what every other NodePort Cluster asks for too. Reads the Services
 * of every namespace when allowed, else of the Cluster's own; says what it chose. The operator
 * still reports a clash it could not see (condition reason NodePortConflict).
 */
async function chooseFreeNodePorts(s: Session, cluster: Cluster): Promise<void> {
  const service = cluster.spec?.service;
  if (normalizeClusterSpec(cluster.spec).service.type !== 'NodePort') return;
  if (service?.apiPort !== undefined || service?.konnectivityPort !== undefined) return;
  let services: Array<Wire<V1Service>>;
  try {
    services = await s.objects.list('Service');
  } catch {
    try {
      services = await s.objects.list('Service', { namespace: cluster.metadata.namespace! });
    } catch (err) {
      s.progress(`could not read Services to find free NodePorts (${(err as Error).message.split('\n')[0]}); asking for the defaults`);
      return;
    }
  }
  const choice = chooseNodePorts(nodePortsInUse(services));
  if (!choice) {
    s.progress('no free NodePort pair is left in 30000-32767; asking for the defaults (the operator will report the clash)');
    return;
  }
  if (!choice.moved) return;
  cluster.spec = { ...cluster.spec, service: { ...service, type: 'NodePort', apiPort: choice.apiPort, konnectivityPort: choice.konnectivityPort } };
  s.progress(
    `NodePorts ${DEFAULT_API_PORT}/${DEFAULT_KONNECTIVITY_PORT} are taken: using ${choice.apiPort} (API) and ${choice.konnectivityPort} (konnectivity); pass --api-port and --konnectivity-port to choose`,
  );
}
