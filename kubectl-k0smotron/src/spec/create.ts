// `create` flags → a Cluster object (pure). Only flags the user gave are written, so the server
// and the operator apply upstream's defaults exactly as for a hand-written manifest.
import { API_VERSION, CLUSTER_KIND, type Cluster, type ClusterSpec } from '@k0smotron/api';
import { CliError } from '../errors';

export interface CreateFlags {
  replicas?: number;
  version?: string;
  image?: string;
  serviceType?: string;
  apiPort?: number;
  konnectivityPort?: number;
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
  /** Parsed YAML of --k0s-config FILE. */
  k0sConfig?: Record<string, unknown>;
  labels?: string[];
  annotations?: string[];
}

/** Spec path (as the validator reports it) → the flag that sets it, for error messages. */
export const FLAG_OF_PATH: [RegExp, string][] = [
  [/^\/?(spec[./])?replicas/, '--replicas'],
  [/^\/?(spec[./])?version/, '--version'],
  [/^\/?(spec[./])?image/, '--image'],
  [/^\/?(spec[./])?service[./]type/, '--service-type'],
  [/^\/?(spec[./])?service[./]apiPort/, '--api-port'],
  [/^\/?(spec[./])?service[./]konnectivityPort/, '--konnectivity-port'],
  [/^\/?(spec[./])?externalAddress/, '--external-address'],
  [/^\/?(spec[./])?storage[./]type/, '--storage'],
  [/^\/?(spec[./])?storage[./]kine[./]dataSourceURL/, '--kine-url'],
  [/^\/?(spec[./])?storage[./]kine[./]dataSourceSecretName/, '--kine-secret'],
  [/^\/?(spec[./])?storage[./]kine/, '--kine-url'],
  [/^\/?(spec[./])?storage[./]etcd[./]persistence[./]size/, '--etcd-size'],
  [/^\/?(spec[./])?storage[./]etcd[./]persistence[./]storageClass/, '--etcd-storage-class'],
  [/^\/?(spec[./])?persistence[./]type/, '--persistence'],
  [/^\/?(spec[./])?persistence[./]hostPath/, '--host-path'],
  [/^\/?(spec[./])?persistence[./]persistentVolumeClaim/, '--persistence-size'],
  [/^\/?(spec[./])?k0sConfig/, '--k0s-config'],
  [/^\/?metadata[./]name/, 'NAME'],
  [/^\/?metadata[./]labels/, '--labels'],
  [/^\/?metadata[./]annotations/, '--annotations'],
];

export function flagForPath(path: string): string | undefined {
  return FLAG_OF_PATH.find(([re]) => re.test(path))?.[1];
}

/** `k=v` pairs (from repeated or comma-separated flags) into a map. */
export function parseKeyValues(values: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of values.flatMap(v => v.split(','))) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid ${flag} "${item}": expected KEY=VALUE`, `e.g. ${flag} team=infra,env=dev`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

export function clusterFromFlags(name: string, namespace: string, f: CreateFlags): Cluster {
  const spec: ClusterSpec = {};
  if (f.replicas !== undefined) spec.replicas = f.replicas;
  if (f.version !== undefined) spec.version = f.version;
  if (f.image !== undefined) spec.image = f.image;
  if (f.externalAddress !== undefined) spec.externalAddress = f.externalAddress;
  if (f.serviceType !== undefined || f.apiPort !== undefined || f.konnectivityPort !== undefined) {
    spec.service = {};
    // Same defaults as a manifest with a `service:` block, so only given fields are written.
    if (f.serviceType !== undefined) spec.service.type = f.serviceType as NonNullable<ClusterSpec['service']>['type'];
    if (f.apiPort !== undefined) spec.service.apiPort = f.apiPort;
    if (f.konnectivityPort !== undefined) spec.service.konnectivityPort = f.konnectivityPort;
  }
  const kine = f.kineUrl !== undefined || f.kineSecret !== undefined;
  if (f.storage !== undefined || kine || f.etcdSize !== undefined || f.etcdStorageClass !== undefined) {
    const type = f.storage ?? (kine ? 'kine' : 'etcd');
    const storage: NonNullable<ClusterSpec['storage']> = { type: type as NonNullable<ClusterSpec['storage']>['type'] };
    if (kine) {
      storage.kine = {};
      if (f.kineUrl !== undefined) storage.kine.dataSourceURL = f.kineUrl;
      if (f.kineSecret !== undefined) storage.kine.dataSourceSecretName = f.kineSecret;
    }
    if (f.etcdSize !== undefined || f.etcdStorageClass !== undefined) {
      storage.etcd = { persistence: {} };
      if (f.etcdSize !== undefined) storage.etcd.persistence!.size = f.etcdSize;
      if (f.etcdStorageClass !== undefined) storage.etcd.persistence!.storageClass = f.etcdStorageClass;
    }
    spec.storage = storage;
  }
  const pvcGiven = f.persistenceSize !== undefined || f.persistenceStorageClass !== undefined;
  if (f.persistence !== undefined || f.hostPath !== undefined || pvcGiven) {
    const type = f.persistence ?? (f.hostPath !== undefined ? 'hostPath' : 'pvc');
    const persistence: NonNullable<ClusterSpec['persistence']> = {
      type: type as NonNullable<ClusterSpec['persistence']>['type'],
    };
    if (f.hostPath !== undefined) persistence.hostPath = f.hostPath;
    if (pvcGiven) {
      persistence.persistentVolumeClaim = {
        spec: {
          accessModes: ['ReadWriteOnce'],
          ...(f.persistenceStorageClass !== undefined ? { storageClassName: f.persistenceStorageClass } : {}),
          resources: { requests: { storage: f.persistenceSize ?? '1Gi' } },
        },
      };
    }
    spec.persistence = persistence;
  }
  if (f.k0sConfig !== undefined) spec.k0sConfig = f.k0sConfig as ClusterSpec['k0sConfig'];

  const metadata: Cluster['metadata'] = { name, namespace };
  const labels = parseKeyValues(f.labels, '--labels');
  const annotations = parseKeyValues(f.annotations, '--annotations');
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  return { apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata, spec };
}

/** Which of the spec flags were given (they cannot be combined with -f). */
export function specFlagsGiven(f: CreateFlags): string[] {
  const names: [keyof CreateFlags, string][] = [
    ['replicas', '--replicas'],
    ['version', '--version'],
    ['image', '--image'],
    ['serviceType', '--service-type'],
    ['apiPort', '--api-port'],
    ['konnectivityPort', '--konnectivity-port'],
    ['externalAddress', '--external-address'],
    ['storage', '--storage'],
    ['kineUrl', '--kine-url'],
    ['kineSecret', '--kine-secret'],
    ['etcdSize', '--etcd-size'],
    ['etcdStorageClass', '--etcd-storage-class'],
    ['persistence', '--persistence'],
    ['persistenceSize', '--persistence-size'],
    ['persistenceStorageClass', '--persistence-storage-class'],
    ['hostPath', '--host-path'],
    ['k0sConfig', '--k0s-config'],
  ];
  return names.filter(([k]) => f[k] !== undefined).map(([, flag]) => flag);
}
