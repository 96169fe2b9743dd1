// The kubeconfig route's answer: a kubeconfig of the requesting Backstage user's own, with a
// short-lived client certificate signed from the Cluster's CA whose subject is the user entity
// ref (e.g. CN=user:default/alice). The child API server's audit log then names the person, and
// a copy that leaks from a laptop stops working after hours. The stored admin kubeconfig is
// never handed out: it is one shared identity, valid for days, that nothing can revoke.
import type { Config } from '@backstage/config';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { clusterCaSecretName, DurationError, parseGoDuration, statusWriter, type Cluster } from '@k0smotron/api';
import { resolveClusterEndpoint } from '@k0smotron/api/client';
import { ApiError, type KubeObjects } from '@k0smotron/api/kube';
import { DEFAULT_USER_KUBECONFIG_LIFETIME_MS, checkUserKubeconfigLifetime, signUserKubeconfig, type UserKubeconfig } from '@k0smotron/operator/pki';

export const KUBECONFIG_LIFETIME_KEY = 'k0smotron.kubeconfigAccess.certificateLifetime';

/** `k0smotron.kubeconfigAccess.certificateLifetime` (a duration such as `8h`), checked at startup. */
export function readKubeconfigLifetimeMs(root: Config): number {
  const text = root.getOptionalString(KUBECONFIG_LIFETIME_KEY);
  if (text === undefined) return DEFAULT_USER_KUBECONFIG_LIFETIME_MS;
  try {
    const ms = parseGoDuration(text, KUBECONFIG_LIFETIME_KEY);
    checkUserKubeconfigLifetime(ms);
    return ms;
  } catch (err) {
    const why = err instanceof DurationError ? err.message : `${KUBECONFIG_LIFETIME_KEY}: ${(err as Error).message}`;
    throw new InputError(`${why} (e.g. 8h, 1h30m)`);
  }
}

/** Reads the Cluster's CA with Backstage's service account and signs a kubeconfig for `user`. */
export async function issueUserKubeconfig(opts: {
  /** The management cluster's typed reads, on its one request layer. */
  objects: KubeObjects;
  managementCluster: string;
  cluster: Cluster;
  /** The Backstage user entity ref, used as the certificate's common name. */
  user: string;
  lifetimeMs: number;
  now?: Date;
}): Promise<UserKubeconfig> {
  const { cluster } = opts;
  const namespace = cluster.metadata.namespace ?? '';
  const name = cluster.metadata.name ?? '';
  const server = (await resolveClusterEndpoint(opts.objects, cluster))?.url;
  if (!server) {
    throw new NotFoundError(
      statusWriter(cluster) === 'upstream'
        ? `the API address of ${namespace}/${name} is not known yet (the upstream k0smotron operator manages it and has not set spec.externalAddress); wait until the Cluster is exposed`
        : `the API address of ${namespace}/${name} is not known yet (no status.endpoint); wait until the Cluster is exposed`,
    );
  }
  const secretName = clusterCaSecretName(cluster);
  const secret = await opts.objects.get('Secret', namespace, secretName).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 403) {
      throw new NotAllowedError(
        `management cluster '${opts.managementCluster}' refused Backstage's service account reading Secret ${namespace}/${secretName} (the Cluster's CA); grant it get on secrets`,
      );
    }
    throw err;
  });
  if (!secret) throw new NotFoundError(`the CA of ${namespace}/${name} (Secret ${secretName}) does not exist yet`);
  const decode = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
  const ca = { cert: decode('tls.crt'), key: decode('tls.key') };
  if (!ca.cert || !ca.key) throw new NotFoundError(`the CA Secret ${namespace}/${secretName} lacks tls.crt or tls.key`);
  return signUserKubeconfig({ clusterName: name, server, ca, user: opts.user, lifetimeMs: opts.lifetimeMs, now: opts.now ?? new Date() });
}
