import { type ReactElement } from 'react';
import { EmptyState, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { MissingAnnotationEmptyState } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { makeStyles } from '@material-ui/core/styles';
import { K0SMOTRON_CLUSTER_ANNOTATION, type ClusterDetails } from '@k0smotron/plugin-k0smotron-common';
import { describeApiError } from '../../api';
import { isNotFoundError, type EntityClusterRef } from '../useK0smotronCluster';

const useStyles = makeStyles(theme => ({ note: { marginBottom: theme.spacing(2) } }));

/**
 * The states shared by the card and the tab before there is a Cluster to show: no annotation,
 * a malformed one, loading, not found, other errors. Returns undefined when the cluster is there.
 */
export function renderClusterStates(state: {
  entityRef: EntityClusterRef;
  loading: boolean;
  error?: Error;
  cluster?: ClusterDetails;
}): ReactElement | undefined {
  const { entityRef, loading, error, cluster } = state;
  if (entityRef.kind === 'missing') {
    return <MissingAnnotationEmptyState annotation={K0SMOTRON_CLUSTER_ANNOTATION} />;
  }
  if (entityRef.kind === 'invalid') {
    return (
      <EmptyState
        missing="field"
        title="Malformed k0smotron annotation"
        description={
          <Typography component="span">
            The annotation <code>{K0SMOTRON_CLUSTER_ANNOTATION}</code> is <code>{entityRef.value}</code>; it must be{' '}
            <code>&lt;management cluster&gt;/&lt;namespace&gt;/&lt;name&gt;</code>, e.g. <code>local/default/kmc1</code>.
          </Typography>
        }
      />
    );
  }
  if (loading && !cluster) return <Progress />;
  if (error && isNotFoundError(error)) {
    const { managementCluster, namespace, name } = entityRef.ref;
    return (
      <EmptyState
        missing="data"
        title="Control plane not found"
        description={`There is no k0smotron Cluster ${namespace}/${name} in management cluster ${managementCluster}. It may have been deleted, or the annotation points at the wrong place.`}
      />
    );
  }
  if (error && !cluster) return <ResponseErrorPanel error={error} title="Could not load the k0smotron Cluster" />;
  if (!cluster) return <Progress />;
  return undefined;
}

/** Shown above the last good data when a later refresh failed. */
export function RefreshFailedNote(props: { error?: Error }) {
  const classes = useStyles();
  if (!props.error) return null;
  return (
    <Alert severity="warning" variant="outlined" role="status" className={classes.note}>
      Could not refresh, showing the last known state: {describeApiError(props.error)}
    </Alert>
  );
}
