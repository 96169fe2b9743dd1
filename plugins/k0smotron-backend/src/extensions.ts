import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { ChildApiResolver, FunctionalProbeOptions } from './service/embeddedReconciler';

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
