import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NotFoundError, ResponseError } from '@backstage/errors';
import { clusterDetailsFixture } from '../../__fixtures__/clusters';
import { clusterEntity, mockK0smotronApi, renderWithApis } from '../../testing/render';
import { EntityK0smotronContent } from './EntityK0smotronContent';

const ref = { managementCluster: 'local', namespace: 'default', name: 'kmc-demo' };
const entity = clusterEntity();

function tableOf(title: string): HTMLElement {
  const heading = screen.getByRole('heading', { name: title });
  return heading.closest('.MuiPaper-root') as HTMLElement;
}

describe('EntityK0smotronContent', () => {
  it('shows conditions, owned objects, events and certificate expiry', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture({ phase: 'Degraded' }) });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    await screen.findByRole('heading', { name: 'Conditions' });
    const conditions = tableOf('Conditions');
    const functional = within(conditions).getByText('ControlPlaneFunctional').closest('tr') as HTMLElement;
    expect(functional).toHaveTextContent('False');
    expect(functional).toHaveTextContent('NotFound');
    expect(functional).toHaveTextContent('Namespace kube-system not found yet');
    expect(functional).toHaveTextContent('12m ago');

    const owned = tableOf('Owned objects');
    const sts = within(owned).getByText('kmc-kmc-demo').closest('tr') as HTMLElement;
    expect(sts).toHaveTextContent('StatefulSet');
    expect(sts).toHaveTextContent('Not ready');
    expect(sts).toHaveTextContent('1/3 ready');
    expect(within(owned).getByText('kmc-kmc-demo-config').closest('tr')).toHaveTextContent('n/a');

    const events = tableOf('Recent events');
    const warning = within(events).getByText('Unhealthy').closest('tr') as HTMLElement;
    expect(warning).toHaveTextContent('kube-system namespace not reachable: timeout');
    expect(within(warning).getByLabelText('Status warning', { selector: 'span' })).toBeInTheDocument();

    const certs = tableOf('Certificates');
    const soon = within(certs).getByText('kmc-demo-etcd-server').closest('tr') as HTMLElement;
    expect(soon).toHaveTextContent(/in (19|20) days/);
    expect(within(soon).getByLabelText('Status warning', { selector: 'span' })).toBeInTheDocument();
    const ca = within(certs).getByText('kmc-demo-ca').closest('tr') as HTMLElement;
    expect(within(ca).getByLabelText('Status ok', { selector: 'span' })).toBeInTheDocument();
  });

  it('lists the worker nodes the backend reads from the child: name, Ready, kubelet version, age, address', async () => {
    const created = new Date(Date.now() - 5 * 60_000).toISOString();
    const api = mockK0smotronApi({
      getCluster: async () => ({ ...clusterDetailsFixture(), workers: { total: 2, ready: 1 } }),
      getWorkers: async () => ({
        total: 2,
        ready: 1,
        nodes: [
          { name: 'worker-a', ready: 'True', kubeletVersion: 'v1.20.15', createdAt: created, address: '10.0.0.7' },
          { name: 'worker-b', ready: 'Unknown' },
        ],
      }),
    });
    await renderWithApis(<EntityK0smotronContent pollIntervalMs={0} />, { api, entity });

    await screen.findByText('worker-a');
    const a = screen.getByText('worker-a').closest('tr') as HTMLElement;
    expect(a).toHaveTextContent('Ready');
    expect(a).toHaveTextContent('v1.20.15');
    expect(a).toHaveTextContent('5m ago');
    expect(a).toHaveTextContent('10.0.0.7');
    expect(within(a).getByLabelText('Status ok', { selector: 'span' })).toBeInTheDocument();
    const b = screen.getByText('worker-b').closest('tr') as HTMLElement;
    expect(b).toHaveTextContent('Unknown');
    expect(within(b).getByLabelText('Status pending', { selector: 'span' })).toBeInTheDocument();
    expect(api.getWorkers).toHaveBeenCalledWith(ref);
    expect(screen.getByText('1/2 Ready')).toBeInTheDocument();
  });

  it("re-reads the nodes at once when the operator's count changes, without waiting for its own poll", async () => {
    const user = userEvent.setup();
    let count = { total: 0, ready: 0 };
    const api = mockK0smotronApi({
      getCluster: async () => ({ ...clusterDetailsFixture(), workers: count }),
      getWorkers: async () => (count.total ? { ...count, nodes: [{ name: 'worker-new', ready: 'True' }] } : { total: 0, ready: 0, nodes: [] }),
      updateCluster: async () => clusterDetailsFixture(),
    });
    // No polling at all: only the page's reload after an action re-reads the Cluster.
    await renderWithApis(<EntityK0smotronContent pollIntervalMs={0} />, { api, entity });
    expect(await screen.findByText('no workers yet')).toBeInTheDocument();
    expect(api.getWorkers).toHaveBeenCalledTimes(1);
    count = { total: 1, ready: 1 };
    await user.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(await screen.findByText('worker-new')).toBeInTheDocument();
    expect(screen.getByText('1/1 Ready')).toBeInTheDocument();
    expect(api.getWorkers).toHaveBeenCalledTimes(2);
  });

  it('says when no worker has joined, and why the nodes cannot be listed', async () => {
    const empty = mockK0smotronApi({ getCluster: async () => ({ ...clusterDetailsFixture(), workers: { total: 0, ready: 0 } }) });
    const first = await renderWithApis(<EntityK0smotronContent pollIntervalMs={0} />, { api: empty, entity });
    expect(await screen.findByText(/No worker has joined yet/)).toBeInTheDocument();
    expect(screen.getByText('no workers yet')).toBeInTheDocument();
    first.unmount();

    const failing = mockK0smotronApi({
      getCluster: async () => clusterDetailsFixture(),
      getWorkers: async () => {
        throw new Error('the control plane of default/kmc-demo did not list its nodes: no answer within 5 s');
      },
    });
    await renderWithApis(<EntityK0smotronContent pollIntervalMs={0} />, { api: failing, entity });
    expect(await screen.findByText(/Cannot list the nodes now: .*no answer within 5 s/)).toBeInTheDocument();
    expect(screen.getByText('unknown')).toBeInTheDocument();
  });

  it('shows every action to a user with all permissions', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    for (const name of ['Scale', 'Upgrade', 'Pause', 'Join a worker', 'Download kubeconfig', 'Delete']) {
      expect(await screen.findByRole('button', { name })).toBeEnabled();
    }
  });

  it('hides every action the user may not take', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronContent />, {
      api,
      entity,
      deny: ['k0smotron.cluster.update', 'k0smotron.cluster.delete', 'k0smotron.jointoken.create', 'k0smotron.kubeconfig.read'],
    });

    expect(await screen.findByText('You do not have permission to change this control plane.')).toBeInTheDocument();
    for (const name of ['Scale', 'Upgrade', 'Pause', 'Join a worker', 'Download kubeconfig', 'Delete']) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    }
    // Read-only content is still there.
    expect(screen.getByRole('heading', { name: 'Conditions' })).toBeInTheDocument();
  });

  it('shows only the actions that are allowed', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronContent />, { api, entity, deny: ['k0smotron.cluster.delete'] });

    expect(await screen.findByRole('button', { name: 'Scale' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
  });

  it("asks per Cluster: a decision for another Cluster does not hide this one's actions", async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronContent />, {
      api,
      entity,
      deny: ['k0smotron.cluster.update@local/default/kmc-demo', 'k0smotron.cluster.delete@local/other/kmc-demo'],
    });

    expect(await screen.findByRole('button', { name: 'Delete' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Scale' })).not.toBeInTheDocument();
  });

  it('offers the controller role only with the controller join-token permission', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronContent />, { api, entity, deny: ['k0smotron.jointoken.controller.create'] });

    await user.click(await screen.findByRole('button', { name: 'Join a worker' }));
    const dialog = await screen.findByRole('dialog', { name: 'Join a machine to kmc-demo' });
    expect(within(dialog).getByRole('radio', { name: 'Worker' })).toBeChecked();
    expect(within(dialog).queryByRole('radio', { name: 'Controller' })).not.toBeInTheDocument();
  });

  it('scales after validating the replica count', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({
      getCluster: async () => clusterDetailsFixture(),
      updateCluster: async () => clusterDetailsFixture({ replicas: 5 }),
    });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    await user.click(await screen.findByRole('button', { name: 'Scale' }));
    const dialog = await screen.findByRole('dialog', { name: 'Scale kmc-demo' });
    const input = within(dialog).getByLabelText('Controller replicas');
    // The dialog opens with its field focused: the user types at once.
    await waitFor(() => expect(input).toHaveFocus());
    expect(within(dialog).getByRole('button', { name: 'Scale' })).toBeDisabled(); // unchanged

    await user.clear(input);
    await user.type(input, '100');
    expect(within(dialog).getByText('Replicas must be a whole number from 0 to 99.')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Scale' })).toBeDisabled();

    await user.clear(input);
    await user.type(input, '0');
    expect(within(dialog).getByText(/0 puts the control plane to sleep/)).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, '5');
    await user.click(within(dialog).getByRole('button', { name: 'Scale' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.updateCluster).toHaveBeenCalledWith(ref, { replicas: 5 });
    expect(api.getCluster).toHaveBeenCalledTimes(2); // reloaded after the change
  });

  it('keeps the dialog open and shows the backend error when a change is refused', async () => {
    const user = userEvent.setup();
    const refusal = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'InputError', message: 'Invalid update' },
          response: { statusCode: 400 },
          fieldErrors: [{ path: 'spec.version', message: 'is older than the running version' }],
        }),
        { status: 400, headers: { 'Content-Type': 'application/json' } },
      ),
    );
    const api = mockK0smotronApi({
      getCluster: async () => clusterDetailsFixture(),
      updateCluster: async () => Promise.reject(refusal),
    });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    await user.click(await screen.findByRole('button', { name: 'Upgrade' }));
    const dialog = await screen.findByRole('dialog', { name: 'Upgrade kmc-demo' });
    const input = within(dialog).getByLabelText('k0s version');
    await waitFor(() => expect(input).toHaveFocus());
    await user.clear(input);
    await user.type(input, '1.29');
    expect(within(dialog).getByText(/Use a k0s version such as v1.30.2-k0s.0/)).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, 'v1.29.1+k0s.0');
    await user.click(within(dialog).getByRole('button', { name: 'Upgrade' }));

    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Invalid update (spec.version: is older than the running version)');
    expect(api.updateCluster).toHaveBeenCalledWith(ref, { version: 'v1.29.1+k0s.0' });
    expect(screen.getByRole('dialog', { name: 'Upgrade kmc-demo' })).toBeInTheDocument();
  });

  it('pauses and resumes reconciliation', async () => {
    const user = userEvent.setup();
    let paused = false;
    const api = mockK0smotronApi({
      getCluster: async () => ({ ...clusterDetailsFixture(), paused }),
      updateCluster: async (_ref, patch) => {
        paused = Boolean(patch.paused);
        return { ...clusterDetailsFixture(), paused };
      },
    });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    await user.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(api.updateCluster).toHaveBeenLastCalledWith(ref, { paused: true });
    await user.click(await screen.findByRole('button', { name: 'Resume' }));
    expect(api.updateCluster).toHaveBeenLastCalledWith(ref, { paused: false });
    expect(await screen.findByRole('button', { name: 'Pause' })).toBeInTheDocument();
  });

  it('offers no Pause on a Cluster the upstream k0smotron operator manages (it ignores the annotation)', async () => {
    const api = mockK0smotronApi({ getCluster: async () => ({ ...clusterDetailsFixture(), managedBy: 'upstream' as const }) });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    expect(await screen.findByRole('button', { name: 'Scale' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Pause' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Resume' })).not.toBeInTheDocument();
  });

  it('deletes only after the name is typed', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({
      getCluster: async () => clusterDetailsFixture(),
      deleteCluster: async () => undefined,
    });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete kmc-demo' });
    expect(dialog).toHaveTextContent('This cannot be undone.');
    const confirm = within(dialog).getByRole('button', { name: 'Delete' });
    const input = within(dialog).getByLabelText('Type kmc-demo to confirm');
    await waitFor(() => expect(input).toHaveFocus());
    await user.type(input, 'kmc-dem');
    expect(confirm).toBeDisabled();
    await user.type(input, '{Enter}'); // submitting the form by keyboard must not bypass the check
    expect(api.deleteCluster).not.toHaveBeenCalled();

    await user.type(input, 'o');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(api.deleteCluster).toHaveBeenCalledWith(ref));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('cancelling the delete dialog deletes nothing', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture() });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete kmc-demo' });
    await user.type(within(dialog).getByLabelText('Type kmc-demo to confirm'), 'kmc-demo');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.deleteCluster).not.toHaveBeenCalled();
  });

  it('disables the actions while the control plane is being deleted', async () => {
    const api = mockK0smotronApi({ getCluster: async () => clusterDetailsFixture({ phase: 'Deleting' }) });
    await renderWithApis(<EntityK0smotronContent />, { api, entity });

    expect(await screen.findByRole('button', { name: 'Scale' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
  });

  it('shows the missing-annotation, not-found and loading states like the card', async () => {
    const none = mockK0smotronApi();
    const first = await renderWithApis(<EntityK0smotronContent />, { api: none, entity: clusterEntity(null) });
    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    first.unmount();

    const gone = mockK0smotronApi({ getCluster: async () => Promise.reject(new NotFoundError('gone')) });
    const second = await renderWithApis(<EntityK0smotronContent />, { api: gone, entity });
    expect(await screen.findByText('Control plane not found')).toBeInTheDocument();
    second.unmount();

    const slow = mockK0smotronApi({ getCluster: () => new Promise(() => {}) });
    await renderWithApis(<EntityK0smotronContent />, { api: slow, entity });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });
});
