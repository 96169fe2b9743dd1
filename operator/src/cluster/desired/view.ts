// What the builders read: one resolved view of a Cluster (names, ports, storage, persistence…),
// computed once per reconcile from the normalized spec, so no builder re-derives defaults.
import type { V1ObjectMeta, V1ResourceRequirements, V1TopologySpreadConstraint, V1Volume, V1PersistentVolumeClaimSpec } from '@kubernetes/client-node';
import {
  clusterObjectNames,
  clusterServiceName,
  k0sImage,
  normalizeClusterSpec,
  type CertificateRef,
  type CertificateRefType,
  type Cluster,
  type ClusterObjectNames,
  type ComponentPatch,
  type Mount,
  type NormalizedServiceSpec,
} from '@k0smotron/api';
import { SpecError } from './errors';

export interface EtcdView {
  image: string;
  args: string[];
  size: string;
  storageClass?: string;
  autoDeletePVCs: boolean;
  resources?: V1ResourceRequirements;
  /** `storage.etcd.defragJob` when enabled: a CronJob defragments the members on a schedule. */
  defrag?: { schedule: string; rule: string; image: string };
}

export type StorageView =
  | { type: 'etcd'; etcd: EtcdView }
  | {
      type: 'kine';
      /** The Secret the pods read the URL from: the user's, or the generated one for an inline URL. */
      dataSourceSecretName: string;
      /** An inline `dataSourceURL`: the operator writes it into the generated Secret. */
      generatedDataSourceURL?: string;
    };

export type PersistenceView =
  | { type: 'emptyDir' }
  | { type: 'hostPath'; hostPath: string }
  | {
      type: 'pvc';
      autoDeletePVCs: boolean;
      claim: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; spec: V1PersistentVolumeClaimSpec };
    };

export interface ClusterView {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  names: ClusterObjectNames;
  replicas: number;
  image: string; // with tag
  version: string;
  serviceAccount?: string;
  externalAddress?: string;
  service: NormalizedServiceSpec & { name: string };
  persistence: PersistenceView;
  storage: StorageView;
  k0sConfig?: Record<string, unknown>;
  certificateRefs?: CertificateRef[];
  manifests: V1Volume[];
  mounts: Mount[];
  controlPlaneFlags: string[];
  resources?: V1ResourceRequirements;
  topologySpreadConstraints: V1TopologySpreadConstraint[];
  kubeconfigSecretMetadata: { labels: Record<string, string>; annotations: Record<string, string> };
  patches: ComponentPatch[];
}

export type { CertificateRefType };

/**
 * Resolves a Cluster into what the builders need. Throws SpecError for combinations the schema
 * cannot express (pvc persistence without a claim spec, kine without a data source…).
 */
export function clusterView(cluster: Pick<Cluster, 'metadata' | 'spec'>): ClusterView {
  const meta = cluster.metadata as V1ObjectMeta;
  const name = meta.name!;
  const spec = normalizeClusterSpec(cluster.spec);
  const names = clusterObjectNames(name);

  let persistence: PersistenceView;
  switch (spec.persistence.type) {
    case 'hostPath':
      if (!spec.persistence.hostPath) {
        throw new SpecError('InvalidPersistence', 'spec.persistence.type is hostPath but spec.persistence.hostPath is empty; set an absolute host directory');
      }
      persistence = { type: 'hostPath', hostPath: spec.persistence.hostPath };
      break;
    case 'pvc': {
      const claim = spec.persistence.persistentVolumeClaim;
      const claimSpec = claim?.spec as V1PersistentVolumeClaimSpec | undefined;
      if (!claimSpec?.resources?.requests?.storage) {
        throw new SpecError(
          'InvalidPersistence',
          'spec.persistence.type is pvc but spec.persistence.persistentVolumeClaim.spec.resources.requests.storage is not set; give the volume size (e.g. 5Gi)',
        );
      }
      persistence = {
        type: 'pvc',
        autoDeletePVCs: spec.persistence.autoDeletePVCs,
        claim: {
          ...(claim?.metadata?.name ? { name: claim.metadata.name } : {}),
          ...(claim?.metadata?.labels ? { labels: claim.metadata.labels } : {}),
          ...(claim?.metadata?.annotations ? { annotations: claim.metadata.annotations } : {}),
          spec: claimSpec.resources ? { ...claimSpec, resources: quantitiesAsStrings(claimSpec.resources) } : claimSpec,
        },
      };
      break;
    }
    default:
      persistence = { type: 'emptyDir' };
  }

  let storage: StorageView;
  if (spec.storage.type === 'kine') {
    const { dataSourceURL, dataSourceSecretName } = spec.storage.kine;
    if (!dataSourceURL && !dataSourceSecretName) {
      throw new SpecError(
        'InvalidStorage',
        'spec.storage.type is kine but neither spec.storage.kine.dataSourceURL nor spec.storage.kine.dataSourceSecretName is set',
      );
    }
    // An inline URL carries a password: it goes into an owned Secret, never into the k0s ConfigMap.
    storage = dataSourceSecretName
      ? { type: 'kine', dataSourceSecretName }
      : { type: 'kine', dataSourceSecretName: names.kineDataSourceSecret, generatedDataSourceURL: dataSourceURL };
  } else {
    const e = spec.storage.etcd;
    storage = {
      type: 'etcd',
      etcd: {
        image: e.image,
        args: e.args,
        size: String(e.persistence.size),
        ...(e.persistence.storageClass ? { storageClass: e.persistence.storageClass } : {}),
        autoDeletePVCs: e.autoDeletePVCs,
        ...(e.resources ? { resources: quantitiesAsStrings(e.resources as V1ResourceRequirements) } : {}),
        ...(e.defragJob.enabled ? { defrag: { schedule: e.defragJob.schedule, rule: e.defragJob.rule, image: e.defragJob.image } } : {}),
      },
    };
  }

  return {
    name,
    namespace: meta.namespace ?? 'default',
    uid: meta.uid ?? '',
    generation: meta.generation ?? 0,
    labels: { ...meta.labels },
    annotations: { ...meta.annotations },
    names,
    replicas: spec.replicas,
    image: k0sImage(spec),
    version: spec.version,
    ...(spec.serviceAccount ? { serviceAccount: spec.serviceAccount } : {}),
    ...(spec.externalAddress ? { externalAddress: spec.externalAddress } : {}),
    service: { ...spec.service, name: clusterServiceName(name, spec.service.type) },
    persistence,
    storage,
    ...(spec.k0sConfig ? { k0sConfig: spec.k0sConfig } : {}),
    ...(spec.certificateRefs ? { certificateRefs: spec.certificateRefs } : {}),
    manifests: spec.manifests,
    mounts: spec.mounts,
    controlPlaneFlags: spec.controlPlaneFlags,
    ...(spec.resources ? { resources: quantitiesAsStrings(spec.resources as V1ResourceRequirements) } : {}),
    topologySpreadConstraints: spec.topologySpreadConstraints,
    kubeconfigSecretMetadata: spec.kubeconfigSecretMetadata,
    patches: spec.patches,
  };
}

/**
 * Quantities as strings. The API accepts `cpu: 1` from a user, but server-side apply types a
 * quantity as a string and refuses a number in the objects the operator applies.
 */
export function quantitiesAsStrings<T extends { requests?: Record<string, unknown>; limits?: Record<string, unknown> }>(resources: T): T {
  const strings = (m: Record<string, unknown> | undefined) =>
    m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
  return {
    ...resources,
    ...(resources.requests ? { requests: strings(resources.requests) } : {}),
    ...(resources.limits ? { limits: strings(resources.limits) } : {}),
  };
}
