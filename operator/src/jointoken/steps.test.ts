// The pure steps of the JoinTokenRequest reconcile, each on its own: the policy's answer, the
// finalizer and owner patch, joinability, the status, revocation and the control-plane wait.
import type { V1Secret } from '@kubernetes/client-node';
import { DEFAULT_TENANT_POLICY, type Cluster, type JoinTokenRequest } from '@k0smotron/api';
import { ChildAccessError } from '../childapi/access';
import { ChildApiError } from '../childapi/client';
import { admission } from './admission';
import { issuedClusterGone } from './cluster-ref';
import { joinability } from './joinability';
import { JTR_FINALIZER, finalizerAndOwnerPatch, releaseFinalizerPatch } from './metadata';
import { keepTryingToRevoke, notRevokedMessage, REVOKE_GIVE_UP_MS, revocation } from './revoke';
import { createdCondition, desiredStatus, issuingCondition, notCreatedCondition, tokenIssued } from './status';
import { CHILD_RETRY_BASE_MS, CHILD_RETRY_MAX_MS, controlPlaneWaitMs, controlPlaneWaitReason } from './wait-schedule';

const now = new Date('2026-05-01T00:00:00Z');

function request(over: Partial<JoinTokenRequest> = {}): JoinTokenRequest {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'JoinTokenRequest',
    metadata: { name: 'w', namespace: 'ns', uid: 'jtr-uid', generation: 3, resourceVersion: '7', ...over.metadata },
    spec: { clusterName: 'c1', ...over.spec },
    ...(over.status ? { status: over.status } : {}),
  };
}

/** `endpoint: null`: the Cluster has none yet. */
function cluster(over: Partial<Cluster['metadata']> = {}, endpoint: string | null = 'https://192.0.2.2:30443'): Cluster {
  return {
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'c1', namespace: 'ns', uid: 'cluster-uid', ...over },
    status: endpoint === null ? {} : { endpoint },
  };
}

const created = { type: 'JoinTokenSecretCreated', status: 'True' as const, reason: 'Created', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' };

describe('the control-plane wait schedule', () => {
  it('2 s doubling to 30 s, a requeue and not a failure', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(controlPlaneWaitMs)).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(CHILD_RETRY_BASE_MS).toBe(2000);
    expect(CHILD_RETRY_MAX_MS).toBe(30000);
  });
  it('waits for what a starting control plane lacks; anything else is a real error', () => {
    expect(controlPlaneWaitReason(new ChildAccessError('no CA yet', 'CertificatesNotReady'))).toBe('WaitingForCertificates');
    expect(controlPlaneWaitReason(new ChildAccessError('no address yet', 'AddressUnknown'))).toBe('WaitingForEndpoint');
    for (const r of ['Unreachable', 'Timeout', 'TLSError'] as const) expect(controlPlaneWaitReason(new ChildApiError('x', r))).toBe('ControlPlaneUnreachable');
    expect(controlPlaneWaitReason(new ChildApiError('x', 'Forbidden', 403))).toBeUndefined();
    expect(controlPlaneWaitReason(new Error('x'))).toBeUndefined();
  });
});

