// Node-only typed access to the k0smotron.io API (`@k0smotron/api/client`). Every failure is a
// K0smotronApiError whose reason tells what went wrong and whose message tells the fix.
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
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
import { KubeApi, type RequestOptions, type Verb } from '../kube/kubeApi';
import type { Wire } from '../kube/objects';
import { K0smotronApiError, toK0smotronApiError, type RequestContext } from './errors';

export { K0smotronApiError, toK0smotronApiError, INSTALL_CRDS_COMMAND } from './errors';
export type { K0smotronApiErrorReason, K0smotronApiErrorCause, RequestContext } from './errors';
// Every type of the root entry, so a consumer of `@k0smotron/api/client` can name what this
// entry's functions take and return without a second import.
export type * from '../index';
export type * from '../kube/index';
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
  /** Gives up a request after this long without an answer; 0 means never. Default 30 s. */
  requestTimeoutMs?: number;
  /** Called with the method and URL of each request as it goes out (a CLI's `-v 6`). */
  onSend?: (method: string, url: string) => void;
  /**
   * The request layer to send through, shared with the caller's other requests (its timeout and
   * logging then apply, and the two options above are not used); default: one of its own.
   */
  kubeApi?: KubeApi;
}

/** An Event as the API server sends it (times are RFC 3339 strings). */
export type KubeEvent = Wire<CoreV1Event>;

interface KubeList<T> {
  items?: T[];
}

const CLUSTERS = `${CLUSTER_PLURAL}.${GROUP}`;
const JOIN_TOKEN_REQUESTS = `${JOIN_TOKEN_REQUEST_PLURAL}.${GROUP}`;

