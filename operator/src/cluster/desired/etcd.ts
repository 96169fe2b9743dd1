// The etcd datastore: headless Service + StatefulSet `kmc-<n>-etcd` (shortened for long names,
// each at its kind's limit), and the optional defrag CronJob.
import type { KubernetesObject, V1PodTemplateSpec, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { ETCD_CAPABILITIES, ETCD_CLIENT_PORT, ETCD_PEER_PORT } from '@k0smotron/api';
import { childMeta } from './meta';
import type { ClusterView, EtcdView } from './view';

export const ETCD_DATA_VOLUME = 'etcd-data';
const ETCD_PKI = '/var/lib/k0s/pki';

export function etcdSelectorLabels(clusterName: string): Record<string, string> {
  return { app: 'k0smotron', cluster: clusterName, component: 'etcd' };
}

/** Rounds up to an odd member count: 1→1, 2→3, 3→3, 4→5. At least 1, so sleep keeps the data. */
export function oddMembers(replicas: number): number {
  const n = Math.max(1, replicas);
  return n % 2 === 1 ? n : n + 1;
}

/**
 * The etcd replica count to apply now. Never scales down (removing members loses quorum safety
 * and data); grows one member at a time, each after the previous ones are Ready.
 */
export function etcdReplicas(clusterReplicas: number, current?: { replicas: number; readyReplicas: number }): number {
  const target = oddMembers(clusterReplicas);
  if (!current) return target;
  if (target <= current.replicas) return current.replicas;
  return current.readyReplicas >= current.replicas ? current.replicas + 1 : current.replicas;
}

export function desiredEtcdService(view: ClusterView): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(view, view.names.etcdService, 'etcd', { labels: etcdSelectorLabels(view.name) }),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: etcdSelectorLabels(view.name),
      ports: [
        { name: 'client', port: ETCD_CLIENT_PORT, targetPort: ETCD_CLIENT_PORT as unknown as string, protocol: 'TCP' },
        { name: 'peer', port: ETCD_PEER_PORT, targetPort: ETCD_PEER_PORT as unknown as string, protocol: 'TCP' },
      ],
    },
  };
}

/**
 * `--initial-cluster`: each member is named after its pod (`<statefulset>-<i>`) and reached at the
 * pod's DNS name under the headless Service. The two names are the same unless a long Cluster
 * name made the StatefulSet's shorter (names.ts).
 */
function initialCluster(stsName: string, svcName: string, members: number): string {
  return Array.from({ length: members }, (_, i) => `${stsName}-${i}=https://${stsName}-${i}.${svcName}:${ETCD_PEER_PORT}`).join(',');
}

const ETCDCTL_TLS = `--cacert=${ETCD_PKI}/etcd-ca.crt --cert=${ETCD_PKI}/etcd-peer.crt --key=${ETCD_PKI}/etcd-peer.key`;

/**
 * The etcd container's start script, in three steps that upstream runs as two init containers
 * (`dns-check`, `init`); one container keeps etcd pods schedulable on runtimes where init
 * containers never finish (kubemark hollow nodes in the test cluster), with the same effect:
 *  1. wait until this pod's own DNS name resolves (peers and clients reach it by that name);
 *  2. without data: if a cluster answers on the Service, join it (join settings saved to
 *     join.env); otherwise bootstrap;
 *  3. exec etcd with the join settings, if any.
 * Joining depends on what the cluster lists for this pod (by name, or by peer URL: a member added
 * with `member add` has no name until it starts):
 *  - a member that never started (no client URLs): a bootstrap member whose pod came up after the
 *    others formed the cluster, or one added by an earlier run that died before etcd wrote its
 *    data. Join as that member. Removing it instead would need quorum, which a one-member cluster
 *    with a pending second member does not have until that member starts;
 *  - a member that ran (its data is lost): remove it and join as a new member;
 *  - none: join as a new member.
 * `member add` is tried again for a minute: etcd refuses it while the last member to join has
 * been connected for under 5 s ("unhealthy cluster"), which a pod started right after that
 * member became Ready meets.
 */
