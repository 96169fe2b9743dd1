import { type ReactNode } from 'react';
import { Table, type TableColumn } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { Condition } from '@k0smotron/api';
import type { CertificateSummary, ClusterEvent, ClusterPhase, OwnedObjectSummary, WorkerNode } from '@k0smotron/plugin-k0smotron-common';
import { ConditionStatus, StatusText } from '../shared/status';
import { daysUntil, describeExpiry, formatAge } from '../shared/time';

// The detail tables of the tab. Small, so no paging or search; each says plainly when it is empty.

const tableOptions = { paging: false, search: false, padding: 'dense' as const, draggable: false };

const useStyles = makeStyles(theme => ({ empty: { padding: theme.spacing(2) } }));

function Empty(props: { children: ReactNode }) {
  const classes = useStyles();
  return (
    <Typography variant="body2" color="textSecondary" className={classes.empty}>
      {props.children}
    </Typography>
  );
}

function Since(props: { timestamp: string | undefined; now?: Date }) {
  if (!props.timestamp) return <>—</>;
  return (
    <time dateTime={props.timestamp} title={props.timestamp}>
      {formatAge(props.timestamp, props.now)} ago
    </time>
  );
}

export function ConditionsTable(props: { conditions: Condition[]; phase: ClusterPhase; now?: Date }) {
  const columns: TableColumn<Condition>[] = [
    { title: 'Type', field: 'type', highlight: true },
    { title: 'Status', field: 'status', render: c => <ConditionStatus condition={{ ...c, reason: '' }} phase={props.phase} /> },
    { title: 'Reason', field: 'reason' },
    { title: 'Message', field: 'message', render: c => c.message || '—' },
    { title: 'Since', field: 'lastTransitionTime', render: c => <Since timestamp={c.lastTransitionTime} now={props.now} /> },
  ];
  return (
    <Table<Condition>
      title="Conditions"
      options={tableOptions}
      columns={columns}
      data={props.conditions.map(c => ({ ...c }))}
      emptyContent={<Empty>The operator has not reported any condition yet.</Empty>}
    />
  );
}

export function OwnedObjectsTable(props: { objects: OwnedObjectSummary[] }) {
  const columns: TableColumn<OwnedObjectSummary>[] = [
    { title: 'Kind', field: 'kind' },
    { title: 'Name', field: 'name', highlight: true },
    {
      title: 'Ready',
      field: 'ready',
      render: o =>
        o.ready === undefined ? (
          <Typography variant="body2" color="textSecondary">
            n/a
          </Typography>
        ) : (
          <StatusText level={o.ready ? 'ok' : 'pending'}>{o.ready ? 'Ready' : 'Not ready'}</StatusText>
        ),
    },
    { title: 'Details', field: 'message', render: o => o.message || '—' },
  ];
  return (
    <Table<OwnedObjectSummary>
      title="Owned objects"
      options={tableOptions}
      columns={columns}
      data={props.objects.map(o => ({ ...o }))}
      emptyContent={<Empty>No objects created yet.</Empty>}
    />
  );
}

export function EventsTable(props: { events: ClusterEvent[]; now?: Date }) {
  const columns: TableColumn<ClusterEvent>[] = [
    {
      title: 'Type',
      field: 'type',
      render: e => <StatusText level={e.type === 'Warning' ? 'warning' : 'ok'}>{e.type}</StatusText>,
    },
    { title: 'Reason', field: 'reason' },
    { title: 'Message', field: 'message' },
    { title: 'Count', field: 'count', type: 'numeric' },
    { title: 'Last seen', field: 'lastTimestamp', render: e => <Since timestamp={e.lastTimestamp} now={props.now} /> },
  ];
  const sorted = [...props.events].sort((a, b) => Date.parse(b.lastTimestamp) - Date.parse(a.lastTimestamp));
  return (
    <Table<ClusterEvent>
      title="Recent events"
      options={tableOptions}
      columns={columns}
      data={sorted}
      emptyContent={<Empty>No recent events (Kubernetes keeps events for about an hour).</Empty>}
    />
  );
}

/** Certificates expiring within this many days are flagged. */
export const CERT_WARNING_DAYS = 30;

export function CertificatesTable(props: { certificates: CertificateSummary[]; now?: Date }) {
  const columns: TableColumn<CertificateSummary>[] = [
    { title: 'Secret', field: 'name', highlight: true },
    { title: 'Purpose', field: 'purpose' },
    {
      title: 'Expires',
      field: 'notAfter',
      render: c => {
        const days = daysUntil(c.notAfter, props.now);
        const level = days === undefined ? 'pending' : days < 0 ? 'error' : days < CERT_WARNING_DAYS ? 'warning' : 'ok';
        return (
          <StatusText level={level}>
            <time dateTime={c.notAfter} title={c.notAfter}>
              {describeExpiry(c.notAfter, props.now)}
            </time>
          </StatusText>
        );
      },
    },
  ];
  const sorted = [...props.certificates].sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));
  return (
    <Table<CertificateSummary>
      title="Certificates"
      options={tableOptions}
      columns={columns}
      data={sorted}
      emptyContent={<Empty>No certificates found.</Empty>}
    />
  );
}

/**
 * The child cluster's Nodes. `error` is why the backend could not list them now (the control
 * plane asleep or not answering); the last list, if any, stays on screen with that note.
 */
export function WorkersTable(props: { nodes?: WorkerNode[]; error?: string; loading?: boolean; now?: Date }) {
  const columns: TableColumn<WorkerNode>[] = [
    { title: 'Node', field: 'name', highlight: true },
    {
      title: 'Ready',
      field: 'ready',
      render: n => (
        <StatusText level={n.ready === 'True' ? 'ok' : n.ready === 'False' ? 'error' : 'pending'}>
          {n.ready === 'True' ? 'Ready' : n.ready === 'False' ? 'Not ready' : 'Unknown'}
        </StatusText>
      ),
    },
    { title: 'Kubelet', field: 'kubeletVersion', render: n => n.kubeletVersion ?? '—' },
    { title: 'Age', field: 'createdAt', render: n => <Since timestamp={n.createdAt} now={props.now} /> },
    { title: 'Address', field: 'address', render: n => n.address ?? '—' },
  ];
  const empty = props.error
    ? `Cannot list the nodes now: ${props.error}`
    : props.loading
      ? 'Asking the control plane for its nodes…'
      : 'No worker has joined yet. Use "Join a worker" to get a token.';
  return (
    <Table<WorkerNode>
      title="Worker nodes"
      subtitle={props.error && props.nodes?.length ? `Last known list; now: ${props.error}` : undefined}
      options={tableOptions}
      columns={columns}
      data={(props.nodes ?? []).map(n => ({ ...n }))}
      emptyContent={<Empty>{empty}</Empty>}
    />
  );
}
