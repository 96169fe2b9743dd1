import { changedPki, countsDelta, parseOperatorCounts } from './fault-checks';

describe('parseOperatorCounts', () => {
  it('counts requests, failed ones, accepted writes, Cluster reconciles and leadership', () => {
    const text = [
      '# HELP k0smotron_api_requests_total Kubernetes API requests by verb and HTTP status code (0 = no response).',
      '# TYPE k0smotron_api_requests_total counter',
      'k0smotron_api_requests_total{verb="get",code="200"} 10',
      'k0smotron_api_requests_total{verb="get",code="0"} 4',
      'k0smotron_api_requests_total{verb="list",code="503"} 2',
      'k0smotron_api_requests_total{verb="patch",code="200"} 7',
      'k0smotron_api_requests_total{verb="patch",code="201"} 3',
      'k0smotron_api_requests_total{verb="patch",code="0"} 1',
      'k0smotron_api_requests_total{verb="create",code="409"} 1',
      'k0smotron_api_requests_total{verb="update",code="200"} 5',
      'k0smotron_reconcile_total{controller="cluster",result="success"} 8',
      'k0smotron_reconcile_total{controller="cluster",result="error"} 3',
      'k0smotron_reconcile_total{controller="jointokenrequest",result="error"} 9',
      'k0smotron_workqueue_depth{controller="cluster"} 2',
      'k0smotron_workqueue_depth{controller="jointokenrequest"} 6',
      'k0smotron_leader 1',
    ].join('\n');
    expect(parseOperatorCounts(text)).toEqual({
      total: 33,
      failed: 7,
      byKey: { 'get 200': 10, 'get 0': 4, 'list 503': 2, 'patch 200': 7, 'patch 201': 3, 'patch 0': 1, 'create 409': 1, 'update 200': 5 },
      writesDone: 15,
      writesButLease: 12,
      clusterQueueDepth: 2,
      reconciles: 11,
      reconcileErrors: 3,
      leader: true,
    });
  });

  it('a standby: no requests but lease reads, not leading', () => {
    const c = parseOperatorCounts('k0smotron_api_requests_total{verb="get",code="200"} 3\nk0smotron_leader 0\n');
    expect([c.total, c.writesDone, c.writesButLease, c.leader]).toEqual([3, 0, 0, false]);
  });
});

describe('countsDelta / changedPki', () => {
  it('keeps what changed', () => {
    expect(countsDelta({ a: 1, b: 2 }, { a: 1, b: 5, c: 1 })).toEqual({ b: 3, c: 1 });
    const before = new Map([
      ['x-ca', 'uid 1 rv 5'],
      ['y-ca', 'uid 2 rv 6'],
    ]);
    expect(
      changedPki(
        before,
        new Map([
          ['x-ca', 'uid 1 rv 5'],
          ['y-ca', 'uid 3 rv 9'],
        ]),
      ),
    ).toEqual(['y-ca: uid 2 rv 6 → uid 3 rv 9']);
    expect(changedPki(before, new Map([['x-ca', 'uid 1 rv 5']]))).toEqual(['y-ca: uid 2 rv 6 → gone']);
  });
});
