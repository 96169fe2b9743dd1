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
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { AuthorizeResult, type BasicPermission, type ResourcePermission } from '@backstage/plugin-permission-common';
import {
  API_VERSION,
  CLUSTER_KIND,
  CLUSTER_PHASES,
  formatGoDuration,
  clusterPolicyViolations,
  isClusterPhase,
  joinTokenDecision,
  controllerJoinStorage,
  type Cluster,
  type TenantPolicy,
} from '@k0smotron/api';
import { validateCluster } from '@k0smotron/api/validation';
import {
  CLUSTER_OWNER_KEY,
  type K0SMOTRON_CLUSTER_RESOURCE_TYPE,
  k0smotronClusterCreateAdvancedPermission,
  k0smotronClusterCreatePermission,
  k0smotronControllerJoinTokenCreatePermission,
  k0smotronClusterDeletePermission,
  k0smotronClusterReadPermission,
  k0smotronClusterUpdatePermission,
  k0smotronJoinTokenCreatePermission,
  k0smotronKubeconfigReadPermission,
  type ClusterListResponse,
  type ClusterSummary,
  type CreateClusterRequest,
  type CreateClusterResponse,
  type ManagementClusterListResponse,
  type ReconcilerStatusResponse,
  type SettingsResponse,
} from '@k0smotron/plugin-k0smotron-common';
import { ClusterPermissionEvaluator, type ClusterResource } from '../permissions/clusterPermissions';
import { checkOwnerClaim } from './ownerClaim';
import { redactUrlCredentials } from './redact';
import type { ManagementCluster, ManagementClustersService } from './managementClusters';
import { FieldValidationError, fieldErrorSummary, toHttpError } from './errors';
import { checkCreateClusterRequest, checkJoinTokenRequestBody, checkUpdateClusterRequest, unsafeCreateFields, updateToMergePatch } from './requestValidation';
import { cachedClusterSummary, compareSummaries, filterSummaries, toClusterDetails, toClusterSummary } from './summaries';
import { ClusterInspector } from './clusterInspector';
import { JoinTokenTimeoutError, issueJoinToken } from './joinTokens';
import { issueUserKubeconfig } from './userKubeconfig';
import { readClusterWorkers } from './workers';
import { withFreeNodePorts } from './nodePorts';
import { DEFAULT_USER_KUBECONFIG_LIFETIME_MS } from '@k0smotron/operator/pki';

export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  userInfo: UserInfoService;
  auditor: AuditorService;
  managementClusters: ManagementClustersService;
  kubeconfigAccessEnabled: boolean;
  /** Lifetime of the per-user kubeconfigs the kubeconfig route signs (default 8 h). */
  kubeconfigLifetimeMs?: number;
  /** How long a join-token request waits for the operator (default 30 s). */
  joinTokenTimeoutMs?: number;
  reconcilerStatus?: () => ReconcilerStatusResponse;
}

/** The Cluster a create request asks for (pure); `owner` is the already checked owner claim. */
export function desiredCluster(req: CreateClusterRequest, owner?: string): Cluster {
  const metadata: Cluster['metadata'] = { name: req.name, namespace: req.namespace };
  if (req.labels && Object.keys(req.labels).length) metadata.labels = req.labels;
  const annotations = { ...(req.annotations ?? {}), ...(owner ? { [CLUSTER_OWNER_KEY]: owner } : {}) };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return { apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata, spec: req.spec };
}

/** Tenant-policy violations as 400 field errors (`metadata.namespace` → `namespace`). */
function policyFieldErrors(namespace: string, spec: unknown, policy: TenantPolicy) {
  return clusterPolicyViolations(namespace, spec, policy).map(v => ({
    path: v.field === 'metadata.namespace' ? 'namespace' : v.field,
    message: v.message,
  }));
}

