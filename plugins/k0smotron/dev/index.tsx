import Grid from '@material-ui/core/Grid';
import CloudQueueIcon from '@material-ui/icons/CloudQueue';
import ExtensionIcon from '@material-ui/icons/Extension';
import { createDevApp } from '@backstage/dev-utils';
import { Content, Header, Page, SidebarItem, TabbedLayout } from '@backstage/core-components';
import { createApiFactory, createPlugin, createRoutableExtension } from '@backstage/core-plugin-api';
import { catalogApiRef, EntityProvider, entityRouteRef, useEntity } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { K0SMOTRON_CLUSTER_ANNOTATION, formatClusterAnnotation } from '@k0smotron/plugin-k0smotron-common';
import { useParams } from 'react-router-dom';
import { EntityK0smotronClusterCard, EntityK0smotronContent, K0smotronClustersPage, k0smotronApiRef, k0smotronPlugin } from '../src';
import { FixtureK0smotronApi } from './FixtureK0smotronApi';

// `npm start -w @k0smotron/plugin-k0smotron`: the card, the tab and the page against fixture
// data, no backend needed. Add `?readonly` to the URL to see what a user without write
// permissions sees.

const fixtureApi = new FixtureK0smotronApi();

const entities: Entity[] = fixtureApi.entityNames().map(({ ref, entityName }) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: entityName,
    namespace: 'default',
    title: ref.name,
    annotations: { [K0SMOTRON_CLUSTER_ANNOTATION]: formatClusterAnnotation(ref) },
  },
  spec: { type: 'kubernetes-cluster', owner: 'group:default/platform' },
}));

const readonly = new URLSearchParams(window.location.search).has('readonly');
const devPermissionApi = {
  async authorize(request: { permission: { name: string } }) {
    const allowed = !readonly || request.permission.name === 'k0smotron.cluster.read';
    return { result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
  },
};

function EntityView() {
  const { entity } = useEntity();
  return (
    <Page themeId="service">
      <Header title={entity.metadata.title ?? entity.metadata.name} subtitle="Dev stand-in for a catalog entity page" />
      <Content>
        <TabbedLayout>
          <TabbedLayout.Route path="/" title="Overview">
            <Grid container spacing={3}>
              <Grid item xs={12} md={6}>
                <EntityK0smotronClusterCard />
              </Grid>
            </Grid>
          </TabbedLayout.Route>
          <TabbedLayout.Route path="/k0smotron" title="Control plane">
            <EntityK0smotronContent />
          </TabbedLayout.Route>
        </TabbedLayout>
      </Content>
    </Page>
  );
}

/** Stands in for the catalog's entity page so links from the clusters page resolve. */
function DevEntityPage() {
  const { name = '' } = useParams();
  const entity = entities.find(e => e.metadata.name === name);
  return entity ? (
    <EntityProvider entity={entity}>
      <EntityView />
    </EntityProvider>
  ) : (
    <Page themeId="service">
      <Header title={`No fixture entity ${name}`} />
    </Page>
  );
}

const devCatalogPlugin = createPlugin({ id: 'dev-catalog' });
const DevEntityPageExtension = devCatalogPlugin.provide(
  createRoutableExtension({
    name: 'DevEntityPage',
    component: async () => DevEntityPage,
    mountPoint: entityRouteRef,
  }),
);

const demoEntity = entities[0];

createDevApp()
  .registerPlugin(k0smotronPlugin)
  .registerPlugin(devCatalogPlugin)
  .registerApi(createApiFactory({ api: k0smotronApiRef, deps: {}, factory: () => fixtureApi }))
  .registerApi(createApiFactory({ api: permissionApiRef, deps: {}, factory: () => devPermissionApi }))
  .registerApi(createApiFactory({ api: catalogApiRef, deps: {}, factory: () => new InMemoryCatalogClient({ entities }) }))
  .addPage({ path: '/k0smotron', title: 'Clusters', icon: CloudQueueIcon, element: <K0smotronClustersPage /> })
  .addSidebarItem(<SidebarItem to="/entity" text="Entity" icon={ExtensionIcon} />)
  .addPage({
    path: '/entity/*',
    element: (
      <EntityProvider entity={demoEntity}>
        <EntityView />
      </EntityProvider>
    ),
  })
  .addPage({ path: '/catalog/:namespace/:kind/:name/*', element: <DevEntityPageExtension /> })
  .render();
