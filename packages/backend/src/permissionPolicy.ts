import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { AuthorizeResult, type PolicyDecision } from '@backstage/plugin-permission-common';
import { type PermissionPolicy, type PolicyQuery } from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';

/**
 * The demo's policy: everything is allowed except the permissions named in
 * `k0smotron.demo.deniedPermissions` (e.g. `k0smotron.cluster.create`), so the demo and the
 * browser tests can show what a user without a permission sees.
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  constructor(private readonly denied: ReadonlySet<string>) {}

  async handle(request: PolicyQuery): Promise<PolicyDecision> {
    return {
      result: this.denied.has(request.permission.name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
    };
  }
}

export const demoPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'k0smotron-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        const denied = config.getOptionalStringArray('k0smotron.demo.deniedPermissions') ?? [];
        policy.setPolicy(new DemoPermissionPolicy(new Set(denied)));
      },
    });
  },
});
