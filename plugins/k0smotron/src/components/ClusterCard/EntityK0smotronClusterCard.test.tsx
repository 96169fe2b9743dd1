import { act, screen, waitFor, within } from '@testing-library/react';
import { NotFoundError } from '@backstage/errors';
import type { ClusterDetails } from '@k0smotron/plugin-k0smotron-common';
import { clusterDetailsFixture } from '../../__fixtures__/clusters';
import { clusterEntity, mockK0smotronApi, renderWithApis } from '../../testing/render';
import { DEFAULT_POLL_INTERVAL_MS } from '../useK0smotronCluster';
import { EntityK0smotronClusterCard } from './EntityK0smotronClusterCard';

function factRow(term: string): HTMLElement {
  const dt = screen.getByText(term, { selector: 'dt' });
  return dt.nextElementSibling as HTMLElement;
}

describe('EntityK0smotronClusterCard', () => {
  it('shows the status at a glance of an available control plane', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findByText('k0smotron control plane')).toBeInTheDocument();
    expect(api.getCluster).toHaveBeenCalledWith({ managementCluster: 'local', namespace: 'default', name: 'kmc-demo' });
    expect(screen.getByText('local · default/kmc-demo')).toBeInTheDocument();
    expect(factRow('Phase')).toHaveTextContent('Available');
    expect(factRow('Available')).toHaveTextContent('True');
    expect(factRow('Functional')).toHaveTextContent('True');
    expect(factRow('Exposed')).toHaveTextContent('True');
    expect(factRow('Replicas')).toHaveTextContent('3/3 ready');
    expect(factRow('Version')).toHaveTextContent('v1.30.2-k0s.0');
    expect(factRow('Endpoint')).toHaveTextContent('https://203.0.113.10:30443');
    expect(factRow('Datastore')).toHaveTextContent('etcd');
    expect(factRow('Age')).toHaveTextContent('3d');
    expect(within(factRow('Phase')).getByLabelText('Status ok', { selector: 'span' })).toBeInTheDocument();
    expect(screen.queryByText('Paused')).not.toBeInTheDocument();
    expect(screen.queryByText('Sleeping')).not.toBeInTheDocument();
  });

  it("shows the operator's worker count, and says so when there are none or nobody knows", async () => {
    const cases: Array<[ClusterDetails['workers'], string]> = [
      [{ total: 2, ready: 2 }, '2/2 Ready'],
      [{ total: 3, ready: 1 }, '1/3 Ready'],
      [{ total: 0, ready: 0 }, 'no workers yet'],
      [undefined, 'unknown'],
    ];
    for (const [workers, text] of cases) {
      const api = mockK0smotronApi({ getCluster: async () => ({ ...clusterDetailsFixture(), ...(workers ? { workers } : {}) }) });
      const { unmount } = await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });
      await screen.findByText('k0smotron control plane');
      expect(factRow('Workers')).toHaveTextContent(new RegExp(`^${text}$`));
      unmount();
    }
  });

  it('marks a progressing control plane pending and shows why a condition is False', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture({ phase: 'Progressing' }) });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findByText('Progressing')).toBeInTheDocument();
    expect(factRow('Functional')).toHaveTextContent('False (NotFound)');
    expect(within(factRow('Functional')).getByLabelText('Status pending', { selector: 'span' })).toBeInTheDocument();
    expect(factRow('Replicas')).toHaveTextContent('1/3 ready');
  });

  it('marks the conditions of a degraded control plane as errors', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture({ phase: 'Degraded' }) });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    await screen.findByText('Degraded');
    expect(within(factRow('Phase')).getByLabelText('Status error', { selector: 'span' })).toBeInTheDocument();
    expect(within(factRow('Available')).getByLabelText('Status error', { selector: 'span' })).toBeInTheDocument();
  });

  it('shows Paused and Sleeping badges', async () => {
    const api = mockK0smotronApi({
      getCluster: async () => ({ ...clusterDetailsFixture({ phase: 'Sleeping' }), paused: true }),
    });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findByText('Paused')).toBeInTheDocument();
    expect(screen.getAllByText('Sleeping')).toHaveLength(2); // the badge and the phase
    expect(factRow('Replicas')).toHaveTextContent('0/0 ready');
  });

  it('does not show a Cluster the upstream k0smotron operator manages as paused: it ignores the annotation', async () => {
    const api = mockK0smotronApi({
      getCluster: async () => ({ ...clusterDetailsFixture({ phase: 'Available' }), paused: true, managedBy: 'upstream' as const }),
    });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findAllByText('Available')).not.toHaveLength(0);
    expect(screen.queryByText('Paused')).not.toBeInTheDocument();
  });

  it('shows Paused where our operator writes the status', async () => {
    const api = mockK0smotronApi({
      getCluster: async () => ({ ...clusterDetailsFixture({ phase: 'Paused' }), managedBy: 'k0smotron' as const }),
    });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findAllByText('Paused')).toHaveLength(2); // the badge and the phase
  });

  it('shows progress while loading', async () => {
    const api = mockK0smotronApi({ getCluster: () => new Promise(() => {}) });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('explains the missing annotation without calling the backend', async () => {
    const api = mockK0smotronApi();
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity(null) });

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(screen.getAllByText(/k0smotron\.io\/cluster/).length).toBeGreaterThan(0);
    expect(api.getCluster).not.toHaveBeenCalled();
  });

  it('explains a malformed annotation', async () => {
    const api = mockK0smotronApi();
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity('kmc-demo') });

    expect(await screen.findByText('Malformed k0smotron annotation')).toBeInTheDocument();
    expect(api.getCluster).not.toHaveBeenCalled();
  });

  it('says when the Cluster does not exist', async () => {
    const api = mockK0smotronApi({ getCluster: async () => Promise.reject(new NotFoundError('no such cluster')) });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    expect(await screen.findByText('Control plane not found')).toBeInTheDocument();
    expect(screen.getByText(/no k0smotron Cluster default\/kmc-demo in management cluster local/)).toBeInTheDocument();
  });

  it('shows other errors', async () => {
    const api = mockK0smotronApi({ getCluster: async () => Promise.reject(new Error('connection refused')) });
    await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });

    await waitFor(() => expect(screen.getByText(/Could not load the k0smotron Cluster/)).toBeInTheDocument());
    expect(screen.getAllByText(/connection refused/).length).toBeGreaterThan(0);
  });
});

