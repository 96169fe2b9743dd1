// Status interpretation for Clusters whatever operator wrote them. The upstream objects below have
// the shape of upstream k0smotron's Go types: v1beta2 `ClusterStatus` with
// `ClusterStatusDeprecated{V1Beta1 *ClusterStatusV1beta1Deprecated{ReconciliationStatus, Ready}}`
// (api/k0smotron.io/v1beta2/k0smotroncluster_types.go), its v1beta1 form with `ready` and
// `reconciliationStatus` at the top, the condition types and reasons its status code sets
// (k0smotroncluster_status.go), and `JoinTokenRequestStatus{TokenID, ClusterUID, Conditions,
// Deprecated}` (api/k0smotron.io/v1beta2/jointokenrequest_types.go).
import type { Cluster } from './schema/cluster';
import type { JoinTokenRequest } from './schema/jointokenrequest';
import { clusterPhase, clusterSummary, joinTokenRequestPhase } from './summary';
import { clusterEndpoint, controlPlaneReady, joinTokenExpiry, statusWriter, upstreamStatusFields } from './status';

const at = '2026-03-01T10:00:00Z';
const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = '') => ({ type, status, reason, message, lastTransitionTime: at });

/** Conditions as upstream sets them for a healthy control plane without spec.externalAddress. */
function upstreamConditions(opts: { exposed: boolean; functional?: 'True' | 'False'; functionalReason?: string; available?: 'True' | 'False' }) {
  return [
    cond(
      'Available',
      opts.available ?? (opts.exposed ? 'True' : 'False'),
      opts.available === 'True' || (opts.available === undefined && opts.exposed) ? 'Available' : 'NotAvailable',
    ),
    cond('ControlPlaneFunctional', opts.functional ?? 'True', opts.functionalReason ?? 'KubeSystemNamespaceFound'),
    cond('KubeconfigSecretAvailable', 'True', 'Created'),
    cond(
      'ControlPlaneExposed',
      opts.exposed ? 'True' : 'False',
      'ClusterWithExternalAddress',
      opts.exposed ? '' : 'Waiting for external address. Check controller logs for more details.',
    ),
    cond('ControlPlaneScaling', 'False', 'ControlPlaneWithDesiredReplicas'),
    cond('ControlPlaneUpToDate', 'True', 'AllReplicasUpToDate'),
    cond('CertificatesAvailable', 'True', 'Created'),
    cond('Deleting', 'False', 'NotDeleting'),
  ];
}

function upstreamCluster(spec: Cluster['spec'], status: Record<string, unknown>, name = 'up'): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace: 'team', generation: 1 },
    spec,
    status: status as Cluster['status'],
  };
}

const healthy = (conditions = upstreamConditions({ exposed: false })) => ({
  replicas: 1,
  readyReplicas: 1,
  updatedReplicas: 1,
  selector: 'app=k0smotron,cluster=up,cluster.x-k8s.io/control-plane=true,component=cluster',
  conditions,
  deprecated: { v1beta1: { reconciliationStatus: 'Reconciliation successful', ready: true } },
});

describe('statusWriter', () => {
  it('tells our status (observedGeneration), upstream status (its markers) and none apart', () => {
    expect(statusWriter(upstreamCluster({ replicas: 1 }, healthy()))).toBe('upstream');
    expect(statusWriter(upstreamCluster({ replicas: 1 }, { reconciliationStatus: 'Reconciliation successful', ready: false }))).toBe('upstream');
    expect(statusWriter(upstreamCluster({ replicas: 1 }, { conditions: [cond('ControlPlaneFunctional', 'True', 'KubeSystemNamespaceFound')] }))).toBe(
      'upstream',
    );
    expect(statusWriter(upstreamCluster({ replicas: 1 }, { observedGeneration: 1, ready: true, reconciliationStatus: 'Reconciliation successful' }))).toBe(
      'k0smotron',
    );
    expect(statusWriter(upstreamCluster({ replicas: 1 }, {}))).toBe('none');
    expect(statusWriter({ status: undefined })).toBe('none');
  });
});

