import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import type { Entity } from '@backstage/catalog-model';
import type { ClusterListResponse, ClusterSummary } from '@k0smotron/plugin-k0smotron-common';
import { clusterDetailsFixture } from '../../__fixtures__/clusters';
import { mockK0smotronApi, renderWithApis } from '../../testing/render';
import { K0smotronClustersPage, filterClusters } from './K0smotronClustersPage';

function summary(opts: Parameters<typeof clusterDetailsFixture>[0]): ClusterSummary {
  const { spec, status, ownedObjects, events, certificates, ...rest } = clusterDetailsFixture(opts);
  return rest;
}

const clusters: ClusterSummary[] = [
  summary({ name: 'web', namespace: 'team-a', phase: 'Available' }),
  summary({ name: 'batch', namespace: 'team-b', phase: 'Progressing' }),
  summary({ name: 'edge', namespace: 'team-a', phase: 'Degraded', managementCluster: 'eu' }),
];

const webEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'local-team-a-web', namespace: 'default', annotations: { 'k0smotron.io/cluster': 'local/team-a/web' } },
  spec: { type: 'kubernetes-cluster', owner: 'group:default/platform' },
};

async function renderPage(options: { list?: ClusterListResponse; deny?: string[]; listError?: Error } = {}) {
  const api = mockK0smotronApi({
    listClusters: async () => {
      if (options.listError) throw options.listError;
      return options.list ?? { items: clusters };
    },
  });
  const catalogApi = catalogApiMock({ entities: [webEntity] });
  await renderWithApis(<K0smotronClustersPage />, {
    api,
    deny: options.deny,
    extraApis: [[catalogApiRef, catalogApi]],
    mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
  });
  return api;
}

function rowOf(name: string): HTMLElement {
  return screen.getByText(name).closest('tr') as HTMLElement;
}

async function choose(label: string, option: string) {
  const user = userEvent.setup();
  const filters = screen.getByRole('search', { name: 'Filter clusters' });
  await user.click(within(filters).getByRole('button', { name: new RegExp(`^${label}`) }));
  await user.click(await screen.findByRole('option', { name: option }));
}

describe('K0smotronClustersPage', () => {
  it('lists every cluster of every management cluster, linking those in the catalog', async () => {
    await renderPage();

    expect(await screen.findByText('Control planes (3)')).toBeInTheDocument();
    const web = rowOf('web');
    expect(web).toHaveTextContent('local');
    expect(web).toHaveTextContent('team-a');
    expect(web).toHaveTextContent('Available');
    expect(web).toHaveTextContent('3/3');
    expect(web).toHaveTextContent('v1.30.2-k0s.0');
    expect(within(web).getByRole('link', { name: 'web' })).toHaveAttribute('href', '/catalog/default/resource/local-team-a-web');
    // Not (yet) in the catalog: shown, but not linked.
    expect(within(rowOf('batch')).queryByRole('link')).not.toBeInTheDocument();
    expect(rowOf('edge')).toHaveTextContent('eu');
    expect(within(rowOf('edge')).getByLabelText('Status error', { selector: 'span' })).toBeInTheDocument();
  });

  it('filters by phase, namespace and management cluster', async () => {
    await renderPage();
    await screen.findByText('Control planes (3)');

    await choose('Phase', 'Progressing');
    expect(await screen.findByText('Control planes (1)')).toBeInTheDocument();
    expect(screen.getByText('batch')).toBeInTheDocument();
    expect(screen.queryByText('web')).not.toBeInTheDocument();

    await choose('Phase', 'All');
    await choose('Namespace', 'team-a');
    expect(await screen.findByText('Control planes (2)')).toBeInTheDocument();
    expect(screen.queryByText('batch')).not.toBeInTheDocument();

    await choose('Management cluster', 'eu');
    expect(await screen.findByText('Control planes (1)')).toBeInTheDocument();
    expect(screen.getByText('edge')).toBeInTheDocument();

    await choose('Phase', 'Available');
    expect(await screen.findByText('No control plane matches these filters.')).toBeInTheDocument();
  });

  it('links Create to the Software Template for users who may create', async () => {
    await renderPage();
    // A MUI button rendered as a router link: role button, but a real href.
    const create = await screen.findByRole('button', { name: 'Create' });
    expect(create).toHaveAttribute('href', '/create/templates/default/k0smotron-cluster');
  });

  it('hides Create without the create permission', async () => {
    await renderPage({ deny: ['k0smotron.cluster.create'] });
    await screen.findByText('Control planes (3)');
    expect(screen.queryByRole('link', { name: 'Create' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create' })).not.toBeInTheDocument();
  });

  it('shows management clusters that could not be read next to the rest', async () => {
    await renderPage({
      list: { items: clusters.slice(0, 1), errors: [{ managementCluster: 'eu', message: 'connect ECONNREFUSED' }] },
    });
    expect(await screen.findByText(/Some management clusters could not be read/)).toBeInTheDocument();
    expect(screen.getByText(/connect ECONNREFUSED/)).toBeInTheDocument();
    expect(screen.getByText('Control planes (1)')).toBeInTheDocument();
    // One management cluster listed: no filter for it.
    const filters = screen.getByRole('search', { name: 'Filter clusters' });
    expect(within(filters).queryByRole('button', { name: /^Management cluster/ })).not.toBeInTheDocument();
    expect(within(filters).getByRole('button', { name: /^Namespace/ })).toBeInTheDocument();
  });

  it('says so when there are no clusters', async () => {
    await renderPage({ list: { items: [] } });
    expect(await screen.findByText('No control planes yet.')).toBeInTheDocument();
  });

  it('shows an error when the list fails', async () => {
    await renderPage({ listError: new Error('backend unavailable') });
    expect(await screen.findByText(/Could not list the k0smotron clusters/)).toBeInTheDocument();
  });
});

describe('filterClusters', () => {
  it('keeps everything with no filter', () => {
    expect(filterClusters(clusters, { phase: '', namespace: '', managementCluster: '' })).toHaveLength(3);
  });

  it('combines filters', () => {
    const kept = filterClusters(clusters, { phase: 'Degraded', namespace: 'team-a', managementCluster: '' });
    expect(kept.map(c => c.name)).toEqual(['edge']);
  });
});

it('waits for the list before showing rows', async () => {
  const api = mockK0smotronApi({ listClusters: () => new Promise(() => {}) });
  await renderWithApis(<K0smotronClustersPage />, {
    api,
    extraApis: [[catalogApiRef, catalogApiMock()]],
  });
  await waitFor(() => expect(screen.getByText('Control planes (0)')).toBeInTheDocument());
  expect(screen.queryByText('No control planes yet.')).not.toBeInTheDocument();
});

it('picks up new clusters on its own', async () => {
  // The second list is held back until the first has been seen, so the test cannot race the poll.
  let releaseSecond: () => void = () => {};
  const second = new Promise<ClusterListResponse>(resolve => {
    releaseSecond = () => resolve({ items: clusters });
  });
  let calls = 0;
  const api = mockK0smotronApi({
    listClusters: async () => (++calls === 1 ? { items: clusters.slice(0, 1) } : second),
  });
  await renderWithApis(<K0smotronClustersPage pollIntervalMs={20} />, {
    api,
    extraApis: [[catalogApiRef, catalogApiMock()]],
  });
  expect(await screen.findByText('Control planes (1)')).toBeInTheDocument();
  releaseSecond();
  expect(await screen.findByText('Control planes (3)')).toBeInTheDocument();
});