export const ETCD_START_SCRIPT = `set -eu
fqdn="$HOSTNAME.$SVC.$NAMESPACE.svc"
if command -v getent >/dev/null 2>&1; then
  i=0; until getent hosts "$fqdn" >/dev/null 2>&1 || [ $i -ge 60 ]; do echo "waiting for DNS name $fqdn"; i=$((i+1)); sleep 2; done
fi
mkdir -p /var/lib/k0s/etcd
if [ ! -d /var/lib/k0s/etcd/member ]; then
  rm -f /var/lib/k0s/etcd/join.env
  ctl="etcdctl ${ETCDCTL_TLS} --endpoints=https://$SVC:${ETCD_CLIENT_PORT} --command-timeout=5s"
  peer="https://$HOSTNAME.$SVC:${ETCD_PEER_PORT}"
  mine() { printf '%s\\n' "$1" | awk -F', ' -v n="$HOSTNAME" -v p="$peer" '$3 == n || $4 == p'; }
  if members=$($ctl member list 2>/dev/null); then
    if [ -n "$(mine "$members")" ] && [ -z "$(mine "$members" | awk -F', ' '$5 != ""')" ]; then
      echo "joining as the member of $HOSTNAME that never started"
      printf '%s\\n' "$members" | awk -F', ' -v n="$HOSTNAME" -v p="$peer" '
        { name = ($4 == p) ? n : $3; k = split($4, u, ","); for (j = 1; j <= k; j++) c = c (c == "" ? "" : ",") name "=" u[j] }
        END { print "ETCD_INITIAL_CLUSTER=\\"" c "\\""; print "ETCD_INITIAL_CLUSTER_STATE=\\"existing\\"" }' > /var/lib/k0s/etcd/join.env
    else
      i=0
      while :; do
        for old in $(mine "$members" | awk -F', ' '{print $1}'); do
          echo "removing the member $old of $HOSTNAME: its data is gone"; $ctl member remove "$old"
        done
        if added=$($ctl member add "$HOSTNAME" --peer-urls="$peer"); then break; fi
        i=$((i+1)); if [ $i -ge 30 ]; then echo "could not add $HOSTNAME to the etcd cluster"; exit 1; fi
        sleep 2
        members=$($ctl member list)
      done
      printf '%s\\n' "$added" | grep '^ETCD_INITIAL_CLUSTER' > /var/lib/k0s/etcd/join.env
    fi
  fi
fi
if [ -f /var/lib/k0s/etcd/join.env ]; then . /var/lib/k0s/etcd/join.env; export ETCD_INITIAL_CLUSTER ETCD_INITIAL_CLUSTER_STATE; fi
exec etcd "$@"`;

/** The bootstrap member count written in an existing etcd StatefulSet (kept so scaling never rolls etcd). */
export function bootstrapMembersOf(existing: V1StatefulSet | undefined): number | undefined {
  const env = existing?.spec?.template?.spec?.containers?.find(c => c.name === 'etcd')?.env;
  const value = env?.find(e => e.name === 'ETCD_INITIAL_CLUSTER')?.value;
  return value ? value.split(',').length : undefined;
}

export function desiredEtcdStatefulSet(
  view: ClusterView,
  etcd: EtcdView,
  opts: { replicas: number; bootstrapMembers: number; certSecrets: { ca: string; server: string; peer: string } },
): V1StatefulSet {
  const sts = view.names.etcdStatefulSet;
  const svc = view.names.etcdService;
  const selector = etcdSelectorLabels(view.name);
  const flags = [
    `--name=$(HOSTNAME)`,
    `--listen-peer-urls=https://0.0.0.0:${ETCD_PEER_PORT}`,
    `--listen-client-urls=https://0.0.0.0:${ETCD_CLIENT_PORT}`,
    `--advertise-client-urls=https://$(HOSTNAME).${svc}:${ETCD_CLIENT_PORT}`,
    `--initial-advertise-peer-urls=https://$(HOSTNAME).${svc}:${ETCD_PEER_PORT}`,
    '--client-cert-auth=true',
    '--peer-client-cert-auth=true',
    `--trusted-ca-file=${ETCD_PKI}/etcd-ca.crt`,
    `--peer-trusted-ca-file=${ETCD_PKI}/etcd-ca.crt`,
    `--cert-file=${ETCD_PKI}/etcd-server.crt`,
    `--key-file=${ETCD_PKI}/etcd-server.key`,
    `--peer-cert-file=${ETCD_PKI}/etcd-peer.crt`,
    `--peer-key-file=${ETCD_PKI}/etcd-peer.key`,
    '--tls-min-version=TLS1.2',
    '--auto-compaction-mode=periodic',
    '--auto-compaction-retention=5m',
    '--snapshot-count=10000',
    ...etcd.args,
    '--data-dir=/var/lib/k0s/etcd',
  ];
  // Mounted as a directory (no subPath), so the kubelet replaces the files when a leaf Secret is
  // renewed, and etcd reads them again for each new connection: a renewal needs no etcd restart,
  // and the pod template does not change with the Secrets (etcd-reload.itest.ts runs a real etcd
  // through a renewal). A restart would take a one-member etcd down for every renewal.
  const certs = {
    name: 'certs',
    projected: {
      defaultMode: 0o400,
      sources: [
        { secret: { name: opts.certSecrets.ca, items: [{ key: 'tls.crt', path: 'etcd-ca.crt' }] } },
        {
          secret: {
            name: opts.certSecrets.server,
            items: [
              { key: 'tls.crt', path: 'etcd-server.crt' },
              { key: 'tls.key', path: 'etcd-server.key' },
            ],
          },
        },
        {
          secret: {
            name: opts.certSecrets.peer,
            items: [
              { key: 'tls.crt', path: 'etcd-peer.crt' },
              { key: 'tls.key', path: 'etcd-peer.key' },
            ],
          },
        },
      ],
    },
  };
  const env = [
    { name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'SVC', value: svc },
    { name: 'NAMESPACE', value: view.namespace },
    { name: 'ETCD_INITIAL_CLUSTER', value: initialCluster(sts, svc, opts.bootstrapMembers) },
    { name: 'ETCD_INITIAL_CLUSTER_STATE', value: 'new' },
  ];
  const mounts = [
    { name: ETCD_DATA_VOLUME, mountPath: '/var/lib/k0s/etcd' },
    { name: 'certs', mountPath: ETCD_PKI, readOnly: true },
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(view, sts, 'etcd', { labels: selector }),
    spec: {
      replicas: opts.replicas,
      serviceName: svc,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...childMeta(view, sts, 'etcd').labels, ...selector } },
        spec: {
          automountServiceAccountToken: false,
          ...(view.serviceAccount ? { serviceAccountName: view.serviceAccount } : {}),
          securityContext: { fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'topology.kubernetes.io/zone' } },
                { weight: 50, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' } },
              ],
            },
          },
          ...(view.topologySpreadConstraints.length ? { topologySpreadConstraints: view.topologySpreadConstraints } : {}),
          containers: [
            {
              name: 'etcd',
              image: etcd.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', ETCD_START_SCRIPT, 'etcd', ...flags],
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], add: Object.keys(ETCD_CAPABILITIES) },
              },
              env,
              ports: [
                { name: 'client', containerPort: ETCD_CLIENT_PORT, protocol: 'TCP' },
                { name: 'peer', containerPort: ETCD_PEER_PORT, protocol: 'TCP' },
              ],
              ...(etcd.resources ? { resources: etcd.resources } : {}),
              readinessProbe: {
                exec: { command: ['/bin/sh', '-c', `etcdctl ${ETCDCTL_TLS} --endpoints=https://127.0.0.1:${ETCD_CLIENT_PORT} endpoint health`] },
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 3,
              },
              volumeMounts: mounts,
            },
          ],
          volumes: [certs],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: ETCD_DATA_VOLUME },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(etcd.storageClass ? { storageClassName: etcd.storageClass } : {}),
            resources: { requests: { storage: etcd.size } },
          },
        },
      ],
    },
  };
}

