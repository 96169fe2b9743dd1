import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { ChildApiResolver } from './service/embeddedReconciler';

/**
 * Lets a backend module of the `k0smotron` plugin adjust the embedded reconciler, e.g. tell it
 * how to reach child API servers when the Pod network is not routable from Backstage.
 */
export interface K0smotronReconcilerExtensionPoint {
  setChildApiResolver(resolver: ChildApiResolver): void;
}

export const k0smotronReconcilerExtensionPoint = createExtensionPoint<K0smotronReconcilerExtensionPoint>({
  id: 'k0smotron.reconciler',
});
