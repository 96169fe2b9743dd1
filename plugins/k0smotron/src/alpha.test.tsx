import { screen } from '@testing-library/react';
import { ApiBlueprint, coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester, mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider, catalogApiRef } from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint, EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { SWRConfig } from 'swr';
import { clusterDetailsFixture } from './__fixtures__/clusters';
import { DEFAULT_SETTINGS, clusterEntity, mockK0smotronApi } from './testing/render';
import k0smotronPlugin, { k0smotronApi, k0smotronApiRef, k0smotronClusterEntityCard, k0smotronClusterEntityContent, k0smotronClustersPage } from './alpha';

function permissions(deny: string[] = []) {
  return mockApis.permission({
    authorize: r => (deny.includes(r.permission.name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW),
  });
}

describe('new frontend system plugin', () => {
  it('has the k0smotron id and all four extensions', () => {
    expect(k0smotronPlugin.pluginId).toBe('k0smotron');
    // Extension ids are <kind>:<plugin>[/<name>]; apps use them to configure or disable one.
    expect(k0smotronPlugin.getExtension('entity-card:k0smotron/cluster')).toBeDefined();
    expect(k0smotronPlugin.getExtension('entity-content:k0smotron/cluster')).toBeDefined();
    expect(k0smotronPlugin.getExtension('page:k0smotron')).toBeDefined();
    expect(k0smotronPlugin.getExtension('api:k0smotron')).toBeDefined();
  });

  it('provides the API factory', () => {
    const factory = createExtensionTester(k0smotronApi).get(ApiBlueprint.dataRefs.factory);
    expect(factory.api.id).toBe(k0smotronApiRef.id);
  });

  it('shows the card only on entities with the annotation, and renders it', async () => {
    const tester = createExtensionTester(k0smotronClusterEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
    expect(filter?.(clusterEntity())).toBe(true);
    expect(filter?.(clusterEntity(null))).toBe(false);

    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    renderInTestApp(
      <SWRConfig value={{ provider: () => new Map() }}>
        <EntityProvider entity={clusterEntity()}>{tester.reactElement()}</EntityProvider>
      </SWRConfig>,
      {
        apis: [
          [k0smotronApiRef, api],
          [permissionApiRef, permissions()],
        ],
      },
    );
    expect(await screen.findByText('k0smotron control plane')).toBeInTheDocument();
    expect(await screen.findByText('3/3 ready')).toBeInTheDocument();
  });

  it('mounts the tab at /k0smotron and hides actions without permission', async () => {
    const tester = createExtensionTester(k0smotronClusterEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('/k0smotron');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Control plane');

    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    renderInTestApp(
      <SWRConfig value={{ provider: () => new Map() }}>
        <EntityProvider entity={clusterEntity()}>{tester.reactElement()}</EntityProvider>
      </SWRConfig>,
      {
        apis: [
          [k0smotronApiRef, api],
          [permissionApiRef, permissions(['k0smotron.cluster.delete', 'k0smotron.jointoken.create'])],
        ],
      },
    );
    expect(await screen.findByRole('button', { name: 'Scale' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Join a worker' })).not.toBeInTheDocument();
  });

  it('renders the clusters page at /k0smotron', async () => {
    const tester = createExtensionTester(k0smotronClustersPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/k0smotron');

    const api = mockK0smotronApi({
      listClusters: async () => ({ items: [clusterDetailsFixture({ name: 'web' })] }),
      // The backend's answer to a user the policy denies create.
      getSettings: async () => ({ ...DEFAULT_SETTINGS, createAllowed: false }),
    });
    renderInTestApp(<SWRConfig value={{ provider: () => new Map() }}>{tester.reactElement()}</SWRConfig>, {
      apis: [
        [k0smotronApiRef, api],
        [permissionApiRef, permissions(['k0smotron.cluster.create'])],
        [catalogApiRef, catalogApiMock()],
      ],
    });
    expect(await screen.findByText('Control planes (1)')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create' })).not.toBeInTheDocument();
  });
});
