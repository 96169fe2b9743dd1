export * from './crypto';
export * from './cluster-pki';
export * from './kubeconfig';
export * from './limiter';
export * from './user-kubeconfig';
