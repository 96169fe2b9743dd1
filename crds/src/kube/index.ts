// Node-only: the one layer every Kubernetes request of k0smotron goes through
// (`@k0smotron/api/kube`). The operator's controllers and its child API client, the typed
// k0smotron.io client the kubectl plugin and Backstage use, and the CLI's fast `list` all send
// through KubeApi, so timeouts, TLS, errors and request counts behave the same everywhere.
export { KubeApi, ApiError, isNotFound, isConflict, isAborted, networkErrorReason, writeRequests, WRITE_VERBS, DEFAULT_REQUEST_TIMEOUT_MS } from './kubeApi';
export type { ApiErrorReason, GroupVersionKind, KubeApiOptions, RequestOptions, ResourceInfo, Verb, WatchEventHandler } from './kubeApi';
export { KubeObjects, builtinPath } from './objects';
export type { ListObjectsOptions, WriteObjectOptions, Wire } from './objects';
export { BUILTIN_RESOURCES, builtinResource } from './builtins';
export type { BuiltinKind, BuiltinKinds, BuiltinResource } from './builtins';