describe('upstreamStatusFields and controlPlaneReady', () => {
  it('reads ready and reconciliationStatus from the v1beta2 deprecated block or the v1beta1 top level', () => {
    expect(upstreamStatusFields(upstreamCluster({}, healthy()))).toEqual({ ready: true, reconciliationStatus: 'Reconciliation successful' });
    expect(upstreamStatusFields(upstreamCluster({}, { ready: false, reconciliationStatus: 'Failed reconciling services' }))).toEqual({
      ready: false,
      reconciliationStatus: 'Failed reconciling services',
    });
    expect(upstreamStatusFields(upstreamCluster({}, { deprecated: { v1beta1: { ready: 'yes' } } }))).toEqual({});
  });
  it('prefers the StatefulSet, then the operator flag, then readyReplicas', () => {
    const c = upstreamCluster({ replicas: 3 }, { ...healthy(), readyReplicas: 1, deprecated: { v1beta1: { ready: false } } });
    expect(controlPlaneReady(c)).toBe(false);
    expect(controlPlaneReady(c, { status: { readyReplicas: 3 } })).toBe(true);
    expect(
      controlPlaneReady(
        upstreamCluster({ replicas: 2 }, { conditions: [cond('ControlPlaneExposed', 'True', 'ClusterWithExternalAddress')], readyReplicas: 2 }),
      ),
    ).toBe(true);
    expect(controlPlaneReady(upstreamCluster({ replicas: 2 }, {}))).toBeUndefined();
  });
});

describe('clusterPhase of upstream-managed Clusters', () => {
  it('is Available when upstream says Available', () => {
    const c = upstreamCluster({ replicas: 1, externalAddress: '203.0.113.7', service: { type: 'NodePort' } }, healthy(upstreamConditions({ exposed: true })));
    expect(clusterPhase(c)).toBe('Available');
    expect(clusterSummary(c).message).toBe('');
  });
  it('is Available for a ClusterIP control plane whose API answers, though upstream never marks it Available', () => {
    const c = upstreamCluster({ replicas: 1, service: { type: 'ClusterIP' } }, healthy());
    expect(clusterPhase(c)).toBe('Available');
    // ...but not while a replica is missing.
    const missing = upstreamCluster(
      { replicas: 3, service: { type: 'ClusterIP' } },
      { ...healthy(), readyReplicas: 1, deprecated: { v1beta1: { ready: false } } },
    );
    expect(clusterPhase(missing)).toBe('Progressing');
  });
  it('is Degraded on InternalError or a failed reconciliationStatus, with the reason as message', () => {
    const internal = upstreamCluster(
      { replicas: 1 },
      healthy(
        upstreamConditions({ exposed: false, functional: 'False', functionalReason: 'InternalError' }).map(c =>
          c.type === 'ControlPlaneFunctional' ? { ...c, message: "failed to get namespace 'kube-system': timeout" } : c,
        ),
      ),
    );
    expect(clusterPhase(internal)).toBe('Degraded');
    expect(clusterSummary(internal).message).toBe("ControlPlaneFunctional: failed to get namespace 'kube-system': timeout");
    const failed = upstreamCluster(
      { replicas: 1 },
      { deprecated: { v1beta1: { reconciliationStatus: 'Failed reconciling services, dial tcp: timeout', ready: false } } },
    );
    expect(clusterPhase(failed)).toBe('Degraded');
    expect(clusterSummary(failed).message).toBe('reconciliationStatus: Failed reconciling services, dial tcp: timeout');
  });
  it('is Progressing while the kubeconfig or the API is not there yet, saying which', () => {
    const starting = upstreamCluster(
      { replicas: 1 },
      {
        replicas: 1,
        conditions: [
          cond('KubeconfigSecretAvailable', 'False', 'NoReadyReplicas', 'It is needed to have at least 1 ready replica to generate the workload kubeconfig'),
          cond('ControlPlaneFunctional', 'False', 'KubeSystemNamespaceFound', 'Waiting for kubeconfig secret to be available'),
        ],
        deprecated: { v1beta1: { ready: false } },
      },
    );
    expect(clusterPhase(starting)).toBe('Progressing');
    expect(clusterSummary(starting).message).toBe(
      'KubeconfigSecretAvailable: It is needed to have at least 1 ready replica to generate the workload kubeconfig',
    );
  });
  it('ignores our pause annotation, which upstream does not honour; Deleting still wins', () => {
    const c = upstreamCluster({ replicas: 1, service: { type: 'ClusterIP' } }, healthy());
    c.metadata.annotations = { 'k0smotron.io/paused': 'true' };
    expect(clusterPhase(c)).toBe('Available');
    c.metadata.deletionTimestamp = at;
    expect(clusterPhase(c)).toBe('Deleting');
  });
});

