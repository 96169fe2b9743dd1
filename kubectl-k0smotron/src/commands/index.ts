// Everything behind the command line: loaded only when a command runs (see ../lazy.ts), so
// `--help` never pays for the Kubernetes client.
export { runCreate } from './create';
export { runStatus } from './status';
export { runDescribe } from './describe';
export { runKubeconfig } from './kubeconfig';
export { runJoinTokenCreate, runJoinTokenList, runJoinTokenRevoke } from './jointoken';
export { runDelete, runScale, runUpgrade, runPause, runResume, runSleep, runWake } from './lifecycle';
export { runInstall, runUninstall } from './install';
export { completionNames } from './complete';
export { Session } from '../session';
export { loadKube } from '../kube';
export { K0smotronClient } from '@k0smotron/api/client';