/** The path of a collection (no name) or an object of one of our kinds. */
function customPath(version: string, plural: string, namespace?: string, name?: string): string {
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `/apis/${GROUP}/${version}${scope}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/** The path of a core (v1) object. */
function corePath(plural: string, namespace: string, name?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

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

function eventTime(e: KubeEvent): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

export class K0smotronClient {
  private readonly kc: KubeConfig;
  private readonly opts: K0smotronClientOptions;
  private kubeApi?: KubeApi;
  private readonly fieldManager: string;
  readonly server: string;

  constructor(kc: KubeConfig, opts: K0smotronClientOptions = {}) {
    this.kc = kc;
    this.opts = opts;
    this.kubeApi = opts.kubeApi;
    this.fieldManager = opts.fieldManager ?? FIELD_MANAGER;
    this.server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  }

  /** Closes the kept-alive connections of the client's own request layer (not of one passed in); later calls fail. */
  close(): void {
    if (this.kubeApi !== this.opts.kubeApi) this.kubeApi?.close();
  }

  /** Sends one request through the request layer; every failure becomes a K0smotronApiError. */
  private async send<T>(ctx: Omit<RequestContext, 'server'>, method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    try {
      // Made on first use: a kubeconfig without a current cluster fails the call, not the constructor.
      this.kubeApi ??= new KubeApi(this.kc, undefined, { requestTimeoutMs: this.opts.requestTimeoutMs, onSend: this.opts.onSend });
      return await this.kubeApi.request<T>(ctx.verb as Verb, ctx.resource, method, path, opts);
    } catch (err) {
      throw toK0smotronApiError(err, { ...ctx, server: this.server });
    }
  }

  /** Runs a get and turns an object NotFound into undefined (a missing CRD still throws). */
  private async getOrUndefined<T>(ctx: Omit<RequestContext, 'server'>, path: string): Promise<T | undefined> {
    try {
      return await this.send<T>(ctx, 'GET', path);
    } catch (err) {
      if (err instanceof K0smotronApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  async listClusters(namespace?: string, labelSelector?: string): Promise<Cluster[]> {
    const ctx = { verb: 'list', resource: CLUSTERS, namespace, custom: true } as const;
    const list = await this.send<KubeList<Cluster>>(ctx, 'GET', customPath(V1BETA2, CLUSTER_PLURAL, namespace), { query: { labelSelector } });
    return list.items ?? [];
  }

  getCluster(namespace: string, name: string): Promise<Cluster | undefined> {
    return this.getOrUndefined({ verb: 'get', resource: CLUSTERS, namespace, name, custom: true }, customPath(V1BETA2, CLUSTER_PLURAL, namespace, name));
  }

  /** Creates the Cluster at the version its apiVersion names (v1beta2 when empty). */
  async createCluster(cluster: Cluster, opts: { dryRun?: boolean } = {}): Promise<Cluster> {
    const namespace = requireNamespace(cluster, CLUSTER_KIND);
    const version = versionOf(cluster, CLUSTER_KIND);
    const body = { ...cluster, apiVersion: `${GROUP}/${version}`, kind: cluster.kind || CLUSTER_KIND };
    return this.send(
      { verb: 'create', resource: CLUSTERS, namespace, name: cluster.metadata?.name, custom: true },
      'POST',
      customPath(version, CLUSTER_PLURAL, namespace),
      {
        body,
        query: { fieldManager: this.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
      },
    );
  }

  /** RFC 7386 JSON merge patch of a Cluster (e.g. `{ spec: { replicas: 3 } }`). */
  patchCluster(namespace: string, name: string, mergePatch: object): Promise<Cluster> {
    return this.send({ verb: 'patch', resource: CLUSTERS, namespace, name, custom: true }, 'PATCH', customPath(V1BETA2, CLUSTER_PLURAL, namespace, name), {
      body: mergePatch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: this.fieldManager },
    });
  }

  async deleteCluster(namespace: string, name: string): Promise<void> {
    await this.send({ verb: 'delete', resource: CLUSTERS, namespace, name, custom: true }, 'DELETE', customPath(V1BETA2, CLUSTER_PLURAL, namespace, name));
  }

  async createJoinTokenRequest(jtr: JoinTokenRequest): Promise<JoinTokenRequest> {
    const namespace = requireNamespace(jtr, JOIN_TOKEN_REQUEST_KIND);
    const version = versionOf(jtr, JOIN_TOKEN_REQUEST_KIND);
    const body = { ...jtr, apiVersion: `${GROUP}/${version}`, kind: jtr.kind || JOIN_TOKEN_REQUEST_KIND };
    return this.send(
      { verb: 'create', resource: JOIN_TOKEN_REQUESTS, namespace, name: jtr.metadata?.name, custom: true },
      'POST',
      customPath(version, JOIN_TOKEN_REQUEST_PLURAL, namespace),
      { body, query: { fieldManager: this.fieldManager } },
    );
  }

  getJoinTokenRequest(namespace: string, name: string): Promise<JoinTokenRequest | undefined> {
    return this.getOrUndefined(
      { verb: 'get', resource: JOIN_TOKEN_REQUESTS, namespace, name, custom: true },
      customPath(V1BETA2, JOIN_TOKEN_REQUEST_PLURAL, namespace, name),
    );
  }

  async listJoinTokenRequests(namespace?: string, labelSelector?: string): Promise<JoinTokenRequest[]> {
    const ctx = { verb: 'list', resource: JOIN_TOKEN_REQUESTS, namespace, custom: true } as const;
    const list = await this.send<KubeList<JoinTokenRequest>>(ctx, 'GET', customPath(V1BETA2, JOIN_TOKEN_REQUEST_PLURAL, namespace), {
      query: { labelSelector },
    });
    return list.items ?? [];
  }

  async deleteJoinTokenRequest(namespace: string, name: string): Promise<void> {
    await this.send(
      { verb: 'delete', resource: JOIN_TOKEN_REQUESTS, namespace, name, custom: true },
      'DELETE',
      customPath(V1BETA2, JOIN_TOKEN_REQUEST_PLURAL, namespace, name),
    );
  }

  /** The join token issued for a JoinTokenRequest (Secret `<jtr>`, key `token`); undefined until issued. */
  async readJoinToken(namespace: string, jtrName: string): Promise<string | undefined> {
    const secret = await this.getOrUndefined<{ data?: Record<string, string> }>(
      { verb: 'get', resource: 'secrets', namespace, name: jtrName, custom: false },
      corePath('secrets', namespace, jtrName),
    );
    return decodeSecretValue(secret?.data, JOIN_TOKEN_SECRET_KEY);
  }

  /** The admin kubeconfig of a Cluster (Secret `<name>-kubeconfig`, key `value`); undefined until written. */
  async readKubeconfig(namespace: string, clusterName: string): Promise<string | undefined> {
    // Upstream never shortens this Secret's name.
    const name = `${clusterName}-kubeconfig`;
    const secret = await this.getOrUndefined<{ data?: Record<string, string> }>(
      { verb: 'get', resource: 'secrets', namespace, name, custom: false },
      corePath('secrets', namespace, name),
    );
    return decodeSecretValue(secret?.data, KUBECONFIG_SECRET_KEY);
  }

  /** Events about one object, oldest first. */
  async listEvents(namespace: string, involvedName: string, involvedKind?: string): Promise<KubeEvent[]> {
    const selector = [`involvedObject.name=${involvedName}`];
    if (involvedKind) selector.push(`involvedObject.kind=${involvedKind}`);
    const list = await this.send<KubeList<KubeEvent>>({ verb: 'list', resource: 'events', namespace, custom: false }, 'GET', corePath('events', namespace), {
      query: { fieldSelector: selector.join(',') },
    });
    return [...(list.items ?? [])].sort((a, b) => eventTime(a) - eventTime(b));
  }
}
