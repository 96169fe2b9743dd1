import { parseMetrics } from './operator-process';

describe('parseMetrics', () => {
  it("sums API requests by verb and counts writes; reads the Cluster controller's reconciles and queue", () => {
    const text = [
      '# HELP k0smotron_api_requests_total Kubernetes API requests by verb and HTTP status code (0 = no response).',
      '# TYPE k0smotron_api_requests_total counter',
      'k0smotron_api_requests_total{verb="list",code="200"} 7',
      'k0smotron_api_requests_total{verb="watch",code="200"} 7',
      'k0smotron_api_requests_total{verb="patch",code="200"} 30',
      'k0smotron_api_requests_total{verb="patch",code="409"} 2',
      'k0smotron_api_requests_total{verb="create",code="201"} 4',
      'k0smotron_api_requests_total{verb="get",code="404"} 3',
      'k0smotron_reconcile_total{controller="cluster",result="success"} 10',
      'k0smotron_reconcile_total{controller="cluster",result="error"} 1',
      'k0smotron_reconcile_total{controller="jointokenrequest",result="success"} 5',
      'k0smotron_workqueue_depth{controller="cluster"} 4',
      'k0smotron_workqueue_depth{controller="jointokenrequest"} 9',
    ].join('\n');
    const m = parseMetrics(text, 42);
    expect(m).toEqual({
      at: 42,
      requestsByVerb: { list: 7, watch: 7, patch: 32, create: 4, get: 3 },
      requests: 53,
      writes: 36,
      clusterReconciles: 11,
      clusterQueueDepth: 4,
    });
  });

  it('gives zeros for an operator that has done nothing yet', () => {
    expect(parseMetrics('', 1)).toEqual({ at: 1, requestsByVerb: {}, requests: 0, writes: 0, clusterReconciles: 0, clusterQueueDepth: 0 });
  });
});
