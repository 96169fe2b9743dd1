import { useEffect, useMemo, useState } from 'react';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import AddIcon from '@material-ui/icons/Add';
import { Content, ContentHeader, Header, LinkButton, Page, ResponseErrorPanel, Table, WarningPanel, type TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, EntityRefLink } from '@backstage/plugin-catalog-react';
import { CLUSTER_PHASES } from '@k0smotron/api';
import { type ClusterSummary } from '@k0smotron/plugin-k0smotron-common';
import { k0smotronApiRef } from '../../api';
import { PhaseStatus } from '../shared/status';
import { RefreshFailedNote } from '../shared/ClusterStateViews';
import { usePolledAsync } from '../usePolledAsync';
import { formatAge } from '../shared/time';
import { loadClusterEntityRefs } from './catalogLinks';

/** The Software Template registered by the demo app (`examples/templates`). */
export const DEFAULT_CREATE_TEMPLATE_PATH = '/create/templates/default/k0smotron-cluster';
const ALL = '';

export interface K0smotronClustersPageProps {
  /** Where the Create button goes; the k0smotron-cluster Software Template by default. */
  createTemplatePath?: string;
  /** Render without the page header (the new frontend system draws its own). */
  noHeader?: boolean;
  /** How often to re-read the list, in ms; 0 reads it once. 15 s by default. */
  pollIntervalMs?: number;
}

const useStyles = makeStyles(theme => ({
  filters: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2), marginBottom: theme.spacing(2) },
  filter: { minWidth: theme.spacing(25) },
  warning: { marginBottom: theme.spacing(2) },
}));

type Row = ClusterSummary & { id: string; entityRef?: string };

function FilterSelect(props: { id: string; label: string; value: string; options: readonly string[]; onChange: (value: string) => void }) {
  const classes = useStyles();
  return (
    <TextField
      select
      id={props.id}
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      className={classes.filter}
      variant="outlined"
      size="small"
      SelectProps={{ displayEmpty: true }}
      InputLabelProps={{ shrink: true }}
    >
      <MenuItem value={ALL}>All</MenuItem>
      {props.options.map(o => (
        <MenuItem key={o} value={o}>
          {o}
        </MenuItem>
      ))}
    </TextField>
  );
}

export function filterClusters(items: ClusterSummary[], filter: { phase: string; namespace: string; managementCluster: string }): ClusterSummary[] {
  return items.filter(
    c =>
      (filter.phase === ALL || c.phase === filter.phase) &&
      (filter.namespace === ALL || c.namespace === filter.namespace) &&
      (filter.managementCluster === ALL || c.managementCluster === filter.managementCluster),
  );
}