/** CronJob API versions: `batch/v1` from Kubernetes 1.21, `batch/v1beta1` before (and until 1.25). */
export type CronJobApiVersion = 'batch/v1' | 'batch/v1beta1';

/** The defrag CronJob's pod: only the etcd CA certificate and the API server's client pair. */
const DEFRAG_PKI = '/etc/etcd-defrag/pki';

/**
 * `kmc-<n>-defrag`: defragments every etcd member on `defragJob.schedule` when `defragJob.rule`
 * holds (upstream's CronJob, run with etcd-defrag). It authenticates as the control plane's etcd
 * client; it never sees a CA key. ConcurrencyPolicy Forbid: one run at a time.
 */
export function desiredEtcdDefragCronJob(
  view: ClusterView,
  etcd: EtcdView,
  opts: { apiVersion: CronJobApiVersion; certSecrets: { ca: string; client: string } },
): KubernetesObject & {
  spec: { schedule: string; jobTemplate: { spec: { template: V1PodTemplateSpec } & Record<string, unknown> } } & Record<string, unknown>;
} {
  const defrag = etcd.defrag!;
  const meta = childMeta(view, view.names.etcdDefragCronJob, 'etcd');
  return {
    apiVersion: opts.apiVersion,
    kind: 'CronJob',
    metadata: meta,
    spec: {
      schedule: defrag.schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: {
            metadata: { labels: { ...meta.labels } },
            spec: {
              restartPolicy: 'OnFailure',
              automountServiceAccountToken: false,
              ...(view.serviceAccount ? { serviceAccountName: view.serviceAccount } : {}),
              securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'defrag',
                  image: defrag.image,
                  imagePullPolicy: 'IfNotPresent',
                  args: [
                    `--endpoints=https://${view.names.etcdService}:${ETCD_CLIENT_PORT}`,
                    '--cluster',
                    `--defrag-rule=${defrag.rule}`,
                    `--cacert=${DEFRAG_PKI}/ca.crt`,
                    `--cert=${DEFRAG_PKI}/client.crt`,
                    `--key=${DEFRAG_PKI}/client.key`,
                  ],
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                  volumeMounts: [{ name: 'certs', mountPath: DEFRAG_PKI, readOnly: true }],
                },
              ],
              volumes: [
                {
                  name: 'certs',
                  projected: {
                    defaultMode: 0o400,
                    sources: [
                      { secret: { name: opts.certSecrets.ca, items: [{ key: 'tls.crt', path: 'ca.crt' }] } },
                      {
                        secret: {
                          name: opts.certSecrets.client,
                          items: [
                            { key: 'tls.crt', path: 'client.crt' },
                            { key: 'tls.key', path: 'client.key' },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
    },
  };
}
