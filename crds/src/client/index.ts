// Node-only typed access to the k0smotron.io API (`@k0smotron/api/client`). Every failure is a
// K0smotronApiError whose reason tells what went wrong and whose message tells the fix.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import {
  API_VERSION,
  CLUSTER_KIND,
  CLUSTER_PLURAL,
  FIELD_MANAGER,
  GROUP,
  JOIN_TOKEN_REQUEST_KIND,
  JOIN_TOKEN_REQUEST_PLURAL,
  JOIN_TOKEN_SECRET_KEY,
  KUBECONFIG_SECRET_KEY,
  V1BETA1,
  V1BETA2,
} from '../constants';
import type { Cluster } from '../schema/cluster';
import type { JoinTokenRequest } from '../schema/jointokenrequest';
import { K0smotronApiError, toK0smotronApiError, type RequestContext } from './errors';

export { K0smotronApiError, toK0smotronApiError, INSTALL_CRDS_COMMAND } from './errors';
export type { K0smotronApiErrorReason, K0smotronApiErrorCause, RequestContext } from './errors';
// Every type of the root entry, so a consumer of `@k0smotron/api/client` can name what this
// entry's functions take and return without a second import.
export type * from '../index';
export { installCrds, type InstallCrdsOptions } from './install';
export { resolveClusterEndpoint } from './endpoint';
export {
  issueJoinToken,
  joinTokenRequestName,
  newJoinTokenRequest,
  JoinTokenRefusedError,
  JoinTokenTimeoutError,
  JOIN_TOKEN_REFUSAL_REASONS,
  JOIN_TOKEN_REQUESTS_RESOURCE,
  type IssueJoinTokenOptions,
  type IssuedJoinToken,
  type JoinTokenApi,
  type JoinTokenFailureFacts,
  type JoinTokenProgress,
  type JoinTokenStep,
  type NewJoinTokenRequest,
} from './jointoken';

export interface K0smotronClientOptions {
  /** Field manager of create and patch calls; default `k0smotron`. */
  fieldManager?: string;
}

interface KubeList<T> {
  items?: T[];
}

const CLUSTERS = `${CLUSTER_PLURAL}.${GROUP}`;
const JOIN_TOKEN_REQUESTS = `${JOIN_TOKEN_REQUEST_PLURAL}.${GROUP}`;

/** The served version named by an object's apiVersion; the storage version when absent. */
function versionOf(obj: { apiVersion?: string }, kind: string): string {
  const apiVersion = obj.apiVersion || API_VERSION;
  const [group, version] = apiVersion.split('/');
  if (group !== GROUP || (version !== V1BETA2 && version !== V1BETA1)) {
    throw new K0smotronApiError({
      status: 0,
      reason: 'Invalid',
      causes: [{ field: 'apiVersion', message: `must be ${GROUP}/${V1BETA2} or ${GROUP}/${V1BETA1}` }],
      message: `apiVersion "${apiVersion}" is not a version of the ${kind} API: use ${GROUP}/${V1BETA2} (or ${GROUP}/${V1BETA1})`,
    });
  }
  return version;
}

function requireNamespace(obj: { metadata?: { namespace?: string; name?: string } }, kind: string): string {
  const namespace = obj.metadata?.namespace;
  if (!namespace) {
    throw new K0smotronApiError({
      status: 0,
      reason: 'Invalid',
      causes: [{ field: 'metadata.namespace', message: 'required' }],
      message: `${kind} ${obj.metadata?.name ?? ''}: metadata.namespace is required (set it, e.g. "default")`,
    });
  }
  return namespace;
}

function decodeSecretValue(data: Record<string, string> | undefined, key: string): string | undefined {
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}

