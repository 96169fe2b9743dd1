// The k0s controllers: StatefulSet `kmc-<n>`.
import type { V1PersistentVolumeClaim, V1Probe, V1StatefulSet, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { K0S_CAPABILITIES, controlPlaneSelectorLabels, type CertificateRefType } from '@k0smotron/api';
import { CERTS_DIR, ENTRYPOINT_DIR, ENTRYPOINT_PATH } from './entrypoint';
import { childLabels, childMeta, inheritedAnnotations } from './meta';
import { certsProjection, userMounts } from './volumes';
import type { ClusterView } from './view';

/** Pod-template annotation whose change rolls the pods: k0s config, entrypoint, certificates, kine Secret. */
export const ANNOTATION_CONFIG_HASH = 'k0smotron.io/config-hash';
export const ENDPOINT_MANIFEST_DIR = 'control-plane-endpoint';

export interface PodInputs {
  k0sConfigYaml: string;
  entrypoint: string;
  /** Names of the certificate Secrets per purpose. */
  certSecretNames: Partial<Record<CertificateRefType, string>>;
  /** resourceVersions of those Secrets (and the kine Secret): a rotated certificate rolls the pods. */
  secretVersions: Record<string, string>;
}

export function configHash(inputs: PodInputs): string {
  const h = createHash('sha256');
  h.update(inputs.k0sConfigYaml).update('\0').update(inputs.entrypoint).update('\0');
  for (const k of Object.keys(inputs.secretVersions).sort()) h.update(`${k}=${inputs.secretVersions[k]}\0`);
  for (const k of Object.keys(inputs.certSecretNames).sort()) h.update(`${k}:${inputs.certSecretNames[k as CertificateRefType]}\0`);
  return h.digest('hex').slice(0, 20);
}

function k0sStatus(): V1Probe['exec'] {
  return { command: ['k0s', 'status'] };
}

function lowestPort(view: ClusterView): number {
  return Math.min(view.service.apiPort, view.service.konnectivityPort);
}

/** The data volume name, also the volumeClaimTemplate name for PVC persistence. */
export function dataVolumeName(view: ClusterView): string {
  return view.persistence.type === 'pvc' ? (view.persistence.claim.name ?? view.names.statefulSet) : view.names.statefulSet;
}

export function desiredStatefulSet(view: ClusterView, inputs: PodInputs, opts: { endpointConfigMap?: string }): V1StatefulSet {
  const selector = controlPlaneSelectorLabels(view.name);
  const dataName = dataVolumeName(view);
  const user = userMounts(view);
  const volumes: V1Volume[] = [
    { name: 'entrypoint', configMap: { name: view.names.entrypointConfigMap, defaultMode: 0o744 } },
    certsProjection(inputs.certSecretNames, view.storage.type),
  ];
  if (view.persistence.type === 'emptyDir') volumes.push({ name: dataName, emptyDir: {} });
  if (view.persistence.type === 'hostPath') volumes.push({ name: dataName, hostPath: { path: view.persistence.hostPath, type: 'DirectoryOrCreate' } });
  const mounts: V1VolumeMount[] = [
    { name: 'entrypoint', mountPath: ENTRYPOINT_DIR, readOnly: true },
    { name: dataName, mountPath: '/var/lib/k0s' },
    { name: 'certs', mountPath: CERTS_DIR, readOnly: true },
  ];
  if (opts.endpointConfigMap) {
    volumes.push({ name: ENDPOINT_MANIFEST_DIR, configMap: { name: opts.endpointConfigMap } });
    mounts.push({ name: ENDPOINT_MANIFEST_DIR, mountPath: `/var/lib/k0s/manifests/${ENDPOINT_MANIFEST_DIR}`, readOnly: true });
  }
  volumes.push(...user.volumes);
  mounts.push(...user.mounts);

  const claimTemplates: V1PersistentVolumeClaim[] =
    view.persistence.type === 'pvc'
      ? [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: {
              name: dataName,
              ...(view.persistence.claim.labels ? { labels: view.persistence.claim.labels } : {}),
              ...(view.persistence.claim.annotations ? { annotations: view.persistence.claim.annotations } : {}),
            },
            spec: { accessModes: ['ReadWriteOnce'], ...view.persistence.claim.spec },
          },
        ]
      : [];

  const antiAffinityTerm = (weight: number, topologyKey: string) => ({
    weight,
    podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey },
  });

  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(view, view.names.statefulSet, 'control-plane'),
    spec: {
      replicas: view.replicas,
      // Only fixed labels: a selector is immutable, so user labels must never be part of it.
      selector: { matchLabels: selector },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: {
          labels: { ...childLabels(view, 'control-plane'), ...selector },
          // The Cluster's annotations reach the pods, as upstream (they are checked against Pod
          // Security like the rest of the pod, so an AppArmor annotation cannot unconfine it).
          annotations: { ...inheritedAnnotations(view), [ANNOTATION_CONFIG_HASH]: configHash(inputs) },
        },
        spec: {
          automountServiceAccountToken: false,
          ...(view.serviceAccount ? { serviceAccountName: view.serviceAccount } : {}),
          securityContext: {
            seccompProfile: { type: 'RuntimeDefault' },
            // kube-apiserver runs as its own unprivileged user: a port below 1024 (a LoadBalancer
            // on 443) needs the namespaced, Pod-Security-safe sysctl rather than a capability.
            ...(lowestPort(view) < 1024 ? { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: String(lowestPort(view)) }] } : {}),
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                antiAffinityTerm(100, 'topology.kubernetes.io/zone'),
                antiAffinityTerm(50, 'kubernetes.io/hostname'),
              ],
            },
          },
          ...(view.topologySpreadConstraints.length ? { topologySpreadConstraints: view.topologySpreadConstraints } : {}),
          containers: [
            {
              name: 'controller',
              image: view.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['/bin/sh', '-c', ENTRYPOINT_PATH],
              // k0s runs as root and starts each component as its own user: it keeps only the
              // capabilities that needs (K0S_CAPABILITIES says why each one), within Pod Security baseline.
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], add: Object.keys(K0S_CAPABILITIES) },
              },
              ports: [
                { name: 'api', containerPort: view.service.apiPort, protocol: 'TCP' },
                { name: 'konnectivity', containerPort: view.service.konnectivityPort, protocol: 'TCP' },
              ],
              envFrom: [
                { configMapRef: { name: view.names.configMap } },
                ...(view.storage.type === 'kine' ? [{ secretRef: { name: view.storage.dataSourceSecretName } }] : []),
              ],
              ...(view.resources ? { resources: view.resources } : {}),
              // A startup probe instead of upstream's fixed 60 s/90 s initial delays: pods are Ready
              // as soon as k0s answers, and liveness only starts after startup succeeded.
              startupProbe: { exec: k0sStatus(), periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
              readinessProbe: { exec: k0sStatus(), periodSeconds: 10, failureThreshold: 15, timeoutSeconds: 5 },
              livenessProbe: { exec: k0sStatus(), periodSeconds: 10, failureThreshold: 10, timeoutSeconds: 5 },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
      ...(claimTemplates.length ? { volumeClaimTemplates: claimTemplates } : {}),
    },
  };
}
