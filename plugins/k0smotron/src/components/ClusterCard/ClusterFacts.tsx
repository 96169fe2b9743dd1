import { Fragment, type ReactNode } from 'react';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ClusterSummary } from '@k0smotron/plugin-k0smotron-common';
import { findCondition } from '@k0smotron/api';
import { ConditionStatus, PhaseStatus } from '../shared/status';
import { formatAge } from '../shared/time';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(3),
    rowGap: theme.spacing(1),
    margin: 0,
  },
  term: {
    color: theme.palette.text.secondary,
    fontWeight: theme.typography.fontWeightMedium as number,
  },
  value: {
    margin: 0,
    overflowWrap: 'anywhere',
  },
  badges: {
    display: 'flex',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
}));

/**
 * The operator's last count of worker nodes. Absent means nobody knows (the control plane did not
 * answer, or has not been asked yet), which is not the same as none.
 */
export function describeWorkers(workers: ClusterSummary['workers']): string {
  if (!workers) return 'unknown';
  if (workers.total === 0) return 'no workers yet';
  return `${workers.ready}/${workers.total} Ready`;
}

/**
 * Whether to show the Cluster as paused: the pause annotation is set and the operator writing the
 * status honours it. Upstream k0smotron's operator ignores it and keeps reconciling.
 */
export function showsPaused(cluster: Pick<ClusterSummary, 'paused' | 'managedBy'>): boolean {
  return cluster.paused && cluster.managedBy !== 'upstream';
}

/** The status-at-a-glance facts of one Cluster as a definition list. */
export function ClusterFacts(props: { cluster: ClusterSummary; now?: Date }) {
  const classes = useStyles();
  const { cluster } = props;
  const paused = showsPaused(cluster);
  const condition = (type: string) => findCondition(cluster.conditions, type);
  const rows: [string, ReactNode][] = [
    ['Phase', <PhaseStatus phase={cluster.phase} />],
    ['Available', <ConditionStatus condition={condition('Available')} phase={cluster.phase} />],
    ['Functional', <ConditionStatus condition={condition('ControlPlaneFunctional')} phase={cluster.phase} />],
    ['Exposed', <ConditionStatus condition={condition('ControlPlaneExposed')} phase={cluster.phase} />],
    ['Replicas', `${cluster.readyReplicas}/${cluster.replicas} ready`],
    ['Workers', <span data-testid="k0smotron-workers">{describeWorkers(cluster.workers)}</span>],
    ['Version', cluster.version || '—'],
    ['Endpoint', cluster.endpoint ?? 'not exposed yet'],
    ['Datastore', cluster.storageType],
    ['Service', cluster.serviceType],
    [
      'Age',
      <time dateTime={cluster.creationTimestamp} title={cluster.creationTimestamp}>
        {formatAge(cluster.creationTimestamp, props.now)}
      </time>,
    ],
  ];
  return (
    <>
      {(paused || cluster.sleeping) && (
        <div className={classes.badges}>
          {paused && <Chip size="small" color="secondary" label="Paused" />}
          {cluster.sleeping && <Chip size="small" label="Sleeping" />}
        </div>
      )}
      <dl className={classes.facts}>
        {rows.map(([term, value]) => (
          <Fragment key={term}>
            <Typography component="dt" variant="body2" className={classes.term}>
              {term}
            </Typography>
            <Typography component="dd" variant="body2" className={classes.value}>
              {value}
            </Typography>
          </Fragment>
        ))}
      </dl>
    </>
  );
}