describe('admission (the tenant policy)', () => {
  const base = { role: 'worker' as const, clusterKey: { namespace: 'ns', name: 'c1' }, storage: undefined, issued: false };
  it('allowed: the default expiry, capped by the policy', () => {
    expect(admission({ ...base, jtr: request(), cluster: cluster() }, DEFAULT_TENANT_POLICY)).toEqual({ expiryMs: 24 * 3_600_000 });
    expect(admission({ ...base, jtr: request({ spec: { expiry: '1h' } }), cluster: cluster() }, DEFAULT_TENANT_POLICY)).toEqual({ expiryMs: 3_600_000 });
  });
  it("another namespace's Cluster: refused alike whether it exists or not, so requests cannot probe for Clusters", () => {
    const other = { ...base, clusterKey: { namespace: 'other', name: 'c1' } };
    const jtr = request({ spec: { clusterRef: { name: 'c1', namespace: 'other' } } });
    const missing = admission({ ...other, jtr, cluster: undefined }, DEFAULT_TENANT_POLICY);
    const existing = admission({ ...other, jtr, cluster: cluster({ namespace: 'other' }) }, DEFAULT_TENANT_POLICY);
    expect(missing).toEqual({
      refused: { reason: 'CrossNamespaceDenied', message: expect.stringContaining('Cluster other/c1 does not allow join tokens from namespace ns') },
    });
    expect(existing).toEqual(missing);
  });
  it('a missing Cluster of its own namespace is left to wait (ClusterNotFound), unless the expiry alone is refused', () => {
    const denied = { ...base, clusterKey: { namespace: 'kube-system', name: 'c1' } };
    const jtr = request({ metadata: { name: 'w', namespace: 'kube-system' } });
    expect(admission({ ...denied, jtr, cluster: undefined }, DEFAULT_TENANT_POLICY)).toEqual({ expiryMs: undefined });
    expect(admission({ ...denied, jtr, cluster: cluster({ namespace: 'kube-system' }) }, DEFAULT_TENANT_POLICY)).toMatchObject({
      refused: { reason: 'PolicyViolation' },
    });
    expect(admission({ ...base, jtr: request({ spec: { expiry: '0s' } }), cluster: undefined }, DEFAULT_TENANT_POLICY)).toMatchObject({
      refused: { reason: 'PolicyViolation', message: expect.stringContaining('never expires') },
    });
  });
  it('a refusal after a token was issued says that token keeps working', () => {
    const a = admission({ ...base, issued: true, jtr: request({ spec: { expiry: '-1h' } }), cluster: cluster() }, DEFAULT_TENANT_POLICY);
    expect(a.refused?.message).toMatch(/is negative.*\(the token issued earlier keeps working until it expires; delete this JoinTokenRequest to revoke it\)$/);
  });
  it('a controller token for storage k0s cannot join is refused', () => {
    const a = admission(
      { ...base, role: 'controller', storage: { type: 'etcd' }, jtr: request({ spec: { role: 'controller' } }), cluster: cluster() },
      DEFAULT_TENANT_POLICY,
    );
    expect(a).toMatchObject({ refused: { reason: 'StorageNotJoinable' } });
  });
});

describe('the finalizer and the owner reference', () => {
  it('both added to a new request, with the cached resourceVersion', () => {
    expect(finalizerAndOwnerPatch(request(), cluster())).toEqual({
      metadata: {
        resourceVersion: '7',
        finalizers: [JTR_FINALIZER],
        ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'c1', uid: 'cluster-uid', controller: true, blockOwnerDeletion: true }],
      },
    });
  });
  it('no owner for a missing Cluster or one in another namespace; not a controller owner when something else controls it', () => {
    expect(finalizerAndOwnerPatch(request(), undefined)).toEqual({ metadata: { resourceVersion: '7', finalizers: [JTR_FINALIZER] } });
    expect(finalizerAndOwnerPatch(request(), cluster({ namespace: 'other' }))).toEqual({ metadata: { resourceVersion: '7', finalizers: [JTR_FINALIZER] } });
    const owned = request({
      metadata: {
        name: 'w',
        namespace: 'ns',
        finalizers: [JTR_FINALIZER],
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x', controller: true }],
      },
    });
    expect(finalizerAndOwnerPatch(owned, cluster())?.metadata.ownerReferences?.[1]).toMatchObject({ uid: 'cluster-uid', controller: false });
  });
  it('nothing when both are there (no write)', () => {
    const done = request({
      metadata: {
        name: 'w',
        namespace: 'ns',
        finalizers: [JTR_FINALIZER],
        ownerReferences: [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: 'c1', uid: 'cluster-uid' }],
      },
    });
    expect(finalizerAndOwnerPatch(done, cluster())).toBeUndefined();
  });
  it('release takes only our finalizer off', () => {
    const jtr = request({ metadata: { name: 'w', namespace: 'ns', resourceVersion: '9', finalizers: ['other/f', JTR_FINALIZER] } });
    expect(releaseFinalizerPatch(jtr)).toEqual({ metadata: { resourceVersion: '9', finalizers: ['other/f'] } });
  });
});

