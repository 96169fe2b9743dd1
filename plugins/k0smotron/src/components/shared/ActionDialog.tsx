import { useState, type FormEvent, type ReactNode } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import { describeApiError } from '../../api';

export interface ActionDialogProps {
  open: boolean;
  title: string;
  submitLabel: string;
  /** False keeps the submit button disabled (e.g. invalid input). */
  canSubmit: boolean;
  /** Red submit button for destructive actions. */
  destructive?: boolean;
  onSubmit: () => Promise<void>;
  onClose: () => void;
  children: ReactNode;
}

const useStyles = makeStyles(theme => ({
  error: { marginTop: theme.spacing(2) },
  destructive: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
    '&:hover': { backgroundColor: theme.palette.error.dark },
  },
}));

/** A form dialog that shows progress while submitting and the backend's error if it fails. */
export function ActionDialog(props: ActionDialogProps) {
  const classes = useStyles();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const titleId = `k0smotron-dialog-${props.title.replace(/\W+/g, '-').toLowerCase()}`;

  const close = () => {
    if (busy) return;
    setError(undefined);
    props.onClose();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!props.canSubmit || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit();
      setBusy(false);
      props.onClose();
    } catch (e) {
      setBusy(false);
      setError(describeApiError(e));
    }
  };

  return (
    <Dialog open={props.open} onClose={close} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <form onSubmit={submit} noValidate>
        <DialogTitle id={titleId}>{props.title}</DialogTitle>
        <DialogContent>
          {props.children}
          {error && (
            <Alert severity="error" role="alert" className={classes.error}>
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant="contained"
            color="primary"
            className={props.destructive ? classes.destructive : undefined}
            disabled={!props.canSubmit || busy}
            startIcon={busy ? <CircularProgress size={16} aria-label="Working" /> : undefined}
          >
            {props.submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
