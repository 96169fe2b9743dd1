import { useEffect, useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormLabel from '@material-ui/core/FormLabel';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Select from '@material-ui/core/Select';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { CodeSnippet } from '@backstage/core-components';
import type { JoinRole } from '@k0smotron/api';
import type { ClusterRef, JoinTokenResponse, SettingsResponse, WorkerNode } from '@k0smotron/plugin-k0smotron-common';
import { usePolledAsync } from '../usePolledAsync';
import { describeApiError, k0smotronApiRef } from '../../api';
import { CopyButton } from '../shared/CopyButton';

/** Expiry choices, as Go durations the JoinTokenRequest accepts; `seconds` 0 = never. */
export const JOIN_TOKEN_EXPIRIES: { value: string; label: string; seconds: number }[] = [
  { value: '1h', label: '1 hour', seconds: 3_600 },
  { value: '24h', label: '24 hours', seconds: 86_400 },
  { value: '168h', label: '7 days', seconds: 604_800 },
  { value: '0s', label: 'Never (not recommended)', seconds: 0 },
];

/**
 * The choices the backend's tenant policy accepts: up to its maximum, "never" only when it
 * allows never-expiring tokens, and the maximum itself when it is not one of the presets.
 */
export function allowedExpiries(limits: SettingsResponse['joinTokens']): { value: string; label: string }[] {
  const out = JOIN_TOKEN_EXPIRIES.filter(o => (o.seconds === 0 ? limits.allowNeverExpiring : o.seconds <= limits.maxExpirySeconds)).map(({ value, label }) => ({
    value,
    label,
  }));
  if (!JOIN_TOKEN_EXPIRIES.some(o => o.seconds === limits.maxExpirySeconds)) {
    const finite = out.filter(o => o.value !== '0s');
    out.splice(finite.length, 0, { value: limits.maxExpiry, label: `${limits.maxExpiry} (the longest allowed)` });
  }
  return out;
}

const useStyles = makeStyles(theme => ({
  field: { marginBottom: theme.spacing(2) },
  token: {
    fontFamily: 'monospace',
    fontSize: theme.typography.body2.fontSize,
    wordBreak: 'break-all',
    padding: theme.spacing(1.5),
    marginBottom: theme.spacing(1),
    backgroundColor: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    maxHeight: theme.spacing(20),
    overflowY: 'auto',
  },
  section: { marginTop: theme.spacing(2) },
}));

export interface JoinWorkerDialogProps {
  open: boolean;
  clusterRef: ClusterRef;
  /** Whether the user may create controller tokens (`k0smotron.jointoken.controller.create`). */
  allowController?: boolean;
  onClose: () => void;
  /** How often the dialog asks for the child's nodes while it waits for the new worker, in ms (default 3 s). */
  watchIntervalMs?: number;
  /** Called when a new node has joined, so the page can re-read the Cluster. */
  onWorkerJoined?: () => void;
}

/**
 * After the token is shown: watches the child's nodes and says when a node that was not there
 * before appears, and when it turns Ready. The first answer is the baseline; nodes already in it
 * are not "new". A failed read is said plainly and the watch goes on.
 */
export function JoinWatch(props: { clusterRef: ClusterRef; intervalMs: number; onJoined?: () => void }) {
  const api = useApi(k0smotronApiRef);
  const { managementCluster, namespace, name } = props.clusterRef;
  const state = usePolledAsync(() => api.getWorkers(props.clusterRef), [api, managementCluster, namespace, name], props.intervalMs);
  const [baseline, setBaseline] = useState<Set<string>>();
  const [announced, setAnnounced] = useState(false);
  const nodes = state.value?.nodes;
  useEffect(() => {
    if (nodes && !baseline) setBaseline(new Set(nodes.map(n => n.name)));
  }, [nodes, baseline]);
  const joined: WorkerNode[] = baseline && nodes ? nodes.filter(n => !baseline.has(n.name)) : [];
  const { onJoined } = props;
  useEffect(() => {
    if (joined.length > 0 && !announced) {
      setAnnounced(true);
      onJoined?.();
    }
  }, [joined.length, announced, onJoined]);
  const ready = joined.filter(n => n.ready === 'True');
  let message: string;
  let severity: 'info' | 'success' = 'info';
  if (joined.length === 0) {
    message = baseline
      ? `Waiting for a new worker to join (${baseline.size} node${baseline.size === 1 ? '' : 's'} so far); this dialog notices it within seconds.`
      : 'Asking the control plane for its nodes…';
  } else if (ready.length === joined.length) {
    severity = 'success';
    message = `${joined.map(n => n.name).join(', ')} joined and ${joined.length === 1 ? 'is' : 'are'} Ready.`;
  } else {
    message = `${joined.map(n => n.name).join(', ')} joined; waiting for ${joined.length === 1 ? 'it' : 'them'} to turn Ready.`;
  }
  return (
    <Alert severity={severity} role="status" data-testid="join-watch">
      {message}
      {state.error && joined.length === 0 && ` (last check failed: ${describeApiError(state.error)})`}
    </Alert>
  );
}

/**
 * Creates a join token and shows it exactly once. The token lives only in this component's state,
 * which is dropped when the dialog closes (the component unmounts its content on close).
 */
export function JoinWorkerDialog(props: JoinWorkerDialogProps) {
  return (
    <Dialog
      open={props.open}
      // A stray click beside the dialog must not throw away a token the user has not copied yet.
      onClose={(_event, reason) => reason !== 'backdropClick' && props.onClose()}
      aria-labelledby="k0smotron-join-title"
      fullWidth
      maxWidth="md"
    >
      {props.open && (
        <JoinWorkerContent
          clusterRef={props.clusterRef}
          allowController={props.allowController ?? false}
          onClose={props.onClose}
          watchIntervalMs={props.watchIntervalMs ?? 3_000}
          onWorkerJoined={props.onWorkerJoined}
        />
      )}
    </Dialog>
  );
}

function JoinWorkerContent(props: {
  clusterRef: ClusterRef;
  allowController: boolean;
  onClose: () => void;
  watchIntervalMs: number;
  onWorkerJoined?: () => void;
}) {
  const classes = useStyles();
  const api = useApi(k0smotronApiRef);
  const simulatedWorkerCommand = useApi(configApiRef).getOptionalString('k0smotron.demo.simulatedWorkerCommand');
  const [role, setRole] = useState<JoinRole>('worker');
  // Until the backend answers: the default policy's choices (the backend checks again anyway).
  const [expiry, setExpiry] = useState('24h');
  const [expiries, setExpiries] = useState(() => allowedExpiries({ maxExpiry: '24h', maxExpirySeconds: 86_400, allowNeverExpiring: false }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<JoinTokenResponse>();
  useEffect(() => {
    let live = true;
    api.getSettings().then(
      s => {
        if (!live) return;
        const options = allowedExpiries(s.joinTokens);
        setExpiries(options);
        // Default: 24 hours when allowed, else the longest finite choice.
        const finite = options.filter(o => o.value !== '0s');
        setExpiry((options.find(o => o.value === '24h') ?? finite[finite.length - 1] ?? options[0])?.value ?? '');
      },
      e => live && setError(`Could not read the join-token policy: ${describeApiError(e)}`),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.createJoinToken(props.clusterRef, { role, expiry }));
    } catch (e) {
      setError(describeApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const close = () => {
    setResult(undefined);
    props.onClose();
  };

  const { name, namespace } = props.clusterRef;
  if (result) {
    const commands = result.commands.join('\n');
    return (
      <>
        <DialogTitle id="k0smotron-join-title">
          Join a {result.role} to {name}
        </DialogTitle>
        <DialogContent>
          <Alert severity="warning" role="alert">
            This token is shown only once and cannot be displayed again. Copy it now and keep it secret: anyone who has it can join a machine to this cluster
            {result.expiresAt ? ` until ${new Date(result.expiresAt).toLocaleString()}` : ''}.
          </Alert>
          <Typography variant="subtitle2" component="h3" className={classes.section} id="k0smotron-join-token-label">
            Join token ({result.expiresAt ? `expires ${result.expiresAt}` : 'does not expire'})
          </Typography>
          <div
            className={classes.token}
            role="region"
            aria-labelledby="k0smotron-join-token-label"
            data-testid="join-token"
            // The box scrolls (a token is longer than its height), and a keyboard user must be able
            // to reach it to scroll: not every browser makes a scroll container focusable by itself.
            // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region, not a control
            tabIndex={0}
          >
            {result.token}
          </div>
          <CopyButton text={result.token} label="Copy token" />
          <Typography variant="subtitle2" component="h3" className={classes.section}>
            Run on the new {result.role}
          </Typography>
          <CodeSnippet text={commands} language="bash" showCopyCodeButton />
          {simulatedWorkerCommand && result.role === 'worker' && (
            <div data-testid="simulated-worker-hint">
              <Typography variant="subtitle2" component="h3" className={classes.section}>
                Demo: join a simulated worker instead
              </Typography>
              <Typography variant="body2" paragraph>
                This demo has no machines to join. On the machine running the demo, this starts a simulated worker (a hollow kubelet that joins through the real
                TLS bootstrap with this token and registers a real Node, but runs no containers):
              </Typography>
              <CodeSnippet text={`echo '${result.token}' | ${simulatedWorkerCommand}`} language="bash" showCopyCodeButton />
            </div>
          )}
          {result.role === 'worker' && (
            <div className={classes.section}>
              <JoinWatch clusterRef={props.clusterRef} intervalMs={props.watchIntervalMs} onJoined={props.onWorkerJoined} />
            </div>
          )}
        </DialogContent>
        <DialogActions>
          <Button variant="contained" color="primary" onClick={close}>
            Done
          </Button>
        </DialogActions>
      </>
    );
  }

  return (
    <>
      <DialogTitle id="k0smotron-join-title">Join a machine to {name}</DialogTitle>
      <DialogContent>
        <Typography paragraph>
          Creates a k0s join token for the control plane {namespace}/{name}. Workers run your workloads; controllers are only needed for a control plane outside
          k0smotron.
        </Typography>
        <FormControl component="fieldset" className={classes.field}>
          <FormLabel component="legend">Role</FormLabel>
          <RadioGroup row name="role" value={role} onChange={e => setRole(e.target.value as JoinRole)}>
            <FormControlLabel value="worker" control={<Radio />} label="Worker" />
            {props.allowController && <FormControlLabel value="controller" control={<Radio />} label="Controller" />}
          </RadioGroup>
        </FormControl>
        <FormControl fullWidth className={classes.field}>
          <InputLabel id="k0smotron-join-expiry-label">Token expires after</InputLabel>
          <Select labelId="k0smotron-join-expiry-label" value={expiry} onChange={e => setExpiry(String(e.target.value))}>
            {expiries.map(o => (
              <MenuItem key={o.value} value={o.value}>
                {o.label}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        {busy && (
          <Typography variant="body2" color="textSecondary" role="status">
            Waiting for the operator to issue the token; this can take up to a minute while the control plane starts.
          </Typography>
        )}
        {error && (
          <Alert severity="error" role="alert">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={busy}>
          Cancel
        </Button>
        <Button
          variant="contained"
          color="primary"
          onClick={create}
          disabled={busy || !expiry}
          startIcon={busy ? <CircularProgress size={16} aria-label="Creating token" /> : undefined}
        >
          Create token
        </Button>
      </DialogActions>
    </>
  );
}