/** Answers handed out one by one, each only once the test releases it. */
function gatedAnswers() {
  const waiting: ((answer: () => Promise<ClusterDetails>) => void)[] = [];
  const queued: (() => Promise<ClusterDetails>)[] = [];
  return {
    getCluster: () =>
      new Promise<ClusterDetails>((resolve, reject) => {
        const hand = (answer: () => Promise<ClusterDetails>) => answer().then(resolve, reject);
        const next = queued.shift();
        if (next) hand(next);
        else waiting.push(hand);
      }),
    release(answer: () => Promise<ClusterDetails>) {
      const hand = waiting.shift();
      if (hand) hand(answer);
      else queued.push(answer);
    },
  };
}

describe('EntityK0smotronClusterCard refresh', () => {
  it('re-reads the Cluster so a new control plane turns Available by itself', async () => {
    const gate = gatedAnswers();
    const api = mockK0smotronApi({ getCluster: gate.getCluster });
    gate.release(async () => clusterDetailsFixture({ phase: 'Progressing' }));
    await renderWithApis(<EntityK0smotronClusterCard pollIntervalMs={20} />, { api, entity: clusterEntity() });

    expect(await screen.findByText('Progressing')).toBeInTheDocument();
    gate.release(async () => clusterDetailsFixture({ phase: 'Available' }));
    await waitFor(() => expect(factRow('Phase')).toHaveTextContent('Available'));
    expect(factRow('Replicas')).toHaveTextContent('3/3 ready');
  });

  it('keeps the last state when a refresh fails, and says so', async () => {
    const gate = gatedAnswers();
    const api = mockK0smotronApi({ getCluster: gate.getCluster });
    gate.release(async () => clusterDetailsFixture());
    await renderWithApis(<EntityK0smotronClusterCard pollIntervalMs={20} />, { api, entity: clusterEntity() });

    await screen.findByText('3/3 ready');
    gate.release(async () => Promise.reject(new Error('socket hang up')));
    expect(await screen.findByText(/Could not refresh, showing the last known state: socket hang up/)).toBeInTheDocument();
    expect(factRow('Phase')).toHaveTextContent('Available');
  });

  it('says the Cluster is gone once it has been deleted', async () => {
    const gate = gatedAnswers();
    const api = mockK0smotronApi({ getCluster: gate.getCluster });
    gate.release(async () => clusterDetailsFixture({ phase: 'Deleting' }));
    await renderWithApis(<EntityK0smotronClusterCard pollIntervalMs={20} />, { api, entity: clusterEntity() });

    expect(await screen.findByText('Deleting')).toBeInTheDocument();
    gate.release(async () => Promise.reject(new NotFoundError('gone')));
    expect(await screen.findByText('Control plane not found')).toBeInTheDocument();
  });

  // Fake timers let the test step past the default interval: a real wait of a fraction of it
  // could not tell "polling off" from "polling every 10 s". The first case shows this harness
  // does see a re-read when polling is on, so the second one's single read means something.
  describe('with fake timers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('re-reads after the default interval when no interval is given', async () => {
      const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
      await renderWithApis(<EntityK0smotronClusterCard />, { api, entity: clusterEntity() });
      await screen.findByText('3/3 ready');
      expect(api.getCluster).toHaveBeenCalledTimes(1);
      await act(async () => {
        await jest.advanceTimersByTimeAsync(DEFAULT_POLL_INTERVAL_MS);
      });
      expect(api.getCluster).toHaveBeenCalledTimes(2);
    });

    it('reads once with polling off, even long past the default interval', async () => {
      const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
      await renderWithApis(<EntityK0smotronClusterCard pollIntervalMs={0} />, { api, entity: clusterEntity() });
      await screen.findByText('3/3 ready');
      await act(async () => {
        await jest.advanceTimersByTimeAsync(10 * DEFAULT_POLL_INTERVAL_MS);
      });
      expect(api.getCluster).toHaveBeenCalledTimes(1);
    });
  });
});
