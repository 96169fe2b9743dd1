export { k0smotronApiRef } from './K0smotronApi';
export type { K0smotronApi, ClusterListFilter } from './K0smotronApi';
export { K0smotronClient, K0SMOTRON_BACKEND_PLUGIN_ID } from './K0smotronClient';
export { describeApiError } from './errors';
