import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  DEFAULT_JOIN_TOKEN_FILE,
  DNS1123_LABEL_PATTERN,
  GO_DURATION_PATTERN,
  JOIN_TOKEN_SECRET_KEY,
  workerJoinCommands,
  joinTokenDecision,
} from '@k0smotron/api';
import {
  formatClusterAnnotation,
  k0smotronClusterReadPermission,
  k0smotronControllerJoinTokenCreatePermission,
  k0smotronJoinTokenCreatePermission,
} from '@k0smotron/plugin-k0smotron-common';
import { initiatorUser, pickManagementCluster, type ActionDeps } from './createCluster';

/**
 * Issues a join token through a JoinTokenRequest. Task outputs are stored by the scaffolder,
 * so the token itself is not an output: the outputs name the Secret that holds it and give
 * commands that read it from a file the operator of the machine puts in place.
 */
export function createK0smotronJoinTokenCreateAction(deps: ActionDeps) {
  return createTemplateAction({
    id: 'k0smotron:jointoken:create',
    description: 'Requests a k0s join token for a k0smotron Cluster and waits (≤ 30 s) until it is issued.',
    supportsDryRun: true,
    schema: {
      input: {
        managementCluster: z => z.string().optional().describe('Configured management cluster; default the first'),
        namespace: z => z.string().regex(new RegExp(DNS1123_LABEL_PATTERN)).default('default'),
        name: z => z.string().regex(new RegExp(DNS1123_LABEL_PATTERN)).describe('Name of the Cluster'),
        role: z => z.enum(['worker', 'controller']).default('worker'),
        expiry: z => z.string().regex(new RegExp(GO_DURATION_PATTERN), 'a duration such as 1h or 24h').default('24h'),
      },
      output: {
        joinTokenRequestName: z => z.string(),
        tokenSecretName: z => z.string().describe(`Secret (key ${JOIN_TOKEN_SECRET_KEY}) with the token, in the Cluster's namespace`),
        expiresAt: z => z.string().optional(),
        commands: z => z.array(z.string()).describe(`Join commands reading the token from ${DEFAULT_JOIN_TOKEN_FILE}`),
      },
    },
    async handler(ctx) {
      const { namespace, name, role, expiry } = ctx.input;
      const mc = pickManagementCluster(deps.managementClusters, ctx.input.managementCluster);
      if (!mc.servesNamespace(namespace)) {
        throw new InputError(`namespace '${namespace}' is not served by management cluster '${mc.name}'`);
      }
      const credentials = await initiatorUser(ctx);
      const evaluator = deps.managementClusters.permissionEvaluator(deps.permissions);
      const cluster = await mc.client.getCluster(namespace, name);
      const resource = { managementCluster: mc.name, namespace, name, owner: mc.ownerOf(cluster ?? { metadata: { namespace, name } }) };
      const clusterRef = formatClusterAnnotation(resource);
      // As in the REST API: a Cluster the user may not read is "not found", whether it exists or not.
      const canRead = (await evaluator.decide(k0smotronClusterReadPermission, credentials)).allows(resource);
      if (!cluster || !canRead) {
        if (ctx.isDryRun && canRead) {
          ctx.logger.info(`dry run: Cluster ${namespace}/${name} does not exist yet; a join token would be requested once it does`);
          return;
        }
        throw new InputError(`Cluster ${clusterRef} not found`);
      }
      await evaluator.require(k0smotronJoinTokenCreatePermission, credentials, resource, `a join token for ${clusterRef}`);
      if (role === 'controller') {
        await evaluator.require(k0smotronControllerJoinTokenCreatePermission, credentials, resource, `a controller join token for ${clusterRef}`);
      }
      const decision = joinTokenDecision(
        { requestNamespace: namespace, role, expiry, cluster: { namespace, name, annotations: cluster.metadata.annotations } },
        deps.managementClusters.policy,
      );
      if (!decision.allowed) throw new InputError(`the tenant policy does not allow this join token: ${decision.message}`);
      const commands = workerJoinCommands({ tokenFile: DEFAULT_JOIN_TOKEN_FILE, role, k0sVersion: cluster.status?.version ?? cluster.spec?.version });
      if (ctx.isDryRun) {
        ctx.logger.info(`dry run: a ${role} join token (expiry ${expiry}) would be requested for ${namespace}/${name}`);
        ctx.output('commands', commands);
        return;
      }
      const issued = await ctx.checkpoint({
        key: `k0smotron.jointoken.create.${mc.name}/${namespace}/${name}.${ctx.step?.id ?? 'step'}`,
        fn: async () => {
          const r = await mc.issueJoinToken({
            cluster,
            body: { role, expiry },
            requestedBy: ctx.user?.ref,
            signal: ctx.signal,
            onProgress: m => ctx.logger.info(m),
          });
          ctx.logger.info(`join token issued: JoinTokenRequest ${namespace}/${r.joinTokenRequestName}`);
          return { name: r.joinTokenRequestName, expiresAt: r.expiresAt ?? null };
        },
      });
      ctx.output('joinTokenRequestName', issued.name);
      ctx.output('tokenSecretName', issued.name);
      if (issued.expiresAt) ctx.output('expiresAt', issued.expiresAt);
      ctx.output('commands', commands);
    },
  });
}