describe('joinability', () => {
  const base = { role: 'worker' as const, clusterKey: { namespace: 'ns', name: 'c1' }, issued: false, userSecret: undefined };
  it('waits for a missing Cluster, a Cluster being deleted and an endpoint, in that order', () => {
    expect(joinability({ ...base, jtr: request(), cluster: undefined })).toEqual({
      wait: { reason: 'ClusterNotFound', message: expect.stringContaining('Cluster ns/c1 does not exist') },
    });
    expect(joinability({ ...base, jtr: request(), cluster: cluster({ deletionTimestamp: '2026-01-01T00:00:00Z' }, null) })).toMatchObject({
      wait: { reason: 'ClusterDeleting' },
    });
    expect(joinability({ ...base, jtr: request(), cluster: cluster({}, null) })).toMatchObject({ wait: { reason: 'WaitingForEndpoint' } });
  });
  it('issues for the URL the role dials', () => {
    expect(joinability({ ...base, jtr: request(), cluster: cluster() })).toMatchObject({ server: 'https://192.0.2.2:30443' });
    expect(joinability({ ...base, role: 'controller', jtr: request(), cluster: cluster() })).toMatchObject({ server: 'https://192.0.2.2:9443' });
  });
  it('done only when issued and the Secret is the one this request wrote', () => {
    const secret = (uid: string): V1Secret => ({
      metadata: { name: 'w', labels: { 'k0smotron.io/token-request': 'w' }, ownerReferences: [{ apiVersion: 'x', kind: 'JoinTokenRequest', name: 'w', uid }] },
    });
    expect(joinability({ ...base, issued: true, userSecret: secret('jtr-uid'), jtr: request(), cluster: cluster() })).toEqual({ done: true });
    expect(joinability({ ...base, issued: true, userSecret: secret('someone-else'), jtr: request(), cluster: cluster() })).toMatchObject({
      server: expect.any(String),
    });
    expect(joinability({ ...base, issued: false, userSecret: secret('jtr-uid'), jtr: request(), cluster: cluster() })).toMatchObject({
      server: expect.any(String),
    });
  });
  it('a request whose Cluster was replaced or removed is gone too', () => {
    const issued = request({ status: { clusterUID: 'cluster-uid' } });
    expect(issuedClusterGone(issued, cluster())).toBe(false);
    expect(issuedClusterGone(issued, cluster({ uid: 'new-uid' }))).toBe(true);
    expect(issuedClusterGone(issued, undefined)).toBe(true);
    expect(issuedClusterGone(request(), undefined)).toBe(false);
  });
});

