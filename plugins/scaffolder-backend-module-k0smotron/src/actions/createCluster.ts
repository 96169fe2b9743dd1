import type { BackstageCredentials, BackstageUserPrincipal, PermissionsService, UserInfoService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  clusterEndpoint,
  clusterPhase,
  clusterPolicyViolations,
  DNS1123_LABEL_PATTERN,
  K0S_VERSION_PATTERN,
  MAX_CLUSTER_NAME_LENGTH,
  type Cluster,
} from '@k0smotron/api';
import { validateCluster } from '@k0smotron/api/validation';
import { K0smotronApiError } from '@k0smotron/api/client';
import { CLUSTER_OWNER_KEY, clusterEntityRef, formatClusterAnnotation, k0smotronClusterCreatePermission } from '@k0smotron/plugin-k0smotron-common';
import type { ManagementCluster, ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import { SCAFFOLDER_TASK_ANNOTATION, clusterFromInput, kubeconfigSecretName, type ClusterCreateInput } from './clusterFromInput';

export interface ActionDeps {
  managementClusters: ManagementClustersService;
  permissions: PermissionsService;
  userInfo: UserInfoService;
}

/** The management cluster named by an input, or the only/first configured one. */
export function pickManagementCluster(svc: ManagementClustersService, name: string | undefined): ManagementCluster {
  if (name) {
    const mc = svc.find(name);
    // Not listing the configured clusters: the user may not be allowed to see them all.
    if (!mc) throw new InputError(`managementCluster '${name}' is not configured`);
    return mc;
  }
  return svc.list()[0];
}

/** The task's initiator; actions act for a user only (the owner check needs one). */
export async function initiatorUser(ctx: { getInitiatorCredentials(): Promise<BackstageCredentials> }) {
  const credentials = await ctx.getInitiatorCredentials();
  if ((credentials.principal as { type?: string }).type !== 'user') {
    throw new NotAllowedError('k0smotron actions run for the user who started the task; this task has no user');
  }
  return credentials as BackstageCredentials<BackstageUserPrincipal>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>(resolve => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export function createK0smotronClusterCreateAction(deps: ActionDeps) {
  return createTemplateAction({
    id: 'k0smotron:cluster:create',
    description: 'Creates a k0smotron control plane (a k0smotron.io Cluster) and optionally waits until it is Available.',
    supportsDryRun: true,
    examples: [
      {
        description: 'A three-controller control plane exposed with NodePort, owned by a team',
        example: [
          'steps:',
          '  - id: cluster',
          '    action: k0smotron:cluster:create',
          '    input:',
          '      namespace: team-a',
          '      name: web',
          '      replicas: 3',
          '      serviceType: NodePort',
          '      owner: group:default/team-a',
          '      wait: true',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        managementCluster: z => z.string().optional().describe('Configured management cluster; default the first'),
        namespace: z => z.string().regex(new RegExp(DNS1123_LABEL_PATTERN)).default('default').describe('Namespace of the Cluster'),
        name: z =>
          z.string().max(MAX_CLUSTER_NAME_LENGTH).regex(new RegExp(DNS1123_LABEL_PATTERN), 'lowercase letters, digits and -').describe('Name of the Cluster'),
        replicas: z => z.number().int().min(0).max(99).default(1).describe('Controllers (0 = asleep)'),
        version: z => z.string().regex(new RegExp(K0S_VERSION_PATTERN)).optional().describe('k0s version, e.g. v1.30.2-k0s.0'),
        serviceType: z => z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP').describe('How the API is exposed'),
        apiPort: z =>
          z.number().int().min(1).max(65535).optional().describe('API port (NodePort number for NodePort; without it a free NodePort pair is chosen)'),
        konnectivityPort: z => z.number().int().min(1).max(65535).optional().describe('Konnectivity port'),
        externalAddress: z => z.string().optional().describe('Host name or IP workers use to reach the API'),
        storageType: z => z.enum(['etcd', 'kine']).default('etcd').describe('Datastore'),
        kineDataSourceSecretName: z => z.string().optional().describe('Secret with the kine data source URL (storage kine)'),
        etcdStorageSize: z => z.string().optional().describe('Size of each etcd volume, e.g. 1Gi'),
        etcdStorageClass: z => z.string().optional().describe('StorageClass of the etcd volumes'),
        owner: z => z.string().optional().describe('Catalog owner, e.g. group:default/team-a'),
        system: z => z.string().optional().describe('Catalog system'),
        labels: z => z.record(z.string()).optional().describe('Labels of the Cluster'),
        wait: z => z.boolean().default(false).describe('Wait until the control plane is Available'),
        timeoutSeconds: z => z.number().int().min(10).max(3600).default(600).describe('How long to wait'),
      },
      output: {
        clusterRef: z => z.string().describe('<managementCluster>/<namespace>/<name>'),
        endpoint: z => z.string().optional().describe('API URL, once exposed'),
        apiPort: z => z.number().optional().describe('NodePort of the API of a NodePort Cluster created without ports (a free one was chosen)'),
        konnectivityPort: z => z.number().optional().describe('NodePort of konnectivity of such a Cluster'),
        kubeconfigSecretName: z => z.string().describe('Secret holding the admin kubeconfig (key value)'),
        entityRef: z => z.string().describe('Catalog entity of the Cluster'),
      },
    },
    async handler(ctx) {
      const raw = ctx.input as ClusterCreateInput;
      /** The ports of a NodePort Cluster whose pair Backstage chose (not of one the user gave). */
      const outputNodePorts = (cluster: Cluster) => {
        const service = cluster.spec?.service;
        if (raw.serviceType !== 'NodePort' || raw.apiPort !== undefined || raw.konnectivityPort !== undefined) return;
        if (service?.apiPort !== undefined) ctx.output('apiPort', service.apiPort);
        if (service?.konnectivityPort !== undefined) ctx.output('konnectivityPort', service.konnectivityPort);
      };
      const mc = pickManagementCluster(deps.managementClusters, raw.managementCluster);
      if (!mc.servesNamespace(raw.namespace)) {
        throw new InputError(`namespace '${raw.namespace}' is not served by management cluster '${mc.name}'`);
      }
      if (raw.storageType === 'kine' && !raw.kineDataSourceSecretName) {
        throw new InputError('kineDataSourceSecretName is required with storageType kine (a Secret with key K0SMOTRON_KINE_DATASOURCE_URL)');
      }
      if (raw.labels && CLUSTER_OWNER_KEY in raw.labels) {
        throw new InputError(`label ${CLUSTER_OWNER_KEY} cannot be set; use the owner input, which is checked`);
      }
      // The same checks as the REST create: the owner is the user or one of the user's groups,
      // the policy's decision on the Cluster about to be written, and the tenant policy.
      const credentials = await initiatorUser(ctx);
      const input: ClusterCreateInput = { ...raw, owner: await deps.managementClusters.checkOwnerClaim(deps.userInfo, credentials, raw.owner) };
      const asked = clusterFromInput(input, ctx.task.id);
      await deps.managementClusters
        .permissionEvaluator(deps.permissions)
        .require(
          k0smotronClusterCreatePermission,
          credentials,
          { managementCluster: mc.name, namespace: input.namespace, name: input.name, owner: mc.ownerOf(asked) },
          `creating Cluster ${input.namespace}/${input.name} in management cluster '${mc.name}'`,
        );
      const validation = validateCluster(asked);
      if (!validation.ok) {
        throw new InputError(`invalid cluster: ${validation.errors.map(e => `${e.path}: ${e.message}`).join('; ')}`);
      }
      const violations = clusterPolicyViolations(input.namespace, asked.spec, deps.managementClusters.policy);
      if (violations.length) {
        throw new InputError(`the tenant policy does not allow this Cluster: ${violations.map(v => `${v.field}: ${v.message}`).join('; ')}`);
      }
      // A NodePort Cluster without ports gets a free pair (NodePorts are cluster-wide); a port the
      // user gave is kept.
      const { cluster: desired, nodePorts } = await mc.withFreeNodePorts(asked);
      const ref = { managementCluster: mc.name, namespace: input.namespace, name: input.name };
      const clusterRef = formatClusterAnnotation(ref);
      ctx.output('clusterRef', clusterRef);
      ctx.output('kubeconfigSecretName', kubeconfigSecretName(input.name));
      ctx.output('entityRef', clusterEntityRef(ref));

      if (ctx.isDryRun) {
        // Server-side dry run: the API server validates and defaults, nothing is stored.
        await mc.client.createCluster(desired, { dryRun: true });
        ctx.logger.info(`dry run: Cluster ${clusterRef} would be created${nodePorts ? `; ${nodePorts.message}` : ''}`);
        outputNodePorts(desired);
        return;
      }

      await ctx.checkpoint({
        key: `k0smotron.cluster.create.${clusterRef}`,
        fn: async () => {
          try {
            const created = await mc.client.createCluster(desired);
            ctx.logger.info(`created Cluster ${clusterRef}${nodePorts ? `; ${nodePorts.message}` : ''}`);
            return created.metadata.uid ?? '';
          } catch (err) {
            // A retry after a crash between create and checkpoint: adopt our own Cluster.
            if (err instanceof K0smotronApiError && err.reason === 'Conflict') {
              const existing = await mc.client.getCluster(input.namespace, input.name);
              if (existing?.metadata.annotations?.[SCAFFOLDER_TASK_ANNOTATION] === ctx.task.id) {
                ctx.logger.info(`Cluster ${clusterRef} was already created by this task; continuing`);
                return existing.metadata.uid ?? '';
              }
              throw new InputError(`Cluster ${clusterRef} already exists; pick another name`);
            }
            throw err;
          }
        },
      });

      // From the Cluster as stored: a retried task adopts the Cluster it created before, whose
      // pair was chosen then, not the one chosen now.
      const current = await mc.client.getCluster(input.namespace, input.name);
      if (current) outputNodePorts(current);
      if (!input.wait) {
        // Derived from the spec for a Cluster upstream k0smotron manages (no status.endpoint there).
        const endpoint = current && clusterEndpoint(current);
        if (endpoint) ctx.output('endpoint', endpoint.url);
        return;
      }
      const ready = await waitForAvailable(mc, input.namespace, input.name, input.timeoutSeconds * 1000, ctx.logger, ctx.signal);
      const endpoint = clusterEndpoint(ready);
      if (endpoint) ctx.output('endpoint', endpoint.url);
    },
  });
}

async function waitForAvailable(
  mc: ManagementCluster,
  namespace: string,
  name: string,
  timeoutMs: number,
  logger: { info(m: string): void },
  signal?: AbortSignal,
): Promise<Cluster> {
  const started = Date.now();
  let lastReport = -Infinity;
  for (;;) {
    const cluster = await mc.client.getCluster(namespace, name);
    if (!cluster) throw new Error(`Cluster ${namespace}/${name} disappeared while waiting for it`);
    const phase = clusterPhase(cluster);
    if (phase === 'Available') {
      logger.info(`Cluster ${namespace}/${name} is Available after ${Math.round((Date.now() - started) / 1000)} s`);
      return cluster;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs || signal?.aborted) {
      const why = (cluster.status?.conditions ?? [])
        .filter(c => c.status !== 'True')
        .map(c => `${c.type}: ${c.reason} ${c.message}`.trim())
        .join('; ');
      throw new Error(
        `Cluster ${namespace}/${name} is still ${phase} after ${Math.round(elapsed / 1000)} s${why ? ` (${why})` : ''}; ` +
          'raise timeoutSeconds or check the operator',
      );
    }
    if (elapsed - lastReport >= 10_000) {
      lastReport = elapsed;
      logger.info(
        `waiting for Cluster ${namespace}/${name}: ${phase}, ${cluster.status?.readyReplicas ?? 0}/${cluster.spec?.replicas ?? 1} controllers ready (${Math.round(elapsed / 1000)} s)`,
      );
    }
    await sleep(2_000, signal);
  }
}
