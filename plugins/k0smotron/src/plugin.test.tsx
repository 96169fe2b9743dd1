import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { clusterDetailsFixture } from './__fixtures__/clusters';
import { clusterEntity, mockK0smotronApi, renderWithApis } from './testing/render';
import {
  EntityK0smotronClusterCard,
  EntityK0smotronContent,
  K0smotronClustersPage,
  isK0smotronClusterAvailable,
  k0smotronPlugin,
  k0smotronApiRef,
} from './index';

describe('legacy plugin exports', () => {
  it('is the k0smotron plugin and provides its API', () => {
    expect(k0smotronPlugin.getId()).toBe('k0smotron');
    expect([...k0smotronPlugin.getApis()].map(f => f.api.id)).toEqual([k0smotronApiRef.id]);
  });

  it('tells entities with the annotation apart', () => {
    expect(isK0smotronClusterAvailable(clusterEntity())).toBe(true);
    expect(isK0smotronClusterAvailable(clusterEntity(null))).toBe(false);
  });

  it('lazy-loads the card and the tab', async () => {
    const api = mockK0smotronApi({
      getCluster: async () => clusterDetailsFixture(),
      listClusters: async () => ({ items: [] }),
    });
    await renderWithApis(
      <>
        <EntityK0smotronClusterCard />
        <EntityK0smotronContent />
      </>,
      { api, entity: clusterEntity(), extraApis: [[catalogApiRef, catalogApiMock()]] },
    );
    expect(await screen.findByText('k0smotron control plane')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Conditions' })).toBeInTheDocument();
  });

  it('lazy-loads the page where the app routes it', async () => {
    const api = mockK0smotronApi({ listClusters: async () => ({ items: [] }) });
    await renderWithApis(
      <Routes>
        <Route path="/*" element={<K0smotronClustersPage />} />
      </Routes>,
      { api, extraApis: [[catalogApiRef, catalogApiMock()]] },
    );
    expect(await screen.findByText('k0smotron clusters')).toBeInTheDocument();
    expect(await screen.findByText('No control planes yet.')).toBeInTheDocument();
  });
});
