import { createApiFactory, createComponentExtension, createPlugin, createRoutableExtension, discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import type { JSX } from 'react';
import { K0smotronClient, k0smotronApiRef } from './api';
import type { EntityK0smotronClusterCardProps } from './components/ClusterCard';
import type { EntityK0smotronContentProps } from './components/ClusterContent';
import type { K0smotronClustersPageProps } from './components/ClustersPage';
import { rootRouteRef } from './routes';

/** The k0smotron frontend plugin for the legacy frontend system (`createApp` of app-defaults). */
export const k0smotronPlugin = createPlugin({
  id: 'k0smotron',
  routes: { root: rootRouteRef },
  apis: [
    createApiFactory({
      api: k0smotronApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new K0smotronClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/** Entity card: status at a glance of the entity's k0smotron Cluster. */
export const EntityK0smotronClusterCard: (props: EntityK0smotronClusterCardProps) => JSX.Element = k0smotronPlugin.provide(
  createComponentExtension({
    name: 'EntityK0smotronClusterCard',
    component: { lazy: () => import('./components/ClusterCard').then(m => m.EntityK0smotronClusterCard) },
  }),
);

/** Entity tab: conditions, owned objects, events, certificates and the actions. */
export const EntityK0smotronContent: (props: EntityK0smotronContentProps) => JSX.Element | null = k0smotronPlugin.provide(
  createComponentExtension({
    name: 'EntityK0smotronContent',
    component: { lazy: () => import('./components/ClusterContent').then(m => m.EntityK0smotronContent) },
  }),
);

/** Page listing every Cluster of every management cluster. */
export const K0smotronClustersPage: (props: K0smotronClustersPageProps) => JSX.Element = k0smotronPlugin.provide(
  createRoutableExtension({
    name: 'K0smotronClustersPage',
    component: () => import('./components/ClustersPage').then(m => m.K0smotronClustersPage),
    mountPoint: rootRouteRef,
  }),
);
