import { ApiBlueprint, PageBlueprint, createFrontendPlugin, createRouteRef, discoveryApiRef, fetchApiRef } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint, EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import CloudQueueIcon from '@material-ui/icons/CloudQueue';
import { K0SMOTRON_CLUSTER_ANNOTATION } from '@k0smotron/plugin-k0smotron-common';
import { K0smotronClient, k0smotronApiRef } from './api';
import { isK0smotronClusterAvailable } from './components/useK0smotronCluster';

// The k0smotron plugin for the new frontend system (`createApp` of @backstage/frontend-defaults):
// install it with `features: [k0smotronPlugin]` and its API, card, tab and page are all there.

/** Route of the clusters page (`/k0smotron`). */
export const k0smotronRootRouteRef = createRouteRef();

export const k0smotronApi = ApiBlueprint.make({
  params: define =>
    define({
      api: k0smotronApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new K0smotronClient({ discoveryApi, fetchApi }),
    }),
});

/** Entity card on the overview of entities with the `k0smotron.io/cluster` annotation. */
export const k0smotronClusterEntityCard = EntityCardBlueprint.make({
  name: 'cluster',
  params: {
    filter: isK0smotronClusterAvailable,
    type: 'info',
    loader: () => import('./components/ClusterCard').then(m => <m.EntityK0smotronClusterCard />),
  },
});

/** Entity tab "Control plane" on the same entities. */
export const k0smotronClusterEntityContent = EntityContentBlueprint.make({
  name: 'cluster',
  params: {
    path: '/k0smotron',
    title: 'Control plane',
    filter: isK0smotronClusterAvailable,
    loader: () => import('./components/ClusterContent').then(m => <m.EntityK0smotronContent />),
  },
});

/** The page of every cluster across management clusters. */
export const k0smotronClustersPage = PageBlueprint.make({
  params: {
    path: '/k0smotron',
    title: 'k0smotron',
    icon: <CloudQueueIcon />,
    routeRef: k0smotronRootRouteRef,
    loader: () => import('./components/ClustersPage').then(m => <m.K0smotronClustersPage noHeader />),
  },
});

const k0smotronPlugin = createFrontendPlugin({
  pluginId: 'k0smotron',
  title: 'k0smotron',
  icon: <CloudQueueIcon />,
  info: { packageJson: () => import('../package.json') },
  routes: { root: k0smotronRootRouteRef },
  extensions: [k0smotronApi, k0smotronClusterEntityCard, k0smotronClusterEntityContent, k0smotronClustersPage],
});

export default k0smotronPlugin;
export { k0smotronApiRef, K0SMOTRON_CLUSTER_ANNOTATION, isK0smotronClusterAvailable };
export type { K0smotronApi, ClusterListFilter } from './api';
