import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import DeleteIcon from '@material-ui/icons/Delete';
import GetAppIcon from '@material-ui/icons/GetApp';
import PauseIcon from '@material-ui/icons/Pause';
import PlayArrowIcon from '@material-ui/icons/PlayArrow';
import UnfoldMoreIcon from '@material-ui/icons/UnfoldMore';
import UpdateIcon from '@material-ui/icons/Update';
import PersonAddIcon from '@material-ui/icons/PersonAdd';
import { InfoCard } from '@backstage/core-components';
import { alertApiRef, errorApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  formatClusterAnnotation,
  k0smotronClusterDeletePermission,
  k0smotronControllerJoinTokenCreatePermission,
  k0smotronClusterUpdatePermission,
  k0smotronJoinTokenCreatePermission,
  k0smotronKubeconfigReadPermission,
  type ClusterRef,
  type ClusterSummary,
} from '@k0smotron/plugin-k0smotron-common';
import { describeApiError, k0smotronApiRef } from '../../api';
import { JoinWorkerDialog } from '../JoinWorkerDialog';
import { DeleteDialog, ScaleDialog, UpgradeDialog } from './ClusterActionDialogs';

const useStyles = makeStyles(theme => ({
  actions: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) },
  delete: { color: theme.palette.error.main, borderColor: theme.palette.error.main },
}));

type OpenDialog = 'scale' | 'upgrade' | 'delete' | 'join' | undefined;

function downloadText(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

/** What the user may do with one Cluster; each action shows only with its permission. */
export function ClusterActions(props: { cluster: ClusterSummary; clusterRef: ClusterRef; onChanged: () => void }) {
  const classes = useStyles();
  const api = useApi(k0smotronApiRef);
  const alertApi = useApi(alertApiRef);
  const errorApi = useApi(errorApiRef);
  // Resource permissions: the backend decides them for this Cluster (owner, namespace,
  // management cluster), so a team sees the buttons of its own control planes only.
  const resourceRef = formatClusterAnnotation(props.clusterRef);
  const update = usePermission({ permission: k0smotronClusterUpdatePermission, resourceRef });
  const remove = usePermission({ permission: k0smotronClusterDeletePermission, resourceRef });
  const join = usePermission({ permission: k0smotronJoinTokenCreatePermission, resourceRef });
  const joinController = usePermission({ permission: k0smotronControllerJoinTokenCreatePermission, resourceRef });
  const kubeconfig = usePermission({ permission: k0smotronKubeconfigReadPermission, resourceRef });
  const [dialog, setDialog] = useState<OpenDialog>();
  const [pausing, setPausing] = useState(false);
  const { cluster, clusterRef } = props;

  const done = (message: string) => {
    alertApi.post({ message, severity: 'success', display: 'transient' });
    props.onChanged();
  };
  const togglePause = async () => {
    setPausing(true);
    try {
      await api.updateCluster(clusterRef, { paused: !cluster.paused });
      done(cluster.paused ? `Resumed reconciling ${cluster.name}` : `Paused reconciling ${cluster.name}`);
    } catch (e) {
      errorApi.post(new Error(`Could not ${cluster.paused ? 'resume' : 'pause'} ${cluster.name}: ${describeApiError(e)}`));
    } finally {
      setPausing(false);
    }
  };
  const downloadKubeconfig = async () => {
    try {
      downloadText(`${cluster.name}.kubeconfig`, await api.getKubeconfig(clusterRef));
    } catch (e) {
      errorApi.post(new Error(`Could not read the kubeconfig of ${cluster.name}: ${describeApiError(e)}`));
    }
  };

  const deleting = cluster.phase === 'Deleting';
  const loading = update.loading || remove.loading || join.loading || kubeconfig.loading;
  const any = update.allowed || remove.allowed || join.allowed || kubeconfig.allowed;

  return (
    <InfoCard title="Actions">
      {!loading && !any && (
        <Typography variant="body2" color="textSecondary">
          You do not have permission to change this control plane.
        </Typography>
      )}
      <div className={classes.actions}>
        {update.allowed && (
          <>
            <Button variant="outlined" startIcon={<UnfoldMoreIcon />} onClick={() => setDialog('scale')} disabled={deleting}>
              Scale
            </Button>
            <Button variant="outlined" startIcon={<UpdateIcon />} onClick={() => setDialog('upgrade')} disabled={deleting}>
              Upgrade
            </Button>
            {/* Upstream k0smotron's operator ignores the pause annotation: no button that does nothing. */}
            {cluster.managedBy !== 'upstream' && (
              <Button variant="outlined" startIcon={cluster.paused ? <PlayArrowIcon /> : <PauseIcon />} onClick={togglePause} disabled={deleting || pausing}>
                {cluster.paused ? 'Resume' : 'Pause'}
              </Button>
            )}
          </>
        )}
        {join.allowed && (
          <Button variant="outlined" startIcon={<PersonAddIcon />} onClick={() => setDialog('join')} disabled={deleting}>
            Join a worker
          </Button>
        )}
        {kubeconfig.allowed && (
          <Button variant="outlined" startIcon={<GetAppIcon />} onClick={downloadKubeconfig} disabled={deleting}>
            Download kubeconfig
          </Button>
        )}
        {remove.allowed && (
          <Button variant="outlined" className={classes.delete} startIcon={<DeleteIcon />} onClick={() => setDialog('delete')} disabled={deleting}>
            Delete
          </Button>
        )}
      </div>
      {dialog === 'scale' && (
        <ScaleDialog
          open
          cluster={cluster}
          onClose={() => setDialog(undefined)}
          onScale={async replicas => {
            await api.updateCluster(clusterRef, { replicas });
            done(replicas === 0 ? `${cluster.name} is going to sleep` : `Scaling ${cluster.name} to ${replicas} controllers`);
          }}
        />
      )}
      {dialog === 'upgrade' && (
        <UpgradeDialog
          open
          cluster={cluster}
          onClose={() => setDialog(undefined)}
          onUpgrade={async version => {
            await api.updateCluster(clusterRef, { version });
            done(`Upgrading ${cluster.name} to ${version}`);
          }}
        />
      )}
      {dialog === 'delete' && (
        <DeleteDialog
          open
          cluster={cluster}
          clusterRef={clusterRef}
          onClose={() => setDialog(undefined)}
          onDelete={async () => {
            await api.deleteCluster(clusterRef);
            done(`Deleting ${cluster.name}`);
          }}
        />
      )}
      <JoinWorkerDialog
        open={dialog === 'join'}
        clusterRef={clusterRef}
        allowController={joinController.allowed}
        onClose={() => setDialog(undefined)}
        onWorkerJoined={props.onChanged}
      />
    </InfoCard>
  );
}
