export { JoinWorkerDialog, JOIN_TOKEN_EXPIRIES } from './JoinWorkerDialog';
export type { JoinWorkerDialogProps } from './JoinWorkerDialog';