export class K0smotronClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly fieldManager: string;
  readonly server: string;

  constructor(kc: KubeConfig, opts: K0smotronClientOptions = {}) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.fieldManager = opts.fieldManager ?? FIELD_MANAGER;
    this.server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  }

  private async call<T>(ctx: Omit<RequestContext, 'server'>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toK0smotronApiError(err, { ...ctx, server: this.server });
    }
  }

  /** Runs a get and turns an object NotFound into undefined (a missing CRD still throws). */
  private async getOrUndefined<T>(ctx: Omit<RequestContext, 'server'>, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(ctx, fn);
    } catch (err) {
      if (err instanceof K0smotronApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  async listClusters(namespace?: string, labelSelector?: string): Promise<Cluster[]> {
    const ctx = { verb: 'list', resource: CLUSTERS, namespace, custom: true } as const;
    const list: KubeList<Cluster> = await this.call(ctx, () =>
      namespace
        ? this.custom.listNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: CLUSTER_PLURAL, labelSelector })
        : this.custom.listClusterCustomObject({ group: GROUP, version: V1BETA2, plural: CLUSTER_PLURAL, labelSelector }),
    );
    return list.items ?? [];
  }

  getCluster(namespace: string, name: string): Promise<Cluster | undefined> {
    return this.getOrUndefined({ verb: 'get', resource: CLUSTERS, namespace, name, custom: true }, () =>
      this.custom.getNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: CLUSTER_PLURAL, name }),
    );
  }

  /** Creates the Cluster at the version its apiVersion names (v1beta2 when empty). */
  async createCluster(cluster: Cluster, opts: { dryRun?: boolean } = {}): Promise<Cluster> {
    const namespace = requireNamespace(cluster, CLUSTER_KIND);
    const version = versionOf(cluster, CLUSTER_KIND);
    const body = { ...cluster, apiVersion: `${GROUP}/${version}`, kind: cluster.kind || CLUSTER_KIND };
    return this.call({ verb: 'create', resource: CLUSTERS, namespace, name: cluster.metadata?.name, custom: true }, () =>
      this.custom.createNamespacedCustomObject({
        group: GROUP,
        version,
        namespace,
        plural: CLUSTER_PLURAL,
        body,
        fieldManager: this.fieldManager,
        dryRun: opts.dryRun ? 'All' : undefined,
      }),
    );
  }

  /** RFC 7386 JSON merge patch of a Cluster (e.g. `{ spec: { replicas: 3 } }`). */
  patchCluster(namespace: string, name: string, mergePatch: object): Promise<Cluster> {
    return this.call({ verb: 'patch', resource: CLUSTERS, namespace, name, custom: true }, () =>
      this.custom.patchNamespacedCustomObject(
        { group: GROUP, version: V1BETA2, namespace, plural: CLUSTER_PLURAL, name, body: mergePatch, fieldManager: this.fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async deleteCluster(namespace: string, name: string): Promise<void> {
    await this.call({ verb: 'delete', resource: CLUSTERS, namespace, name, custom: true }, () =>
      this.custom.deleteNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: CLUSTER_PLURAL, name }),
    );
  }

  async createJoinTokenRequest(jtr: JoinTokenRequest): Promise<JoinTokenRequest> {
    const namespace = requireNamespace(jtr, JOIN_TOKEN_REQUEST_KIND);
    const version = versionOf(jtr, JOIN_TOKEN_REQUEST_KIND);
    const body = { ...jtr, apiVersion: `${GROUP}/${version}`, kind: jtr.kind || JOIN_TOKEN_REQUEST_KIND };
    return this.call({ verb: 'create', resource: JOIN_TOKEN_REQUESTS, namespace, name: jtr.metadata?.name, custom: true }, () =>
      this.custom.createNamespacedCustomObject({
        group: GROUP,
        version,
        namespace,
        plural: JOIN_TOKEN_REQUEST_PLURAL,
        body,
        fieldManager: this.fieldManager,
      }),
    );
  }

  getJoinTokenRequest(namespace: string, name: string): Promise<JoinTokenRequest | undefined> {
    return this.getOrUndefined({ verb: 'get', resource: JOIN_TOKEN_REQUESTS, namespace, name, custom: true }, () =>
      this.custom.getNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: JOIN_TOKEN_REQUEST_PLURAL, name }),
    );
  }

  async listJoinTokenRequests(namespace?: string, labelSelector?: string): Promise<JoinTokenRequest[]> {
    const ctx = { verb: 'list', resource: JOIN_TOKEN_REQUESTS, namespace, custom: true } as const;
    const list: KubeList<JoinTokenRequest> = await this.call(ctx, () =>
      namespace
        ? this.custom.listNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: JOIN_TOKEN_REQUEST_PLURAL, labelSelector })
        : this.custom.listClusterCustomObject({ group: GROUP, version: V1BETA2, plural: JOIN_TOKEN_REQUEST_PLURAL, labelSelector }),
    );
    return list.items ?? [];
  }

  async deleteJoinTokenRequest(namespace: string, name: string): Promise<void> {
    await this.call({ verb: 'delete', resource: JOIN_TOKEN_REQUESTS, namespace, name, custom: true }, () =>
      this.custom.deleteNamespacedCustomObject({ group: GROUP, version: V1BETA2, namespace, plural: JOIN_TOKEN_REQUEST_PLURAL, name }),
    );
  }

  /** The join token issued for a JoinTokenRequest (Secret `<jtr>`, key `token`); undefined until issued. */
  async readJoinToken(namespace: string, jtrName: string): Promise<string | undefined> {
    const secret = await this.getOrUndefined({ verb: 'get', resource: 'secrets', namespace, name: jtrName, custom: false }, () =>
      this.core.readNamespacedSecret({ namespace, name: jtrName }),
    );
    return decodeSecretValue(secret?.data, JOIN_TOKEN_SECRET_KEY);
  }

  /** The admin kubeconfig of a Cluster (Secret `<name>-kubeconfig`, key `value`); undefined until written. */
  async readKubeconfig(namespace: string, clusterName: string): Promise<string | undefined> {
    // Upstream never shortens this Secret's name.
    const name = `${clusterName}-kubeconfig`;
    const secret = await this.getOrUndefined({ verb: 'get', resource: 'secrets', namespace, name, custom: false }, () =>
      this.core.readNamespacedSecret({ namespace, name }),
    );
    return decodeSecretValue(secret?.data, KUBECONFIG_SECRET_KEY);
  }

  /** Events about one object, oldest first. */
  async listEvents(namespace: string, involvedName: string, involvedKind?: string): Promise<CoreV1Event[]> {
    const selector = [`involvedObject.name=${involvedName}`];
    if (involvedKind) selector.push(`involvedObject.kind=${involvedKind}`);
    const list = await this.call({ verb: 'list', resource: 'events', namespace, custom: false }, () =>
      this.core.listNamespacedEvent({ namespace, fieldSelector: selector.join(',') }),
    );
    return [...list.items].sort((a, b) => eventTime(a) - eventTime(b));
  }
}
