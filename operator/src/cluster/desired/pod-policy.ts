// The generated pods against the tenant policy, after user patches: what the pods of this Cluster
// may do, and every rule they break. Checked before anything is written.
import type { V1StatefulSet } from '@kubernetes/client-node';
import { ETCD_CAPABILITIES, K0S_CAPABILITIES, generatedPodViolations, type PodAllowances, type PolicyViolation, type TenantPolicy } from '@k0smotron/api';
import type { Children } from './children';
import { dataVolumeName } from './statefulset';
import type { ClusterView } from './view';

/** What this Cluster's pods may do under `policy`: the spec checks already passed. */
export function podAllowances(view: ClusterView, policy: TenantPolicy): PodAllowances {
  return {
    capabilities: { controller: Object.keys(K0S_CAPABILITIES), etcd: Object.keys(ETCD_CAPABILITIES) },
    hostPathVolume:
      view.persistence.type === 'hostPath' && policy.hostPathPersistence.allowed ? { name: dataVolumeName(view), path: view.persistence.hostPath } : undefined,
    serviceAccountName: policy.allowServiceAccount ? view.serviceAccount : undefined,
    extraVolumeSources: policy.mountVolumeSources,
  };
}

/** Every rule the generated StatefulSets' pods break, each field named from its StatefulSet, e.g. `StatefulSet kmc-a spec.template.spec.hostPID`. */
export function childPodViolations(
  view: ClusterView,
  children: Pick<Children, 'statefulSet' | 'etcdStatefulSet' | 'etcdDefragCronJob'>,
  policy: TenantPolicy,
): PolicyViolation[] {
  const allow = podAllowances(view, policy);
  const sets = [children.statefulSet, children.etcdStatefulSet].filter((s): s is V1StatefulSet => !!s);
  const cron = children.etcdDefragCronJob;
  return [
    ...sets.flatMap(sts => generatedPodViolations(sts.spec?.template ?? {}, `StatefulSet ${sts.metadata?.name} spec.template`, policy, allow)),
    ...(cron
      ? generatedPodViolations(cron.spec.jobTemplate.spec.template, `CronJob ${cron.metadata?.name} spec.jobTemplate.spec.template`, policy, allow)
      : []),
  ];
}
