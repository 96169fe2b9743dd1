import { useState } from 'react';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { K0S_VERSION_PATTERN } from '@k0smotron/api';
import type { ClusterRef, ClusterSummary } from '@k0smotron/plugin-k0smotron-common';
import { ActionDialog } from '../shared/ActionDialog';

// The edits a user can make from the tab. Each dialog validates its input before it can be sent;
// the backend validates again and its message is shown if it refuses. Each opens with its one
// field focused: a modal dialog must move the focus into itself (the WAI-ARIA dialog pattern), and
// the field is the first thing the user does there (the Delete button stays disabled until the
// name is typed, so the focus never rests on the destructive action).

const MAX_REPLICAS = 99;
const versionPattern = new RegExp(K0S_VERSION_PATTERN);

interface DialogProps {
  open: boolean;
  cluster: ClusterSummary;
  onClose: () => void;
}

export function scaleInputError(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the number of controllers.';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_REPLICAS) {
    return `Replicas must be a whole number from 0 to ${MAX_REPLICAS}.`;
  }
  return undefined;
}

export function ScaleDialog(props: DialogProps & { onScale: (replicas: number) => Promise<void> }) {
  const [value, setValue] = useState(String(props.cluster.replicas));
  const error = scaleInputError(value);
  const unchanged = !error && Number(value) === props.cluster.replicas;
  return (
    <ActionDialog
      open={props.open}
      title={`Scale ${props.cluster.name}`}
      submitLabel="Scale"
      canSubmit={!error && !unchanged}
      onSubmit={() => props.onScale(Number(value))}
      onClose={props.onClose}
    >
      <TextField
        // eslint-disable-next-line jsx-a11y/no-autofocus -- a modal dialog moves focus into itself; its one field is where the user acts
        autoFocus
        fullWidth
        id="k0smotron-scale-replicas"
        type="number"
        label="Controller replicas"
        value={value}
        onChange={e => setValue(e.target.value)}
        inputProps={{ min: 0, max: MAX_REPLICAS, step: 1 }}
        error={Boolean(error)}
        helperText={
          error ??
          (Number(value) === 0
            ? '0 puts the control plane to sleep: its pods stop, its data stays.'
            : `Now ${props.cluster.readyReplicas}/${props.cluster.replicas} ready. Use an odd number for etcd quorum.`)
        }
      />
    </ActionDialog>
  );
}

export function versionInputError(value: string): string | undefined {
  if (!value.trim()) return 'Enter a k0s version.';
  if (!versionPattern.test(value.trim())) return 'Use a k0s version such as v1.30.2-k0s.0 (or v1.30.2).';
  return undefined;
}

export function UpgradeDialog(props: DialogProps & { onUpgrade: (version: string) => Promise<void> }) {
  const [value, setValue] = useState(props.cluster.version);
  const error = versionInputError(value);
  const unchanged = value.trim() === props.cluster.version;
  return (
    <ActionDialog
      open={props.open}
      title={`Upgrade ${props.cluster.name}`}
      submitLabel="Upgrade"
      canSubmit={!error && !unchanged}
      onSubmit={() => props.onUpgrade(value.trim())}
      onClose={props.onClose}
    >
      <TextField
        // eslint-disable-next-line jsx-a11y/no-autofocus -- a modal dialog moves focus into itself; its one field is where the user acts
        autoFocus
        fullWidth
        id="k0smotron-upgrade-version"
        label="k0s version"
        value={value}
        onChange={e => setValue(e.target.value)}
        error={Boolean(error)}
        helperText={error ?? `Now ${props.cluster.version}. The controllers are replaced one at a time.`}
      />
    </ActionDialog>
  );
}

export function DeleteDialog(props: DialogProps & { onDelete: () => Promise<void>; clusterRef: ClusterRef }) {
  const [typed, setTyped] = useState('');
  const { name, namespace, managementCluster } = props.clusterRef;
  return (
    <ActionDialog
      open={props.open}
      title={`Delete ${name}`}
      submitLabel="Delete"
      destructive
      canSubmit={typed === name}
      onSubmit={props.onDelete}
      onClose={() => {
        setTyped('');
        props.onClose();
      }}
    >
      <Typography paragraph>
        This deletes the control plane{' '}
        <strong>
          {namespace}/{name}
        </strong>{' '}
        in management cluster <strong>{managementCluster}</strong>, with its certificates, kubeconfig and (unless kept by its persistence settings) its data.
        Workers that joined it stop working. This cannot be undone.
      </Typography>
      <TextField
        // eslint-disable-next-line jsx-a11y/no-autofocus -- a modal dialog moves focus into itself; its one field is where the user acts
        autoFocus
        fullWidth
        id="k0smotron-delete-confirm"
        label={`Type ${name} to confirm`}
        value={typed}
        onChange={e => setTyped(e.target.value)}
        inputProps={{ autoComplete: 'off', spellCheck: false }}
      />
    </ActionDialog>
  );
}
