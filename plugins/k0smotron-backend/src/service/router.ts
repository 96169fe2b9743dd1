import { gzipSync } from 'node:zlib';
import express from 'express';
import Router from 'express-promise-router';
import type {
  AuditorService,
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { AuthorizeResult, type BasicPermission } from '@backstage/plugin-permission-common';
import { API_VERSION, CLUSTER_KIND, validateCluster, type Cluster } from '@k0smotron/api';
import {
  k0smotronClusterCreatePermission,
  k0smotronClusterDeletePermission,
  k0smotronClusterReadPermission,
  k0smotronClusterUpdatePermission,
  k0smotronJoinTokenCreatePermission,
  k0smotronKubeconfigReadPermission,
  type ClusterListResponse,
  type ClusterSummary,
  type CreateClusterRequest,
  type ManagementClusterListResponse,
  type ReconcilerStatusResponse,
} from '@k0smotron/plugin-k0smotron-common';
import type { ManagementCluster, ManagementClustersService } from './managementClusters';
import { FieldValidationError, fieldErrorSummary, toHttpError } from './errors';
import {
  checkCreateClusterRequest,
  checkJoinTokenRequestBody,
  checkUpdateClusterRequest,
  updateToMergePatch,
} from './requestValidation';
import { cachedClusterSummary, compareSummaries, filterSummaries, toClusterDetails, toClusterSummary } from './summaries';
import { ClusterInspector } from './clusterInspector';
import { JoinTokenTimeoutError, issueJoinToken } from './joinTokens';
import { issueUserKubeconfig } from './userKubeconfig';
import { DEFAULT_USER_KUBECONFIG_LIFETIME_MS } from '@k0smotron/operator/pki';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  managementClusters: ManagementClustersService;
  kubeconfigAccessEnabled: boolean;
  /** Lifetime of the per-user kubeconfigs the kubeconfig route signs (default 8 h). */
  kubeconfigLifetimeMs?: number;
  /** How long a join-token request waits for the operator (default 30 s). */
  joinTokenTimeoutMs?: number;
  reconcilerStatus?: () => ReconcilerStatusResponse;
}

const PHASES = ['Available', 'Progressing', 'Sleeping', 'Paused', 'Degraded', 'Deleting'];

