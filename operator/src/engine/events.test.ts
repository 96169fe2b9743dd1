import { KubeEventRecorder } from './events';
import type { KubeApi, RequestOptions } from '@k0smotron/api/kube';
import { JsonLogger } from './logger';

function recorder() {
  const bodies: Array<Record<string, unknown>> = [];
  const api = {
    request: async (_v: string, _r: string, _m: string, _p: string, opts?: RequestOptions) => {
      bodies.push(opts!.body as Record<string, unknown>);
      return {};
    },
  } as unknown as KubeApi;
  const lines: string[] = [];
  const rec = new KubeEventRecorder(api, new JsonLogger({ level: 'info', write: l => lines.push(l) }), 'pod-1', () => new Date(0));
  return { rec, bodies, lines };
}

const cluster = { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name: 'c1', namespace: 'ns', uid: 'u1' } };

describe('KubeEventRecorder', () => {
  it('sends a core/v1 Event once per object+reason+message and again when the message changes', async () => {
    const { rec, bodies, lines } = recorder();
    rec.event(cluster, 'Normal', 'Scaled', 'replicas 1 → 3');
    rec.event(cluster, 'Normal', 'Scaled', 'replicas 1 → 3');
    rec.event(cluster, 'Normal', 'Scaled', 'replicas 3 → 1');
    rec.event({ ...cluster, metadata: { ...cluster.metadata, uid: 'u2', name: 'c2' } }, 'Normal', 'Scaled', 'replicas 3 → 1');
    await rec.close();
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toMatchObject({
      type: 'Normal',
      reason: 'Scaled',
      message: 'replicas 1 → 3',
      reportingComponent: 'k0smotron',
      reportingInstance: 'pod-1',
      involvedObject: { kind: 'Cluster', name: 'c1', namespace: 'ns', uid: 'u1' },
      metadata: { namespace: 'ns' },
    });
    expect(lines).toHaveLength(3);
    rec.event(cluster, 'Warning', 'Late', 'after close');
    await rec.close();
    expect(bodies).toHaveLength(3); // logged, not sent, once closed
  });

  it('never carries secrets in the message', async () => {
    const { rec, bodies } = recorder();
    rec.event(cluster, 'Warning', 'KineFailed', 'cannot connect to postgres://k0s:s3cr3t@db:5432/k0s');
    await rec.close();
    expect(JSON.stringify(bodies)).not.toContain('s3cr3t');
  });
});
