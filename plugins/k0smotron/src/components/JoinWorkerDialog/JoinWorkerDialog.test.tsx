import { useState } from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import Button from '@material-ui/core/Button';
import { ConfigReader } from '@backstage/config';
import { configApiRef } from '@backstage/core-plugin-api';
import type { ClusterWorkersResponse, JoinTokenResponse, WorkerNode } from '@k0smotron/plugin-k0smotron-common';
import { DEFAULT_SETTINGS, mockK0smotronApi, renderWithApis } from '../../testing/render';
import { JoinWorkerDialog, allowedExpiries } from './JoinWorkerDialog';

const ref = { managementCluster: 'local', namespace: 'default', name: 'kmc-demo' };
const TOKEN = `H4sIAAAAAAAC/0yRzY6bMBSF9zyF5x0wm${'x'.repeat(40)}`;
const response: JoinTokenResponse = {
  token: TOKEN,
  role: 'worker',
  expiresAt: '2026-11-22T12:00:00Z',
  commands: ["echo '<token>' > /etc/k0s/join-token", 'k0s install worker --token-file /etc/k0s/join-token', 'k0s start'],
};

/** The dialog behind a button, as the tab uses it. */
function Harness(props: { allowController?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Join a worker</Button>
      <JoinWorkerDialog open={open} clusterRef={ref} allowController={props.allowController} onClose={() => setOpen(false)} />
    </>
  );
}

