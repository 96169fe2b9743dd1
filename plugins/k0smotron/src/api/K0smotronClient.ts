import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ClusterDetails,
  ClusterListResponse,
  ClusterWorkersResponse,
  ClusterRef,
  ClusterSummary,
  CreateClusterRequest,
  CreateClusterResponse,
  JoinTokenRequestBody,
  JoinTokenResponse,
  ManagementClusterInfo,
  SettingsResponse,
  ManagementClusterListResponse,
  UpdateClusterRequest,
} from '@k0smotron/plugin-k0smotron-common';
import type { ClusterListFilter, K0smotronApi } from './K0smotronApi';

/** The backend plugin id: its routes are served under `/api/k0smotron`. */
export const K0SMOTRON_BACKEND_PLUGIN_ID = 'k0smotron';

function clusterPath(ref: ClusterRef): string {
  return [ref.managementCluster, ref.namespace, ref.name].map(encodeURIComponent).join('/');
}

/**
 * A ResponseError that keeps the backend's message and field errors. Backstage's error handler
 * sends `{ error, response }`; the k0smotron router's 400s send `{ error, fieldErrors }` without
 * `response`, which ResponseError would otherwise flatten into one opaque string.
 */
async function toResponseError(response: Response): Promise<ResponseError> {
  const text = await response.text();
  let body = text;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown }; response?: unknown };
    if (parsed && typeof parsed.error?.message === 'string' && !parsed.response) {
      body = JSON.stringify({ ...parsed, response: { statusCode: response.status } });
    }
  } catch {
    // Not JSON: ResponseError keeps the text as the message.
  }
  return ResponseError.fromResponse(new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers }));
}

/** Talks to the k0smotron backend plugin; failed calls throw a `ResponseError`. */
export class K0smotronClient implements K0smotronApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getSettings(): Promise<SettingsResponse> {
    return this.requestJson('GET', '/settings');
  }

  async listManagementClusters(): Promise<ManagementClusterInfo[]> {
    const body = await this.requestJson<ManagementClusterListResponse>('GET', '/management-clusters');
    return body.items;
  }

  listClusters(filter: ClusterListFilter = {}): Promise<ClusterListResponse> {
    const query = new URLSearchParams();
    for (const key of ['managementCluster', 'namespace', 'phase'] as const) {
      const value = filter[key];
      if (value) query.set(key, value);
    }
    const qs = query.toString();
    return this.requestJson('GET', `/clusters${qs ? `?${qs}` : ''}`);
  }

  getCluster(ref: ClusterRef): Promise<ClusterDetails> {
    return this.requestJson('GET', `/clusters/${clusterPath(ref)}`);
  }

  getWorkers(ref: ClusterRef): Promise<ClusterWorkersResponse> {
    return this.requestJson('GET', `/clusters/${clusterPath(ref)}/workers`);
  }

  createCluster(managementCluster: string, request: CreateClusterRequest): Promise<CreateClusterResponse> {
    return this.requestJson('POST', `/clusters/${encodeURIComponent(managementCluster)}`, request);
  }

  updateCluster(ref: ClusterRef, patch: UpdateClusterRequest): Promise<ClusterSummary> {
    return this.requestJson('PATCH', `/clusters/${clusterPath(ref)}`, patch);
  }

  async deleteCluster(ref: ClusterRef): Promise<void> {
    await this.request('DELETE', `/clusters/${clusterPath(ref)}`);
  }

  createJoinToken(ref: ClusterRef, request: JoinTokenRequestBody): Promise<JoinTokenResponse> {
    return this.requestJson('POST', `/clusters/${clusterPath(ref)}/join-tokens`, request);
  }

  async getKubeconfig(ref: ClusterRef): Promise<string> {
    const response = await this.request('GET', `/clusters/${clusterPath(ref)}/kubeconfig`);
    // The backend may answer with the YAML itself or wrap it as `{ kubeconfig }`.
    if (response.headers.get('content-type')?.includes('application/json')) {
      const body = (await response.json()) as { kubeconfig?: unknown };
      if (typeof body.kubeconfig !== 'string') {
        throw new Error('The kubeconfig response has no "kubeconfig" string field');
      }
      return body.kubeconfig;
    }
    return response.text();
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl(K0SMOTRON_BACKEND_PLUGIN_ID);
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await toResponseError(response);
    return response;
  }

  private async requestJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    return (await response.json()) as T;
  }
}
