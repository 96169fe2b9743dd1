// The reconciler's extension point lives in @k0smotron/plugin-k0smotron-node, so modules need not
// depend on this package; re-exported for code that imports it from here.
export { k0smotronReconcilerExtensionPoint, type K0smotronReconcilerExtensionPoint } from '@k0smotron/plugin-k0smotron-node';