describe('JoinWorkerDialog', () => {
  it('creates a token for the chosen role and expiry and shows it once with the commands', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({ createJoinToken: async () => response });
    await renderWithApis(<Harness />, { api });

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    const dialog = await screen.findByRole('dialog', { name: 'Join a machine to kmc-demo' });
    expect(within(dialog).getByRole('radio', { name: 'Worker' })).toBeChecked();

    await user.click(within(dialog).getByRole('button', { name: /Token expires after/ }));
    await user.click(await screen.findByRole('option', { name: '1 hour' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create token' }));

    expect(api.createJoinToken).toHaveBeenCalledWith(ref, { role: 'worker', expiry: '1h' });
    const shown = await screen.findByRole('dialog', { name: 'Join a worker to kmc-demo' });
    expect(within(shown).getByRole('alert')).toHaveTextContent(/shown only once and cannot be displayed again/);
    // The token's box is named by its heading, and keyboard users can reach it to scroll a long token.
    const tokenBox = within(shown).getByRole('region', { name: 'Join token (expires 2026-11-22T12:00:00Z)' });
    expect(tokenBox).toHaveTextContent(TOKEN);
    expect(tokenBox).toHaveAttribute('tabindex', '0');
    // The code snippet highlighter loads lazily.
    await waitFor(() => expect(shown).toHaveTextContent('k0s install worker --token-file /etc/k0s/join-token'));
    expect(shown).toHaveTextContent('k0s start');

    // The copy button puts the exact token on the clipboard.
    // user-event installs a clipboard stub; jsdom cannot read it back, so watch the write.
    const writeText = jest.spyOn(navigator.clipboard, 'writeText');
    await user.click(within(shown).getByRole('button', { name: 'Copy token' }));
    expect(writeText).toHaveBeenCalledWith(TOKEN);
    expect(within(shown).getByRole('button', { name: 'Copied' })).toBeInTheDocument();
  });

  it('forgets the token when closed: reopening starts a new request', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({ createJoinToken: async () => response });
    await renderWithApis(<Harness />, { api });

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    await user.click(await screen.findByRole('button', { name: 'Create token' }));
    await screen.findByTestId('join-token');
    await user.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body).not.toHaveTextContent(TOKEN);

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    expect(await screen.findByRole('button', { name: 'Create token' })).toBeInTheDocument();
    expect(screen.queryByTestId('join-token')).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(TOKEN);
    expect(api.createJoinToken).toHaveBeenCalledTimes(1);
  });

  it('offers only the expiries the default policy accepts (at most 24 hours, never "never"), and no controller role without its permission', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({ createJoinToken: async () => response });
    await renderWithApis(<Harness />, { api });

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    const dialog = await screen.findByRole('dialog', { name: 'Join a machine to kmc-demo' });
    expect(within(dialog).queryByRole('radio', { name: 'Controller' })).not.toBeInTheDocument();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: /Token expires after/ })).toHaveTextContent('24 hours'));
    await user.click(within(dialog).getByRole('button', { name: /Token expires after/ }));
    const options = (await screen.findAllByRole('option')).map(o => o.textContent);
    expect(options).toEqual(['1 hour', '24 hours']);
  });

  it("offers the policy's own maximum when it is not a preset", () => {
    expect(allowedExpiries({ maxExpiry: '48h', maxExpirySeconds: 172_800, allowNeverExpiring: false })).toEqual([
      { value: '1h', label: '1 hour' },
      { value: '24h', label: '24 hours' },
      { value: '48h', label: '48h (the longest allowed)' },
    ]);
    expect(allowedExpiries({ maxExpiry: '30m', maxExpirySeconds: 1_800, allowNeverExpiring: true }).map(o => o.value)).toEqual(['30m', '0s']);
  });

  it('asks for a controller token and says when it never expires, where the policy allows both', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({
      createJoinToken: async () => ({ ...response, role: 'controller', expiresAt: undefined }),
      getSettings: async () => ({ ...DEFAULT_SETTINGS, joinTokens: { maxExpiry: '168h', maxExpirySeconds: 604_800, allowNeverExpiring: true } }),
    });
    await renderWithApis(<Harness allowController />, { api });

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    await user.click(await screen.findByRole('radio', { name: 'Controller' }));
    await user.click(screen.getByRole('button', { name: /Token expires after/ }));
    await user.click(await screen.findByRole('option', { name: 'Never (not recommended)' }));
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    expect(api.createJoinToken).toHaveBeenCalledWith(ref, { role: 'controller', expiry: '0s' });
    const shown = await screen.findByRole('dialog', { name: 'Join a controller to kmc-demo' });
    expect(shown).toHaveTextContent('does not expire');
  });

  it('says it is waiting while the operator issues the token', async () => {
    const user = userEvent.setup();
    let answer: (r: JoinTokenResponse) => void = () => {};
    const api = mockK0smotronApi({ createJoinToken: () => new Promise(resolve => (answer = resolve)) });
    await renderWithApis(<Harness />, { api });

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    await user.click(await screen.findByRole('button', { name: 'Create token' }));
    expect(await screen.findByText(/Waiting for the operator to issue the token/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Create token/ })).toBeDisabled();
    answer(response);
    expect(await screen.findByTestId('join-token')).toHaveTextContent(TOKEN);
  });

  it('shows why the token could not be created and lets the user retry', async () => {
    const user = userEvent.setup();
    const api = mockK0smotronApi({
      createJoinToken: jest
        .fn<Promise<JoinTokenResponse>, []>()
        .mockRejectedValueOnce(new Error('the control plane has no ready replica'))
        .mockResolvedValueOnce(response),
    });
    await renderWithApis(<Harness />, { api });

    await user.click(screen.getByRole('button', { name: 'Join a worker' }));
    await user.click(await screen.findByRole('button', { name: 'Create token' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the control plane has no ready replica');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByTestId('join-token')).toHaveTextContent(TOKEN);
  });

  describe('after the token is shown', () => {
    const node = (name: string, ready: string): WorkerNode => ({ name, ready, kubeletVersion: 'v1.27.9', address: '10.0.0.5' });
    const list = (...nodes: WorkerNode[]): ClusterWorkersResponse => ({
      total: nodes.length,
      ready: nodes.filter(n => n.ready === 'True').length,
      nodes,
    });

    async function showToken(api: ReturnType<typeof mockK0smotronApi>, options: { onWorkerJoined?: () => void; config?: object } = {}) {
      const user = userEvent.setup();
      await renderWithApis(<JoinWorkerDialog open clusterRef={ref} onClose={() => {}} watchIntervalMs={5} onWorkerJoined={options.onWorkerJoined} />, {
        api,
        extraApis: options.config ? [[configApiRef, new ConfigReader(options.config)]] : [],
      });
      await user.click(await screen.findByRole('button', { name: 'Create token' }));
      return screen.findByRole('dialog', { name: /^Join a (worker|controller) to kmc-demo$/ });
    }

    it('watches for a node that was not there before and says when it has joined and turned Ready', async () => {
      const answers = [
        list(node('old-1', 'True')),
        list(node('old-1', 'True'), node('worker-a', 'False')),
        list(node('old-1', 'True'), node('worker-a', 'True')),
      ];
      let call = 0;
      const api = mockK0smotronApi({
        createJoinToken: async () => response,
        // Each answer once, then the last one for good.
        getWorkers: async () => answers[Math.min(call++, answers.length - 1)],
      });
      const onWorkerJoined = jest.fn();
      const dialog = await showToken(api, { onWorkerJoined });
      const watch = within(dialog).getByTestId('join-watch');
      expect(watch).toHaveTextContent(/Asking the control plane|Waiting for a new worker to join \(1 node so far\)|worker-a joined/);
      await waitFor(() => expect(watch).toHaveTextContent('worker-a joined and is Ready.'));
      expect(watch).not.toHaveTextContent('old-1');
      expect(api.getWorkers).toHaveBeenCalledWith(ref);
      expect(onWorkerJoined).toHaveBeenCalledTimes(1);
    });

    it('says it is waiting while no new node appears, and says why a check failed', async () => {
      const api = mockK0smotronApi({
        createJoinToken: async () => response,
        getWorkers: jest
          .fn<Promise<ClusterWorkersResponse>, []>()
          .mockResolvedValueOnce(list())
          .mockRejectedValue(new Error('the control plane did not answer')),
      });
      const dialog = await showToken(api);
      const watch = within(dialog).getByTestId('join-watch');
      await waitFor(() => expect(watch).toHaveTextContent('Waiting for a new worker to join (0 nodes so far)'));
      await waitFor(() => expect(watch).toHaveTextContent('last check failed: the control plane did not answer'));
    });

    it('offers the simulated worker only where the demo configures it', async () => {
      const demo = mockK0smotronApi({ createJoinToken: async () => response });
      const withHint = await showToken(demo, {
        config: { k0smotron: { demo: { simulatedWorkerCommand: 'npm run join-worker -- --token-file -' } } },
      });
      const hint = within(withHint).getByTestId('simulated-worker-hint');
      await waitFor(() => expect(hint).toHaveTextContent(`echo '${TOKEN}' | npm run join-worker -- --token-file -`));
      expect(hint).toHaveTextContent(/simulated worker/);
    });

    it('shows no simulated worker outside the demo, and no watch for a controller token', async () => {
      const api = mockK0smotronApi({ createJoinToken: async () => ({ ...response, role: 'controller' }) });
      const dialog = await showToken(api);
      expect(within(dialog).queryByTestId('simulated-worker-hint')).not.toBeInTheDocument();
      expect(within(dialog).queryByTestId('join-watch')).not.toBeInTheDocument();
      expect(api.getWorkers).not.toHaveBeenCalled();
    });
  });
});
