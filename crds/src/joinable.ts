// Whether another k0s controller can join a Cluster's control plane with a controller join token.
// A joining controller shares the datastore of the running ones; k0s accepts that only for
// storage every controller can reach (`k0s token create --role controller` refuses otherwise,
// with "cannot join controller into current storage"). k0s's own rule, restated over the k0s
// configuration the operator generates from a Cluster:
//
// - etcd run by k0s itself on each controller: joinable (the new controller becomes an etcd
//   member). k0smotron never uses this: its etcd runs in a StatefulSet beside the controllers
//   and reaches k0s as `storage.etcd.externalCluster`, which k0s does not let a controller join.
// - kine: joinable when the data source is a shared database (PostgreSQL, MySQL, etcd, ...);
//   not for SQLite (a file local to each controller), not for an embedded NATS server (a NATS
//   URL without `noEmbed`), and not for a data source that is not `<backend>://<dsn>`.
//
// The operator, the CLI and Backstage call this to refuse a controller token k0s would refuse,
// with the same words. Browser-safe; the data source is read only for its backend and never
// appears in a message (it usually carries a password).
import { KINE_DATASOURCE_SECRET_KEY } from './constants';
import { normalizeClusterSpec } from './normalize';
import type { ClusterSpec } from './schema/cluster';

/** The datastore a joining controller would share, as k0s would see it. */
export type ControllerJoinStorage =
  | { type: 'etcd' }
  /** `dataSource` undefined: the URL is in a Secret the caller has not read, so it cannot tell. */
  | { type: 'kine'; dataSource?: string; secretName?: string };

/** The storage facts of a Cluster spec (either API version's field names). */
export function controllerJoinStorage(spec: ClusterSpec | null | undefined): ControllerJoinStorage {
  const storage = normalizeClusterSpec(spec).storage;
  if (storage.type !== 'kine') return { type: 'etcd' };
  const { dataSourceURL, dataSourceSecretName } = storage.kine;
  if (dataSourceURL) return { type: 'kine', dataSource: dataSourceURL };
  return { type: 'kine', ...(dataSourceSecretName ? { secretName: dataSourceSecretName } : {}) };
}

/** How to add a controller instead, said after every refusal (the CLI's hint). */
export const CONTROLLER_JOIN_INSTEAD =
  'To add controllers, raise spec.replicas of the Cluster (the operator runs them as pods). To join controllers ' +
  'from outside, use spec.storage.type kine with a database every controller reaches (PostgreSQL or MySQL, ' +
  `in spec.storage.kine.dataSourceURL or in a Secret named by spec.storage.kine.dataSourceSecretName under key ${KINE_DATASOURCE_SECRET_KEY}).`;

/** The kine backend of a data source, as k0s splits it: the text before `://`. */
function kineBackend(dataSource: string): string | undefined {
  const at = dataSource.indexOf('://');
  if (at <= 0) return undefined;
  const backend = dataSource.slice(0, at);
  return backend === 'http' || backend === 'https' ? 'etcd3' : backend;
}

/** True when a NATS data source names an external NATS server (`noEmbed` in its query). */
function natsNotEmbedded(dataSource: string): boolean {
  const q = dataSource.indexOf('?');
  if (q < 0) return false;
  return new URLSearchParams(dataSource.slice(q + 1)).has('noEmbed');
}

/**
 * Why k0s would refuse a controller joining this storage (one sentence naming the Cluster), or
 * undefined when it would accept it or cannot be told here (a kine URL kept in a Secret that
 * was not read).
 */
export function controllerJoinObstacle(storage: ControllerJoinStorage, cluster: { namespace: string; name: string }): string | undefined {
  const refuse = (why: string) =>
    `Cluster ${cluster.namespace}/${cluster.name} cannot take another controller: ${why}, and k0s refuses a controller join token for such storage.`;
  if (storage.type === 'etcd') {
    return refuse(
      'it keeps its data in the etcd that k0smotron runs beside the controllers, which k0s is given as an external etcd cluster (storage.etcd.externalCluster)',
    );
  }
  if (storage.dataSource === undefined) return undefined;
  const backend = kineBackend(storage.dataSource);
  const source = storage.secretName ? `the kine data source in Secret ${storage.secretName}` : 'spec.storage.kine.dataSourceURL';
  if (!backend) return refuse(`${source} is not of the form <backend>://<dsn>`);
  if (backend === 'sqlite') return refuse(`${source} is SQLite, a database file local to each controller`);
  if (backend === 'nats' && !natsNotEmbedded(storage.dataSource)) {
    return refuse(`${source} is NATS embedded in each controller (no noEmbed parameter)`);
  }
  return undefined;
}

/** The whole refusal of a controller join token: why (controllerJoinObstacle) and what instead. */
export function controllerJoinRefusal(storage: ControllerJoinStorage, cluster: { namespace: string; name: string }): string | undefined {
  const obstacle = controllerJoinObstacle(storage, cluster);
  return obstacle && `${obstacle} ${CONTROLLER_JOIN_INSTEAD}`;
}
