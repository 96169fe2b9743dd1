// The Nodes `status` lists from a Cluster's control plane, and the reason it gives when it could
// not list them.
import { ApiError } from '@k0smotron/api/kube';
import { childListFailure, workerNodes } from './workers';

describe('workerNodes', () => {
  it('shows each Node by name with its Ready status, kubelet version, age and InternalIP', () => {
    const rows = workerNodes({
      items: [
        {
          metadata: { name: 'w2', creationTimestamp: '2026-01-02T00:00:00Z' },
          status: {
            conditions: [{ type: 'Ready', status: 'False' }],
            nodeInfo: { kubeletVersion: 'v1.30.2+k0s' },
            addresses: [
              { type: 'Hostname', address: 'w2' },
              { type: 'InternalIP', address: '10.0.0.2' },
            ],
          },
        },
        { metadata: { name: 'w1' }, status: { addresses: [{ type: 'Hostname', address: 'w1' }] } },
      ],
    });
    expect(rows).toEqual([
      { name: 'w1', ready: 'Unknown', kubeletVersion: undefined, createdAt: undefined, address: 'w1' },
      { name: 'w2', ready: 'False', kubeletVersion: 'v1.30.2+k0s', createdAt: '2026-01-02T00:00:00Z', address: '10.0.0.2' },
    ]);
  });
});

describe('childListFailure', () => {
  it("words an answer by its status and the server's message", () => {
    const forbidden = new ApiError('GET /api/v1/nodes: nodes is forbidden', 403, 'Forbidden', { kind: 'Status', message: 'nodes is forbidden' });
    expect(childListFailure(forbidden)).toBe('HTTP 403: nodes is forbidden');
    expect(childListFailure(new ApiError('GET /api/v1/nodes: HTTP 502', 502, 'ServerError', 'Bad Gateway'))).toBe('HTTP 502: Bad Gateway');
  });

  it('words a failure without an answer by the network error behind it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:30443'), { code: 'ECONNREFUSED' });
    expect(childListFailure(new ApiError(`GET /api/v1/nodes: ${refused.message}`, 0, 'Unreachable', undefined, refused))).toBe(
      'connect ECONNREFUSED 10.0.0.1:30443',
    );
    expect(childListFailure(new Error('something else'))).toBe('something else');
  });
});