describe('clusterEndpoint', () => {
  it('uses our status.endpoint as is, and derives nothing for our Clusters or unreported ones', () => {
    expect(clusterEndpoint(upstreamCluster({}, { observedGeneration: 1, endpoint: 'https://10.0.0.1:30443' }))).toEqual({
      url: 'https://10.0.0.1:30443',
      source: 'status',
    });
    expect(clusterEndpoint(upstreamCluster({ externalAddress: '1.2.3.4' }, { observedGeneration: 1 }))).toBeUndefined();
    expect(clusterEndpoint(upstreamCluster({ externalAddress: '1.2.3.4' }, {}))).toBeUndefined();
  });
  it('derives it for upstream Clusters the way upstream builds kubeconfigs', () => {
    const up = (spec: Cluster['spec']) => upstreamCluster(spec, healthy());
    expect(clusterEndpoint(up({ externalAddress: '203.0.113.7', service: { type: 'NodePort', apiPort: 31443 } }))).toEqual({
      url: 'https://203.0.113.7:31443',
      source: 'externalAddress',
    });
    expect(clusterEndpoint(up({ externalAddress: 'fd00::7', service: { type: 'NodePort' } }))?.url).toBe('https://[fd00::7]:30443');
    expect(clusterEndpoint(up({ service: { type: 'ClusterIP' } }))).toEqual({ url: 'https://kmc-up.team.svc:30443', source: 'serviceDNS' });
    const ingress = { ...up({ service: { type: 'ClusterIP' } }) };
    (ingress.spec as Record<string, unknown>).ingress = { apiHost: 'api.example.com', konnectivityHost: 'k.example.com' };
    expect(clusterEndpoint(ingress)).toEqual({ url: 'https://api.example.com:443', source: 'ingress' });
    expect(clusterEndpoint(up({ service: { type: 'NodePort' } }))).toBeUndefined();
    const lb = up({ service: { type: 'LoadBalancer' } });
    expect(clusterEndpoint(lb)).toBeUndefined();
    expect(clusterEndpoint(lb, { spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } })).toEqual({
      url: 'https://lb.example.com:30443',
      source: 'loadBalancer',
    });
    expect(clusterSummary(up({ service: { type: 'ClusterIP' } })).endpoint).toBe('https://kmc-up.team.svc:30443');
  });
});

describe('join tokens issued by upstream', () => {
  const jtr = (spec: JoinTokenRequest['spec'], status: Record<string, unknown>): JoinTokenRequest => ({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'JoinTokenRequest',
    metadata: { name: 'j', namespace: 'team' },
    spec,
    status: status as JoinTokenRequest['status'],
  });
  const issued = {
    tokenID: 'abc123',
    clusterUID: 'u-1',
    conditions: [cond('JoinTokenSecretCreated', 'True', 'Created')],
    deprecated: { v1beta1: { reconciliationStatus: 'Reconciliation successful' } },
  };
  it('estimates the expiry from the issue time and spec.expiry; 0s never expires', () => {
    expect(joinTokenExpiry(jtr({ clusterName: 'up', expiry: '1h' }, issued))).toEqual({ kind: 'at', at: '2026-03-01T11:00:00Z', estimated: true });
    expect(joinTokenExpiry(jtr({ clusterName: 'up', expiry: '0s' }, issued))).toEqual({ kind: 'never' });
    expect(joinTokenExpiry(jtr({ clusterName: 'up' }, issued))).toEqual({ kind: 'never' });
    expect(joinTokenExpiry(jtr({ clusterName: 'up', expiry: '1h' }, {}))).toEqual({ kind: 'unknown' });
    expect(joinTokenExpiry(jtr({ clusterName: 'up', expiry: '1h' }, { tokenID: 'abc123', expiration: '2026-03-02T00:00:00Z', observedGeneration: 1 }))).toEqual(
      {
        kind: 'at',
        at: '2026-03-02T00:00:00Z',
        estimated: false,
      },
    );
    expect(joinTokenExpiry(jtr({ clusterName: 'up', expiry: '1h' }, { tokenID: 'abc123', observedGeneration: 1 }))).toEqual({ kind: 'never' });
  });
  it('has the phases Issued and Expired by that estimate, and Issued for a bare tokenID (older upstream)', () => {
    expect(joinTokenRequestPhase(jtr({ clusterName: 'up', expiry: '1h' }, issued), new Date('2026-03-01T10:30:00Z'))).toBe('Issued');
    expect(joinTokenRequestPhase(jtr({ clusterName: 'up', expiry: '1h' }, issued), new Date('2026-03-01T11:00:01Z'))).toBe('Expired');
    expect(joinTokenRequestPhase(jtr({ clusterName: 'up' }, { tokenID: 'abc123', reconciliationStatus: 'Reconciliation successful' }))).toBe('Issued');
    expect(joinTokenRequestPhase(jtr({ clusterName: 'up' }, { reconciliationStatus: 'Failed getting token' }))).toBe('Pending');
  });
});
