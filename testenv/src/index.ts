// @k0smotron/testenv: a real local Kubernetes 1.20 cluster (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kubemark hollow nodes) for tests, the demo and benchmarks.
export { startTestCluster, type RestartOptions, type TestCluster, type TestClusterOptions } from './cluster';
export { binDir, kubectlPath, etcdPath, ensureBinaries, KUBERNETES_VERSION } from './binaries';
export { kubectl, type KubectlOptions, type KubectlResult } from './kubectl';
export { sharedTestCluster, createTestNamespace, testNamespaceName, TEST_NAMESPACE_LABEL, TEST_RUN_LABEL, type SharedTestCluster } from './shared';
export { STORAGE_CLASS } from './storage';
export {
  startChildApiServer,
  readChildApiPki,
  signLeafCert,
  signServingCert,
  K0S_BOOTSTRAP_RBAC,
  CHILD_CONTROLLERS,
  type ChildApiServer,
  type ChildApiServerOptions,
  type ChildApiPki,
} from './childApiServer';
export {
  joinWorker,
  bootstrapKubeletCertificate,
  readWorkerJoinToken,
  WorkerJoinError,
  WORKER_TOKEN_USER,
  KUBELET_CLIENT_SIGNER,
  type JoinWorkerOptions,
  type JoinedWorker,
  type KubeletCertificate,
  type WorkerJoinToken,
  type JoinStage,
} from './worker';
export { freePort, freePorts } from './ports';
export { eventually, poller, type Poll, type PollCheck, type PollOptions } from './eventually';
export { launchHeadlessChromium, CHROMIUM_PATH } from './browser';
