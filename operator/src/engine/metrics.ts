// Prometheus metrics of one operator instance, in its own registry (never the global default:
// the Backstage backend embeds the operator next to its own metrics).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'k0smotron_reconcile_total',
    help: 'Reconciles by controller and result (success, error, requeue).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'k0smotron_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with backoff.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'k0smotron_reconcile_duration_seconds',
    help: 'Time spent in one reconcile.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'k0smotron_workqueue_depth',
    help: 'Keys waiting in the work queue.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly queueLatency = new Histogram({
    name: 'k0smotron_workqueue_latency_seconds',
    help: 'Time a key waits in the work queue before a worker takes it.',
    labelNames: ['controller'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'k0smotron_api_requests_total',
    help: 'Kubernetes API requests by verb and HTTP status code (0 = no response).',
    labelNames: ['verb', 'code'] as const,
    registers: [this.registry],
  });
  readonly driftRepairs = new Counter({
    name: 'k0smotron_drift_repairs_total',
    help: 'Owned objects applied again because a field the operator sets was changed by someone else, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: 'k0smotron_leader',
    help: '1 while this instance holds the leader lease (or runs without leader election).',
    registers: [this.registry],
  });

  /**
   * `k0smotron_controller_memory_entries{controller,map}`: the sizes each controller reports
   * (`ControllerSpec.sizes`), read at scrape time, so a map that only grows shows on a dashboard.
   */
  trackSizes(sources: ReadonlyArray<{ name: string; sizes?: () => Record<string, number> }>): void {
    new Gauge({
      name: 'k0smotron_controller_memory_entries',
      help: 'Entries in the maps a controller keeps per Cluster or JoinTokenRequest (0 after they are all deleted).',
      labelNames: ['controller', 'map'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of sources) {
          for (const [map, n] of Object.entries(s.sizes?.() ?? {})) this.set({ controller: s.name, map }, n);
        }
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