describe('status', () => {
  it('keeps what the request has, adds the patch, and says the condition in reconciliationStatus', () => {
    const jtr = request({ status: { cluster: 'ns/c1', clusterUID: 'cluster-uid', expiration: '2026-05-02T00:00:00Z' } });
    const s = desiredStatus(jtr, undefined, { tokenID: 'abcdef' }, notCreatedCondition(jtr, 'ControlPlaneUnreachable', 'cannot reach it'), now);
    expect(s).toEqual({
      tokenID: 'abcdef',
      expiration: '2026-05-02T00:00:00Z',
      cluster: 'ns/c1',
      clusterUID: 'cluster-uid',
      observedGeneration: 3,
      reconciliationStatus: 'ControlPlaneUnreachable: cannot reach it',
      conditions: [
        {
          type: 'JoinTokenSecretCreated',
          status: 'False',
          reason: 'ControlPlaneUnreachable',
          message: 'cannot reach it',
          observedGeneration: 3,
          lastTransitionTime: '2026-05-01T00:00:00Z',
        },
      ],
    });
  });
  it('a cache lagging behind our own write never drops the recorded token id', () => {
    const s = desiredStatus(request(), 'abcdef', {}, notCreatedCondition(request(), 'R', 'm'), now);
    expect(s.tokenID).toBe('abcdef');
    expect(desiredStatus(request({ status: { tokenID: 'zzzzzz' } }), 'abcdef', {}, notCreatedCondition(request(), 'R', 'm'), now).tokenID).toBe('zzzzzz');
  });
  it('the condition while issuing, and once the Secret holds the token', () => {
    expect(issuingCondition(request(), 'abcdef')).toEqual({
      type: 'JoinTokenSecretCreated',
      status: 'False',
      reason: 'Issuing',
      message: 'writing bootstrap token abcdef to the control plane',
      observedGeneration: 3,
    });
    expect(createdCondition(request(), 'abcdef', 'w', '2026-05-02T00:00:00Z')).toMatchObject({
      status: 'True',
      reason: 'Created',
      message: 'token abcdef is in Secret w (key token), valid until 2026-05-02T00:00:00Z',
    });
    expect(createdCondition(request(), 'abcdef', 'w', undefined).message).toBe('token abcdef is in Secret w (key token), never expires');
  });
  it('issued means an id and a True condition', () => {
    expect(tokenIssued(request({ status: { tokenID: 'abcdef', conditions: [created] } }))).toBe(true);
    expect(tokenIssued(request({ status: { tokenID: 'abcdef', conditions: [{ ...created, status: 'False' }] } }))).toBe(false);
    expect(tokenIssued(request({ status: { conditions: [created] } }))).toBe(false);
  });
});

describe('revocation', () => {
  const issued = (status: JoinTokenRequest['status']) => request({ status: { tokenID: 'abcdef', clusterUID: 'cluster-uid', ...status } });
  it('revokes in the Cluster the token was issued for', () => {
    expect(revocation(issued({}), cluster(), now)).toEqual({ revoke: 'abcdef', cluster: cluster() });
    expect(revocation(issued({ expiration: '2026-05-01T01:00:00Z' }), cluster(), now)).toMatchObject({ revoke: 'abcdef' });
  });
  it('releases at once: no token, Cluster gone, deleting or replaced, token expired', () => {
    expect(revocation(request(), cluster(), now)).toEqual({ release: true });
    expect(revocation(issued({}), undefined, now)).toEqual({ release: true });
    expect(revocation(issued({}), cluster({ deletionTimestamp: '2026-01-01T00:00:00Z' }), now)).toEqual({ release: true });
    expect(revocation(issued({}), cluster({ uid: 'new-uid' }), now)).toEqual({ release: true });
    expect(revocation(issued({ expiration: '2026-05-01T00:00:00Z' }), cluster(), now)).toEqual({ release: true });
  });
  it('gives up REVOKE_GIVE_UP_MS after the deletion, saying how long the token may work and how to delete it', () => {
    const jtr = issued({ expiration: '2026-05-02T00:00:00Z' });
    const at = (msAgo: number): JoinTokenRequest => ({
      ...jtr,
      metadata: { ...jtr.metadata, deletionTimestamp: new Date(now.getTime() - msAgo).toISOString() },
    });
    expect(keepTryingToRevoke(at(REVOKE_GIVE_UP_MS - 1000), now)).toBe(true);
    expect(keepTryingToRevoke(at(REVOKE_GIVE_UP_MS), now)).toBe(false);
    expect(notRevokedMessage(at(0), 'abcdef', new Error('connection refused'))).toBe(
      'could not delete bootstrap-token-abcdef from the control plane for 10 min (connection refused); the token may keep working until 2026-05-02T00:00:00Z. ' +
        'Delete it there with: kubectl -n kube-system delete secret bootstrap-token-abcdef',
    );
  });
});
