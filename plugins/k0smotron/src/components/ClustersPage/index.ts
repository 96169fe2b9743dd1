export { K0smotronClustersPage, DEFAULT_CREATE_TEMPLATE_PATH } from './K0smotronClustersPage';
export type { K0smotronClustersPageProps } from './K0smotronClustersPage';
