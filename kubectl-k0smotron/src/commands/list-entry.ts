// Entry of the `list` bundle (see ../lazy.ts): the list command and a Session without the typed
// client, whose kubeconfig loading pulls in client-node's KubeConfig only.
import { loadKube } from '../kube';
import { Session, type GlobalFlags, type Io } from '../session';

export { runList } from './list';

export function newSession(flags: GlobalFlags, io: Io): Session {
  return new Session(flags, io, { loadKube });
}
