// Every generated object of a Cluster except Secrets, in apply order, with user patches applied.
import type { KubernetesObject, V1ConfigMap, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { K0S_CONFIG_KEY, type CertificateRefType } from '@k0smotron/api';
import { desiredEndpointConfigMap, type EndpointResult } from './endpoint';
import { desiredEntrypointConfigMap, ENTRYPOINT_KEY } from './entrypoint';
import { bootstrapMembersOf, desiredEtcdDefragCronJob, desiredEtcdService, desiredEtcdStatefulSet, etcdReplicas, type CronJobApiVersion } from './etcd';
import { desiredConfigMap, k0sConfig } from './k0s-config';
import { applyPatches } from './patches';
import { desiredService } from './service';
import { desiredStatefulSet } from './statefulset';
import type { ClusterView } from './view';

export interface ChildFacts {
  /** ClusterIPs of the current Service (SANs of the API certificate). */
  clusterIPs: string[];
  endpoint: EndpointResult;
  certSecretNames: Partial<Record<CertificateRefType, string>>;
  /** resourceVersion per Secret name the pods read (certificates, kine). */
  secretVersions: Record<string, string>;
  existingEtcd?: V1StatefulSet;
  /** The CronJob API version the management cluster serves; without it no defrag CronJob. */
  cronJobApiVersion?: CronJobApiVersion;
}

export interface Children {
  service: V1Service;
  etcdService?: V1Service;
  etcdStatefulSet?: V1StatefulSet;
  configMap: V1ConfigMap;
  entrypoint: V1ConfigMap;
  endpointConfigMap?: V1ConfigMap;
  statefulSet: V1StatefulSet;
  etcdDefragCronJob?: ReturnType<typeof desiredEtcdDefragCronJob>;
}

/** Apply order: Service first (its ClusterIP feeds the config), datastore, config, then the controllers. */
export function childList(c: Children): KubernetesObject[] {
  return [c.service, c.etcdService, c.etcdStatefulSet, c.configMap, c.entrypoint, c.endpointConfigMap, c.statefulSet, c.etcdDefragCronJob].filter(
    (o): o is NonNullable<typeof o> => !!o,
  );
}

export function desiredChildren(view: ClusterView, facts: ChildFacts): Children {
  const externalHost = facts.endpoint.known && facts.endpoint.source !== 'serviceDNS' ? facts.endpoint.host : undefined;
  const service = desiredService(view);
  const config = k0sConfig(view, { externalHost, clusterIPs: facts.clusterIPs });
  const configMap = desiredConfigMap(view, config);
  const entrypoint = desiredEntrypointConfigMap(view);
  const endpointConfigMap = desiredEndpointConfigMap(view, externalHost);
  const statefulSet = desiredStatefulSet(
    view,
    {
      k0sConfigYaml: configMap.data![K0S_CONFIG_KEY],
      entrypoint: entrypoint.data![ENTRYPOINT_KEY],
      certSecretNames: facts.certSecretNames,
      secretVersions: facts.secretVersions,
    },
    { endpointConfigMap: endpointConfigMap?.metadata?.name },
  );
  let etcdService: V1Service | undefined;
  let etcdStatefulSet: V1StatefulSet | undefined;
  let etcdDefragCronJob: Children['etcdDefragCronJob'];
  if (view.storage.type === 'etcd') {
    const cur = facts.existingEtcd;
    const replicas = etcdReplicas(view.replicas, cur ? { replicas: cur.spec?.replicas ?? 0, readyReplicas: cur.status?.readyReplicas ?? 0 } : undefined);
    etcdService = desiredEtcdService(view);
    etcdStatefulSet = desiredEtcdStatefulSet(view, view.storage.etcd, {
      replicas,
      bootstrapMembers: bootstrapMembersOf(cur) ?? replicas,
      certSecrets: {
        ca: facts.certSecretNames.etcd!,
        server: facts.certSecretNames['etcd-server']!,
        peer: facts.certSecretNames['etcd-peer']!,
      },
    });
    if (view.storage.etcd.defrag && facts.cronJobApiVersion) {
      etcdDefragCronJob = desiredEtcdDefragCronJob(view, view.storage.etcd, {
        apiVersion: facts.cronJobApiVersion,
        certSecrets: { ca: facts.certSecretNames.etcd!, client: facts.certSecretNames['apiserver-etcd-client']! },
      });
    }
  }
  const children: Children = { service, etcdService, etcdStatefulSet, configMap, entrypoint, endpointConfigMap, statefulSet, etcdDefragCronJob };
  if (!view.patches.length) return children;
  const patched = applyPatches(childList(children), view.patches);
  const byKey = new Map(patched.map(o => [`${o.kind}/${o.metadata?.name}`, o]));
  const pick = <T extends KubernetesObject | undefined>(o: T): T => (o ? (byKey.get(`${o.kind}/${o.metadata?.name}`) as T) : o);
  return {
    service: pick(service),
    etcdService: pick(etcdService),
    etcdStatefulSet: pick(etcdStatefulSet),
    configMap: pick(configMap),
    entrypoint: pick(entrypoint),
    endpointConfigMap: pick(endpointConfigMap),
    statefulSet: pick(statefulSet),
    etcdDefragCronJob: pick(etcdDefragCronJob),
  };
}