/** The Cluster a create request asks for (pure). */
export function desiredCluster(req: CreateClusterRequest): Cluster {
  const metadata: Cluster['metadata'] = { name: req.name, namespace: req.namespace };
  if (req.labels && Object.keys(req.labels).length) metadata.labels = req.labels;
  if (req.annotations && Object.keys(req.annotations).length) metadata.annotations = req.annotations;
  return { apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata, spec: req.spec };
}

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, auditor, managementClusters, logger } = options;
  const inspectors = new Map<string, ClusterInspector>();
  const inspectorOf = (mc: ManagementCluster) => {
    let i = inspectors.get(mc.name);
    if (!i) inspectors.set(mc.name, (i = new ClusterInspector(mc.kubeConfig)));
    return i;
  };

  /** 401 without user credentials, 403 when the permission is denied. */
  async function authorize(
    req: express.Request,
    permission: BasicPermission,
  ): Promise<BackstageCredentials<BackstageUserPrincipal>> {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const [decision] = await permissions.authorize([{ permission }], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`permission '${permission.name}' is required for ${req.method} ${req.path}`);
    }
    return credentials;
  }

  /** The management cluster of a route, and the namespace if it serves it (else 404). */
  function target(req: express.Request): { mc: ManagementCluster; namespace: string; name: string } {
    const mc = managementClusters.get(req.params.mc);
    const { namespace, name } = req.params;
    if (!mc.servesNamespace(namespace)) {
      throw new NotFoundError(`management cluster '${mc.name}' does not serve namespace '${namespace}' (served: ${mc.namespaces?.join(', ')})`);
    }
    return { mc, namespace, name };
  }

  async function liveCluster(mc: ManagementCluster, namespace: string, name: string): Promise<Cluster> {
    let cluster: Cluster | undefined;
    try {
      cluster = await mc.client.getCluster(namespace, name);
    } catch (err) {
      throw toHttpError(err, mc.name);
    }
    if (!cluster) throw new NotFoundError(`Cluster ${namespace}/${name} not found in management cluster '${mc.name}'`);
    return cluster;
  }

  const router = Router();
  router.use(express.json({ limit: '1mb' }));
  const listMemo = new Map<string, { json: string; gzip?: Buffer }>();

  router.get('/management-clusters', async (req, res) => {
    await authorize(req, k0smotronClusterReadPermission);
    const body: ManagementClusterListResponse = {
      items: managementClusters.list().map(mc => (mc.namespaces ? { name: mc.name, namespaces: mc.namespaces } : { name: mc.name })),
    };
    res.json(body);
  });

  router.get('/reconciler', async (req, res) => {
    await authorize(req, k0smotronClusterReadPermission);
    res.json(options.reconcilerStatus?.() ?? { enabled: false, items: [] });
  });

  router.get('/clusters', async (req, res) => {
    await authorize(req, k0smotronClusterReadPermission);
    const q = req.query;
    const one = (v: unknown, key: string): string | undefined => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw new InputError(`query parameter '${key}' must be given once`);
      return v || undefined;
    };
    const mcName = one(q.managementCluster, 'managementCluster');
    const namespace = one(q.namespace, 'namespace');
    const phase = one(q.phase, 'phase');
    if (phase && !PHASES.includes(phase)) {
      throw new InputError(`query parameter 'phase' must be one of ${PHASES.join(', ')} (got '${phase}')`);
    }
    const targets = mcName ? [managementClusters.get(mcName)] : managementClusters.list();
    // The serialized answer is reused until a watch event changes one of the caches.
    const memoKey = JSON.stringify([mcName, namespace, phase, targets.map(mc => [mc.name, mc.cache.revision(), mc.cache.lastError()])]);
    let cached = listMemo.get(memoKey);
    if (cached === undefined) {
      const body: ClusterListResponse = { items: [] };
      for (const mc of targets) {
        if (namespace && !mc.servesNamespace(namespace)) continue;
        const problem = mc.cache.lastError();
        if (problem) (body.errors ??= []).push({ managementCluster: mc.name, message: problem });
        const summaries = mc.cache.list(namespace).map(c => cachedClusterSummary(mc.name, c));
        body.items.push(...filterSummaries(summaries, { namespace, phase }));
      }
      body.items.sort(compareSummaries);
      cached = { json: JSON.stringify(body) };
      if (listMemo.size >= 32) listMemo.delete(listMemo.keys().next().value as string);
      listMemo.set(memoKey, cached);
    }
    res.type('application/json');
    res.vary('Accept-Encoding');
    // Compressing a 1000-cluster list costs more than building it: compress once per revision
    // (the root router's compression leaves an already-encoded body alone).
    if (cached.json.length > 32 * 1024 && req.acceptsEncodings('gzip')) {
      cached.gzip ??= gzipSync(cached.json);
      res.setHeader('Content-Encoding', 'gzip');
      res.send(cached.gzip);
      return;
    }
    res.send(cached.json);
  });

  router.get('/clusters/:mc/:namespace/:name', async (req, res) => {
    await authorize(req, k0smotronClusterReadPermission);
    const { mc, namespace, name } = target(req);
    const cluster = await liveCluster(mc, namespace, name);
    const inspector = inspectorOf(mc);
    try {
      const [ownedObjects, events, certificates] = await Promise.all([
        inspector.ownedObjects(cluster),
        mc.client.listEvents(namespace, name, CLUSTER_KIND),
        inspector.certificates(cluster),
      ]);
      res.json(toClusterDetails(mc.name, cluster, { ownedObjects, events, certificates }));
    } catch (err) {
      throw toHttpError(err, mc.name);
    }
  });

  router.post('/clusters/:mc', async (req, res) => {
    const credentials = await authorize(req, k0smotronClusterCreatePermission);
    const mc = managementClusters.get(req.params.mc);
    const checked = checkCreateClusterRequest(req.body);
    if (!checked.ok) throw new FieldValidationError(`invalid cluster request: ${fieldErrorSummary(checked.errors)}`, checked.errors);
    const request = checked.value;
    if (!mc.servesNamespace(request.namespace)) {
      const errors = [{ path: 'namespace', message: `'${request.namespace}' is not served by management cluster '${mc.name}'; use one of ${mc.namespaces?.join(', ')}` }];
      throw new FieldValidationError(fieldErrorSummary(errors), errors);
    }
    const cluster = desiredCluster(request);
    const validation = validateCluster(cluster);
    if (!validation.ok) {
      throw new FieldValidationError(`invalid cluster: ${fieldErrorSummary(validation.errors)}`, validation.errors);
    }
    const audit = await auditor.createEvent({
      eventId: 'cluster-create',
      severityLevel: 'medium',
      request: req,
      meta: { managementCluster: mc.name, namespace: request.namespace, name: request.name, actor: credentials.principal.userEntityRef },
    });
    try {
      const created = await mc.client.createCluster(cluster);
      await audit.success();
      logger.info(`created Cluster ${request.namespace}/${request.name} in '${mc.name}' for ${credentials.principal.userEntityRef}`);
      const summary: ClusterSummary = toClusterSummary(mc.name, created);
      res.status(201).json(summary);
    } catch (err) {
      const httpErr = toHttpError(err, mc.name);
      await audit.fail({ error: httpErr });
      throw httpErr;
    }
  });

  router.patch('/clusters/:mc/:namespace/:name', async (req, res) => {
    const credentials = await authorize(req, k0smotronClusterUpdatePermission);
    const { mc, namespace, name } = target(req);
    const checked = checkUpdateClusterRequest(req.body);
    if (!checked.ok) throw new FieldValidationError(`invalid update: ${fieldErrorSummary(checked.errors)}`, checked.errors);
    await liveCluster(mc, namespace, name);
    const audit = await auditor.createEvent({
      eventId: 'cluster-update',
      severityLevel: 'medium',
      request: req,
      meta: { managementCluster: mc.name, namespace, name, actor: credentials.principal.userEntityRef, change: { ...checked.value } },
    });
    try {
      const patched = await mc.client.patchCluster(namespace, name, updateToMergePatch(checked.value));
      await audit.success();
      res.json(toClusterSummary(mc.name, patched));
    } catch (err) {
      const httpErr = toHttpError(err, mc.name);
      await audit.fail({ error: httpErr });
      throw httpErr;
    }
  });

  router.delete('/clusters/:mc/:namespace/:name', async (req, res) => {
    const credentials = await authorize(req, k0smotronClusterDeletePermission);
    const { mc, namespace, name } = target(req);
    const audit = await auditor.createEvent({
      eventId: 'cluster-delete',
      severityLevel: 'high',
      request: req,
      meta: { managementCluster: mc.name, namespace, name, actor: credentials.principal.userEntityRef },
    });
    try {
      await mc.client.deleteCluster(namespace, name);
      await audit.success();
      logger.info(`deleting Cluster ${namespace}/${name} in '${mc.name}' for ${credentials.principal.userEntityRef}`);
      res.status(202).json({ managementCluster: mc.name, namespace, name, phase: 'Deleting' });
    } catch (err) {
      const httpErr = toHttpError(err, mc.name);
      await audit.fail({ error: httpErr });
      throw httpErr;
    }
  });

  router.post('/clusters/:mc/:namespace/:name/join-tokens', async (req, res) => {
    const credentials = await authorize(req, k0smotronJoinTokenCreatePermission);
    const { mc, namespace, name } = target(req);
    const checked = checkJoinTokenRequestBody(req.body);
    if (!checked.ok) throw new FieldValidationError(`invalid join token request: ${fieldErrorSummary(checked.errors)}`, checked.errors);
    const cluster = await liveCluster(mc, namespace, name);
    const audit = await auditor.createEvent({
      eventId: 'join-token-create',
      severityLevel: 'high',
      request: req,
      meta: { managementCluster: mc.name, namespace, name, role: checked.value.role, expiry: checked.value.expiry, actor: credentials.principal.userEntityRef },
    });
    try {
      const { joinTokenRequestName, ...response } = await issueJoinToken({
        client: mc.client,
        cluster,
        body: checked.value,
        requestedBy: credentials.principal.userEntityRef,
        timeoutMs: options.joinTokenTimeoutMs,
        onProgress: m => logger.info(m),
      });
      await audit.success({ meta: { joinTokenRequest: joinTokenRequestName, expiresAt: response.expiresAt ?? 'never' } });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(response);
    } catch (err) {
      const httpErr = err instanceof JoinTokenTimeoutError ? new ServiceUnavailableError(err.message) : toHttpError(err, mc.name);
      await audit.fail({ error: httpErr });
      throw httpErr;
    }
  });

  router.get('/clusters/:mc/:namespace/:name/kubeconfig', async (req, res) => {
    const credentials = await authorize(req, k0smotronKubeconfigReadPermission);
    if (!options.kubeconfigAccessEnabled) {
      throw new NotFoundError('the kubeconfig route is disabled; an admin can enable it with k0smotron.kubeconfigAccess.enabled: true');
    }
    const { mc, namespace, name } = target(req);
    const audit = await auditor.createEvent({
      eventId: 'kubeconfig-read',
      severityLevel: 'high',
      request: req,
      meta: { managementCluster: mc.name, namespace, name, actor: credentials.principal.userEntityRef },
    });
    try {
      const cluster = await liveCluster(mc, namespace, name);
      const kubeconfig = await issueUserKubeconfig({
        kubeConfig: mc.kubeConfig,
        managementCluster: mc.name,
        cluster,
        user: credentials.principal.userEntityRef,
        lifetimeMs: options.kubeconfigLifetimeMs ?? DEFAULT_USER_KUBECONFIG_LIFETIME_MS,
      });
      await audit.success({ meta: { subject: kubeconfig.user, groups: kubeconfig.groups, expiresAt: kubeconfig.notAfter.toISOString() } });
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.kubeconfig"`);
      res.type('text/yaml').send(kubeconfig.yaml);
    } catch (err) {
      const httpErr = toHttpError(err, mc.name);
      await audit.fail({ error: httpErr });
      throw httpErr;
    }
  });

  // Field errors need their own body; everything else goes to Backstage's error handler.
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (err instanceof FieldValidationError) {
      res.status(400).json(err.toResponse());
      return;
    }
    if (err instanceof SyntaxError && (err as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: { name: 'InputError', message: 'the body is not valid JSON' }, fieldErrors: [{ path: '', message: 'the body is not valid JSON' }] });
      return;
    }
    next(err);
  });

  return router;
}
