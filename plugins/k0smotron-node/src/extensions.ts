import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { Cluster } from '@k0smotron/api';

// The types of the embedded reconciler's options a module may set. The backend plugin hands them
// to the operator unchanged, so its type check fails if they ever stop matching the operator's.

/** Where the reconciler reaches a Cluster's own API server. */
export interface ChildApiTarget {
  /** https URL of the child's API server (no trailing slash). */
  server: string;
  /** TLS server name to verify when it differs from the URL's host. */
  tlsServerName?: string;
  /** How it was found, for messages. */
  via: string;
}

/** Finds a Cluster's own API server; undefined while its address is not known. */
export interface ChildApiResolver {
  resolve(cluster: Cluster): ChildApiTarget | undefined;
}

/** How often and how patiently the reconciler asks a healthy child for its state. */
export interface FunctionalProbeOptions {
  timeoutMs?: number;
  healthyPeriodMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Lets a backend module of the `k0smotron` plugin adjust the embedded reconciler, e.g. tell it
 * how to reach child API servers when the Pod network is not routable from Backstage.
 */
export interface K0smotronReconcilerExtensionPoint {
  setChildApiResolver(resolver: ChildApiResolver): void;
  /**
   * How often the reconciler asks a healthy child for its state and worker count (default every
   * 60 s). A demo sets a few seconds so a joined worker shows on the card promptly.
   */
  setFunctionalProbeOptions(options: FunctionalProbeOptions): void;
}

export const k0smotronReconcilerExtensionPoint = createExtensionPoint<K0smotronReconcilerExtensionPoint>({
  id: 'k0smotron.reconciler',
});