/** Every k0smotron Cluster of every management cluster, with filters and a Create button. */
export function K0smotronClustersPage(props: K0smotronClustersPageProps) {
  const classes = useStyles();
  const api = useApi(k0smotronApiRef);
  const catalogApi = useApi(catalogApiRef);
  // Create is a resource permission decided on the Cluster about to be written; the backend
  // tells whether this user may create anywhere at all (`createAllowed`).
  const [createAllowed, setCreateAllowed] = useState(false);
  useEffect(() => {
    let live = true;
    api.getSettings().then(
      s => live && setCreateAllowed(s.createAllowed),
      () => live && setCreateAllowed(false),
    );
    return () => {
      live = false;
    };
  }, [api]);
  const [phase, setPhase] = useState(ALL);
  const [namespace, setNamespace] = useState(ALL);
  const [managementCluster, setManagementCluster] = useState(ALL);

  const state = usePolledAsync(
    async () => {
      const [list, refs] = await Promise.all([api.listClusters(), loadClusterEntityRefs(catalogApi)]);
      return { list, refs };
    },
    [api, catalogApi],
    props.pollIntervalMs ?? 15_000,
  );

  const items = state.value?.list.items;
  const namespaces = useMemo(() => [...new Set((items ?? []).map(c => c.namespace))].sort(), [items]);
  const managementClusters = useMemo(() => [...new Set((items ?? []).map(c => c.managementCluster))].sort(), [items]);
  const rows: Row[] = useMemo(() => {
    const refs = state.value?.refs;
    return filterClusters(items ?? [], { phase, namespace, managementCluster }).map(c => ({
      ...c,
      id: `${c.managementCluster}/${c.namespace}/${c.name}`,
      entityRef: refs?.lookup(c),
    }));
  }, [items, state.value, phase, namespace, managementCluster]);

  const columns: TableColumn<Row>[] = [
    {
      title: 'Name',
      field: 'name',
      highlight: true,
      render: row =>
        row.entityRef ? <EntityRefLink entityRef={row.entityRef}>{row.name}</EntityRefLink> : <span title="Not in the catalog yet">{row.name}</span>,
    },
    { title: 'Management cluster', field: 'managementCluster' },
    { title: 'Namespace', field: 'namespace' },
    { title: 'Phase', field: 'phase', cellStyle: { whiteSpace: 'nowrap' }, render: row => <PhaseStatus phase={row.phase} /> },
    { title: 'Ready', field: 'readyReplicas', render: row => `${row.readyReplicas}/${row.replicas}` },
    { title: 'Version', field: 'version' },
    { title: 'Endpoint', field: 'endpoint', render: row => row.endpoint ?? '—' },
    {
      title: 'Age',
      field: 'creationTimestamp',
      render: row => (
        <time dateTime={row.creationTimestamp} title={row.creationTimestamp}>
          {formatAge(row.creationTimestamp)}
        </time>
      ),
    },
  ];

  const partialErrors = state.value?.list.errors ?? [];
  const body =
    state.error && !state.value ? (
      <ResponseErrorPanel error={state.error} title="Could not list the k0smotron clusters" />
    ) : (
      <>
        <RefreshFailedNote error={state.error} />
        {partialErrors.length > 0 && (
          <div className={classes.warning}>
            <WarningPanel severity="warning" title="Some management clusters could not be read">
              <ul>
                {partialErrors.map(e => (
                  <li key={e.managementCluster}>
                    <strong>{e.managementCluster}</strong>: {e.message}
                  </li>
                ))}
              </ul>
            </WarningPanel>
          </div>
        )}
        <div className={classes.filters} role="search" aria-label="Filter clusters">
          <FilterSelect id="k0smotron-filter-phase" label="Phase" value={phase} options={CLUSTER_PHASES} onChange={setPhase} />
          <FilterSelect id="k0smotron-filter-namespace" label="Namespace" value={namespace} options={namespaces} onChange={setNamespace} />
          {managementClusters.length > 1 && (
            <FilterSelect
              id="k0smotron-filter-management-cluster"
              label="Management cluster"
              value={managementCluster}
              options={managementClusters}
              onChange={setManagementCluster}
            />
          )}
        </div>
        <Table<Row>
          title={`Control planes (${rows.length})`}
          isLoading={state.loading && !state.value}
          columns={columns}
          data={rows}
          options={{ paging: rows.length > 20, pageSize: 20, search: true, padding: 'dense' }}
          emptyContent={
            <Typography variant="body2" color="textSecondary" className={classes.filter}>
              {items?.length ? 'No control plane matches these filters.' : 'No control planes yet.'}
            </Typography>
          }
        />
      </>
    );

  const content = (
    <Content>
      <ContentHeader title={props.noHeader ? 'k0smotron clusters' : ''}>
        {createAllowed && (
          <LinkButton to={props.createTemplatePath ?? DEFAULT_CREATE_TEMPLATE_PATH} variant="contained" color="primary" startIcon={<AddIcon />}>
            Create
          </LinkButton>
        )}
      </ContentHeader>
      {body}
    </Content>
  );
  if (props.noHeader) return content;
  return (
    <Page themeId="tool">
      <Header title="k0smotron clusters" subtitle="Hosted Kubernetes control planes in every management cluster" />
      {content}
    </Page>
  );
}
