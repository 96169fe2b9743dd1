// The controllers a default operator runs.
import type { TenantPolicy } from '@k0smotron/api';
import type { CronJobApiVersion } from './cluster/desired';
import { ChildApiAccess } from './childapi/access';
import { createFunctionalProbe, type FunctionalProbeOptions } from './childapi/probe';
import { childApiResolver, type ChildApiResolver } from './childapi/resolver';
import type { ControllerSpec, Logger } from './engine/contract';
import { clusterController } from './cluster/controller';
import { jointokenRequestController } from './jointoken/controller';
import { k0smotronClusterController } from './k0smotroncluster/controller';

export interface DefaultControllerOptions {
  /** How to reach a Cluster's own API server (join controllers); default in-cluster DNS. */
  childApi?: ChildApiResolver;
  log: Logger;
  /** What tenants may ask for (default: DEFAULT_TENANT_POLICY). */
  policy?: TenantPolicy;
  /** Probe periods (tests shorten the healthy recheck to see workers join sooner). */
  functionalProbe?: FunctionalProbeOptions;
  /** The CronJob API the cluster serves (startOperator asks); without it no defrag CronJob. */
  cronJobApiVersion?: CronJobApiVersion;
}

export interface DefaultClusterControllerOptions {
  /** How the functional probe reaches each Cluster's own API server, with which credentials. */
  access: ChildApiAccess;
  policy?: TenantPolicy;
  functionalProbe?: FunctionalProbeOptions;
  cronJobApiVersion?: CronJobApiVersion;
  /** The clock reconciles see (tests move it forward to reach certificate renewals). */
  now?: () => Date;
}

/**
 * The Cluster controller as the operator runs it, always with the ControlPlaneFunctional probe.
 * The Cluster integration tests build theirs with this too, so they see what production shows.
 */
export function defaultClusterController(opts: DefaultClusterControllerOptions): ControllerSpec {
  return clusterController({
    functionalProbe: createFunctionalProbe(opts.access, opts.functionalProbe),
    policy: opts.policy,
    cronJobApiVersion: opts.cronJobApiVersion,
    ...(opts.now ? { now: opts.now } : {}),
  });
}

export function defaultControllers(opts: DefaultControllerOptions): ControllerSpec[] {
  // One credential cache for everything that talks to child API servers. CA Secrets are read
  // through each reconcile's client (live reads: the informer cache holds no Secret data).
  const access = new ChildApiAccess({ resolver: opts.childApi ?? childApiResolver('auto') });
  return [
    defaultClusterController({ access, functionalProbe: opts.functionalProbe, policy: opts.policy, cronJobApiVersion: opts.cronJobApiVersion }),
    jointokenRequestController({ access, policy: opts.policy }),
    k0smotronClusterController(),
  ];
}