type ClusterPermission = ResourcePermission<typeof K0SMOTRON_CLUSTER_RESOURCE_TYPE>;

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, userInfo, auditor, managementClusters, logger } = options;
  const { policy } = managementClusters.config;
  const clusterPermissions = new ClusterPermissionEvaluator(permissions);
  const inspectors = new Map<string, ClusterInspector>();
  const inspectorOf = (mc: ManagementCluster) => {
    let i = inspectors.get(mc.name);
    if (!i) inspectors.set(mc.name, (i = new ClusterInspector(mc.objects)));
    return i;
  };

  /** 401 without user credentials. */
  async function userCredentials(req: express.Request): Promise<BackstageCredentials<BackstageUserPrincipal>> {
    return httpAuth.credentials(req, { allow: ['user'] });
  }

  /** 401 without user credentials, 403 when the basic permission is denied. */
  async function authorizeBasic(
    req: express.Request,
    permission: BasicPermission,
    credentials?: BackstageCredentials<BackstageUserPrincipal>,
  ): Promise<BackstageCredentials<BackstageUserPrincipal>> {
    const creds = credentials ?? (await userCredentials(req));
    const [decision] = await permissions.authorize([{ permission }], { credentials: creds });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`permission '${permission.name}' is required for ${req.method} ${req.path}`);
    }
    return creds;
  }

  /** 401 without user credentials, 403 when the policy denies the permission for every Cluster. */
  async function authorizeAny(req: express.Request, permission: ClusterPermission) {
    const credentials = await userCredentials(req);
    const decision = await clusterPermissions.decide(permission, credentials);
    if (decision.denied) {
      throw new NotAllowedError(`permission '${permission.name}' is required for ${req.method} ${req.path}`);
    }
    return { credentials, allows: decision.allows };
  }

  function resourceOf(mc: ManagementCluster, cluster: Pick<Cluster, 'metadata'>): ClusterResource {
    return {
      managementCluster: mc.name,
      namespace: cluster.metadata.namespace ?? '',
      name: cluster.metadata.name ?? '',
      owner: mc.ownerOf(cluster),
    };
  }

  /**
   * The Cluster of a route, checked against `permission`. A user who may not read the Cluster
   * gets the same 404 as for a missing one (its existence is not disclosed); one who may read it
   * but lacks `permission` gets a 403 naming the permission. The Cluster is read live.
   */
  async function authorizedTarget(
    req: express.Request,
    permission: ClusterPermission,
  ): Promise<{ mc: ManagementCluster; namespace: string; name: string; cluster: Cluster; credentials: BackstageCredentials<BackstageUserPrincipal> }> {
    const credentials = await userCredentials(req);
    const { namespace, name } = req.params;
    const mc = managementClusters.find(req.params.mc);
    const notFound = () => new NotFoundError(`Cluster ${namespace}/${name} not found in management cluster '${req.params.mc}'`);
    // Not served and unknown answer alike, and without listing what is configured.
    if (!mc || !mc.servesNamespace(namespace)) throw notFound();
    const read = await clusterPermissions.decide(k0smotronClusterReadPermission, credentials);
    // A user who may read nothing never makes Backstage call the management cluster.
    if (read.denied) throw notFound();
    const cluster = await liveCluster(mc, namespace, name).catch(err => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    const resource = resourceOf(mc, cluster ?? { metadata: { namespace, name } });
    if (!read.allows(resource) || !cluster) throw notFound();
    if (permission !== k0smotronClusterReadPermission) {
      await clusterPermissions.require(permission, credentials, resource, `${req.method} ${req.path}`);
    }
    return { mc, namespace, name, cluster, credentials };
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
  const listMemo = new Map<
    string,
    {
      items: Array<{ summary: ClusterSummary; resource: ClusterResource }>;
      errors: NonNullable<ClusterListResponse['errors']>;
      bodies: Map<string, { json: string; gzip?: Buffer }>;
    }
  >();

  router.get('/management-clusters', async (req, res) => {
    await authorizeAny(req, k0smotronClusterReadPermission);
    const body: ManagementClusterListResponse = {
      items: managementClusters.list().map(mc => (mc.namespaces ? { name: mc.name, namespaces: mc.namespaces } : { name: mc.name })),
    };
    res.json(body);
  });

  router.get('/settings', async (req, res) => {
    const credentials = await userCredentials(req);
    const create = await clusterPermissions.decide(k0smotronClusterCreatePermission, credentials);
    const body: SettingsResponse = {
      createAllowed: !create.denied,
      joinTokens: {
        maxExpiry: formatGoDuration(policy.maxJoinTokenExpiryMs),
        maxExpirySeconds: Math.floor(policy.maxJoinTokenExpiryMs / 1000),
        allowNeverExpiring: policy.allowNeverExpiringJoinTokens,
      },
    };
    res.json(body);
  });

  router.get('/reconciler', async (req, res) => {
    await authorizeAny(req, k0smotronClusterReadPermission);
    res.json(options.reconcilerStatus?.() ?? { enabled: false, items: [] });
  });

  router.get('/clusters', async (req, res) => {
    const { allows } = await authorizeAny(req, k0smotronClusterReadPermission);
    const q = req.query;
    const one = (v: unknown, key: string): string | undefined => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw new InputError(`query parameter '${key}' must be given once`);
      return v || undefined;
    };
    const mcName = one(q.managementCluster, 'managementCluster');
    const namespace = one(q.namespace, 'namespace');
    const phase = one(q.phase, 'phase');
    if (phase && !isClusterPhase(phase)) {
      throw new InputError(`query parameter 'phase' must be one of ${CLUSTER_PHASES.join(', ')} (got '${phase}')`);
    }
    const known = mcName ? managementClusters.find(mcName) : undefined;
    // An unknown management cluster is an empty list, like one the user may see nothing of.
    const targets = mcName ? (known ? [known] : []) : managementClusters.list();
    // The whole answer is built once per cache revision; the policy filter runs per request
    // over the memoized summaries, and the serialized body is memoized per visible set.
    const memoKey = JSON.stringify([mcName, namespace, phase, targets.map(mc => [mc.name, mc.cache.revision(), mc.cache.lastError()])]);
    let all = listMemo.get(memoKey);
    if (all === undefined) {
      const items: Array<{ summary: ClusterSummary; resource: ClusterResource }> = [];
      const errors: NonNullable<ClusterListResponse['errors']> = [];
      for (const mc of targets) {
        if (namespace && !mc.servesNamespace(namespace)) continue;
        const problem = mc.cache.lastError();
        if (problem) errors.push({ managementCluster: mc.name, message: problem });
        for (const c of mc.cache.list(namespace)) {
          const summary = cachedClusterSummary(mc.name, c);
          if (filterSummaries([summary], { namespace, phase }).length) items.push({ summary, resource: resourceOf(mc, c) });
        }
      }
      items.sort((a, b) => compareSummaries(a.summary, b.summary));
      all = { items, errors, bodies: new Map() };
      if (listMemo.size >= 32) listMemo.delete(listMemo.keys().next().value as string);
      listMemo.set(memoKey, all);
    }
    const visible = all.items.filter(i => allows(i.resource));
    // Errors name a management cluster: only shown to users who see something of it.
    const visibleClusters = new Set(visible.map(i => i.resource.managementCluster));
    const errors = all.errors.filter(e => visible.length === all!.items.length || visibleClusters.has(e.managementCluster));
    const bodyKey = visible.length === all.items.length ? '*' : visible.map(i => i.summary.uid).join(',');
    let cached = all.bodies.get(bodyKey);
    if (cached === undefined) {
      const body: ClusterListResponse = { items: visible.map(i => i.summary) };
      if (errors.length) body.errors = errors;
      cached = { json: JSON.stringify(body) };
      if (all.bodies.size >= 64) all.bodies.delete(all.bodies.keys().next().value as string);
      all.bodies.set(bodyKey, cached);
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
    const { mc, namespace, name, cluster } = await authorizedTarget(req, k0smotronClusterReadPermission);
    const inspector = inspectorOf(mc);
    try {
      const [ownedObjects, events, certificates] = await Promise.all([
        inspector.ownedObjects(cluster),
        mc.client.listEvents(namespace, name, CLUSTER_KIND),
        inspector.certificates(cluster),
      ]);
      // The spec may hold a kine data source URL with its password, events may quote URLs.
      res.json(redactUrlCredentials(toClusterDetails(mc.name, cluster, { ownedObjects, events, certificates })));
    } catch (err) {
      throw toHttpError(err, mc.name);
    }
  });

  // The child's Nodes, read live from its API server (5 s at most). Reading them needs only
  // read permission on the Cluster: names, versions and addresses of machines, no credentials.
  router.get('/clusters/:mc/:namespace/:name/workers', async (req, res) => {
    const { mc, cluster, credentials } = await authorizedTarget(req, k0smotronClusterReadPermission);
    try {
      const body = await readClusterWorkers({
        objects: mc.objects,
        managementCluster: mc.name,
        cluster,
        user: credentials.principal.userEntityRef,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.json(body);
    } catch (err) {
      throw toHttpError(err, mc.name);
    }
  });

  router.post('/clusters/:mc', async (req, res) => {
    const { credentials, allows } = await authorizeAny(req, k0smotronClusterCreatePermission);
    const mc = managementClusters.find(req.params.mc);
    if (!mc) throw new NotFoundError(`unknown management cluster '${req.params.mc}'`);
    const checked = checkCreateClusterRequest(req.body);
    if (!checked.ok) throw new FieldValidationError(`invalid cluster request: ${fieldErrorSummary(checked.errors)}`, checked.errors);
    const request = checked.value;
    if (!mc.servesNamespace(request.namespace)) {
      const errors = [{ path: 'namespace', message: `'${request.namespace}' is not served by management cluster '${mc.name}'` }];
      throw new FieldValidationError(fieldErrorSummary(errors), errors);
    }
    const unsafe = unsafeCreateFields(request);
    if (unsafe.length) {
      await authorizeBasic(req, k0smotronClusterCreateAdvancedPermission, credentials).catch(err => {
        if (!(err instanceof NotAllowedError)) throw err;
        throw new NotAllowedError(
          `permission '${k0smotronClusterCreateAdvancedPermission.name}' is required to set ${unsafe.join(', ')}; ` +
            'without it a Cluster takes replicas, version, service, externalAddress, storage (etcd size/class or a kine Secret), labels and owner',
        );
      });
    }
    const owner = await checkOwnerClaim(userInfo, credentials, request.owner);
    const asked = desiredCluster(request, owner);
    const resource = resourceOf(mc, asked);
    if (!allows(resource)) {
      throw new NotAllowedError(
        `permission '${k0smotronClusterCreatePermission.name}' is required to create a Cluster owned by ${resource.owner} in namespace '${request.namespace}' of management cluster '${mc.name}'`,
      );
    }
    const validation = validateCluster(asked);
    if (!validation.ok) {
      throw new FieldValidationError(`invalid cluster: ${fieldErrorSummary(validation.errors)}`, validation.errors);
    }
    // The operator refuses the same things later; asking first spares a Cluster stuck in Degraded.
    const violations = policyFieldErrors(request.namespace, asked.spec, policy);
    if (violations.length) {
      throw new FieldValidationError(`the tenant policy does not allow this Cluster: ${fieldErrorSummary(violations)}`, violations);
    }
    // After every check of the request as the user wrote it: reading Services is not wasted on a
    // refused request, and a port the user gave is never replaced. Never fails: without Services
    // to read it asks for the defaults and says so.
    const { cluster, nodePorts } = await withFreeNodePorts(mc, asked);
    if (nodePorts) logger.info(`Cluster ${request.namespace}/${request.name} in '${mc.name}': ${nodePorts.message}`);
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
      const body: CreateClusterResponse = { ...toClusterSummary(mc.name, created), ...(nodePorts ? { nodePorts } : {}) };
      res.status(201).json(body);
    } catch (err) {
      const httpErr = toHttpError(err, mc.name);
      await audit.fail({ error: httpErr });
      throw httpErr;
    }
  });

  router.patch('/clusters/:mc/:namespace/:name', async (req, res) => {
    const { mc, namespace, name, credentials } = await authorizedTarget(req, k0smotronClusterUpdatePermission);
    const checked = checkUpdateClusterRequest(req.body);
    if (!checked.ok) throw new FieldValidationError(`invalid update: ${fieldErrorSummary(checked.errors)}`, checked.errors);
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
    const { mc, namespace, name, credentials } = await authorizedTarget(req, k0smotronClusterDeletePermission);
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
    const { mc, namespace, name, cluster, credentials } = await authorizedTarget(req, k0smotronJoinTokenCreatePermission);
    const checked = checkJoinTokenRequestBody(req.body);
    if (!checked.ok) throw new FieldValidationError(`invalid join token request: ${fieldErrorSummary(checked.errors)}`, checked.errors);
    if (checked.value.role === 'controller') {
      await clusterPermissions.require(k0smotronControllerJoinTokenCreatePermission, credentials, resourceOf(mc, cluster), 'a controller join token');
    }
    // The JoinTokenRequest is written in the Cluster's namespace; the operator's policy decides
    // the same question again before it issues anything.
    const decision = joinTokenDecision(
      {
        requestNamespace: namespace,
        role: checked.value.role,
        expiry: checked.value.expiry,
        // The kine URL of a Secret is not read here; the operator reads it and decides.
        cluster: { namespace, name, annotations: cluster.metadata.annotations, storage: controllerJoinStorage(cluster.spec) },
      },
      policy,
    );
    if (!decision.allowed) {
      const path = decision.field === 'spec.expiry' ? 'expiry' : decision.field === 'spec.role' ? 'role' : decision.field;
      const errors = [{ path, message: decision.message.replace('spec.expiry', 'expiry') }];
      const what = decision.reason === 'StorageNotJoinable' ? "the Cluster's storage does not allow" : 'the tenant policy does not allow';
      throw new FieldValidationError(`${what} this join token: ${fieldErrorSummary(errors)}`, errors);
    }
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
    if (!options.kubeconfigAccessEnabled) {
      await userCredentials(req);
      throw new NotFoundError('the kubeconfig route is disabled; an admin can enable it with k0smotron.kubeconfigAccess.enabled: true');
    }
    const { mc, namespace, name, credentials } = await authorizedTarget(req, k0smotronKubeconfigReadPermission);
    const audit = await auditor.createEvent({
      eventId: 'kubeconfig-read',
      severityLevel: 'high',
      request: req,
      meta: { managementCluster: mc.name, namespace, name, actor: credentials.principal.userEntityRef },
    });
    try {
      const cluster = await liveCluster(mc, namespace, name);
      const kubeconfig = await issueUserKubeconfig({
        objects: mc.objects,
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
      res
        .status(400)
        .json({ error: { name: 'InputError', message: 'the body is not valid JSON' }, fieldErrors: [{ path: '', message: 'the body is not valid JSON' }] });
      return;
    }
    next(err);
  });

  return router;
}
