import type { KubernetesObject } from '@kubernetes/client-node';
import { dataFingerprint, driftOf, quantityValue, withDataFingerprint } from './drift';
import { KubeClient } from './client';
import { withAppliedHash } from './hash';
import type { KubeApi, RequestOptions } from '@k0smotron/api/kube';

const obj = (o: object) => o as KubernetesObject;

const sts = obj({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 's', namespace: 'n', labels: { app: 'k0smotron' }, annotations: {} },
  spec: {
    replicas: 1,
    template: {
      spec: {
        automountServiceAccountToken: false,
        containers: [
          {
            name: 'k0s',
            image: 'k0s:1',
            args: ['a', 'b'],
            ports: [{ name: 'api', containerPort: 30443 }],
            resources: { requests: { cpu: '0.5', memory: '1Gi' } },
            env: [],
          },
        ],
      },
    },
  },
});

/** What a 1.20 API server stores for `sts`: defaults added, quantities normalised, empties dropped. */
const stored = () =>
  obj({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's', namespace: 'n', labels: { app: 'k0smotron', extra: 'theirs' }, resourceVersion: '7' },
    spec: {
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      template: {
        spec: {
          automountServiceAccountToken: false,
          dnsPolicy: 'ClusterFirst',
          containers: [
            {
              name: 'k0s',
              image: 'k0s:1',
              args: ['a', 'b'],
              ports: [{ name: 'api', containerPort: 30443, protocol: 'TCP' }],
              resources: { requests: { cpu: '500m', memory: '1Gi' } },
              terminationMessagePath: '/dev/termination-log',
            },
            { name: 'sidecar', image: 'injected-by-someone-else' },
          ],
        },
      },
    },
    status: { replicas: 1 },
  });

describe('driftOf (desired ⊆ live)', () => {
  it('sees no drift in what the server adds, defaults or normalises', () => {
    expect(driftOf(sts, stored())).toBeUndefined();
  });

  it('names the first owned field that changed', () => {
    const edited = stored() as unknown as { spec: { replicas: number; template: { spec: { containers: Array<{ image: string; args: string[] }> } } } };
    edited.spec.template.spec.containers[0].image = 'evil:1';
    expect(driftOf(sts, obj(edited))).toBe('spec.template.spec.containers[name=k0s].image');
    const scaled = stored() as unknown as { spec: { replicas: number } };
    scaled.spec.replicas = 5;
    expect(driftOf(sts, obj(scaled))).toBe('spec.replicas');
    const args = stored() as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    args.spec.template.spec.containers[0].args = ['a', 'b', 'c'];
    expect(driftOf(sts, obj(args))).toBe('spec.template.spec.containers[name=k0s].args');
  });

  it('a removed label, container or port is drift; automount false → true is drift', () => {
    const unlabelled = stored() as unknown as { metadata: { labels: Record<string, string> } };
    delete unlabelled.metadata.labels.app;
    expect(driftOf(sts, obj(unlabelled))).toBe('metadata.labels.app');
    const flipped = stored() as unknown as { spec: { template: { spec: { automountServiceAccountToken: boolean } } } };
    flipped.spec.template.spec.automountServiceAccountToken = true;
    expect(driftOf(sts, obj(flipped))).toBe('spec.template.spec.automountServiceAccountToken');
    const noPort = stored() as unknown as { spec: { template: { spec: { containers: Array<{ ports: unknown[] }> } } } };
    noPort.spec.template.spec.containers[0].ports = [];
    expect(driftOf(sts, obj(noPort))).toBe('spec.template.spec.containers[name=k0s].ports');
  });

  it('int-or-string ports and quantities compare by value', () => {
    const svc = obj({ kind: 'Service', spec: { ports: [{ port: 30443, targetPort: 30443 }] } });
    expect(driftOf(svc, obj({ kind: 'Service', spec: { ports: [{ port: 30443, targetPort: '30443', protocol: 'TCP' }] } }))).toBeUndefined();
    expect(driftOf(svc, obj({ kind: 'Service', spec: { ports: [{ port: 30443, targetPort: 1 }] } }))).toBe('spec.ports[port=30443].targetPort');
    expect(quantityValue('500m')).toBe(0.5);
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('abc')).toBeUndefined();
  });

  it('ConfigMap and Secret data compare through the hashes the cache keeps', () => {
    const cm = obj({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'k0s.yaml': 'a: 1\n' } });
    const cached = (live: object) => {
      const { data: _d, binaryData: _b, ...rest } = withDataFingerprint(obj(live)) as KubernetesObject & { data?: unknown; binaryData?: unknown };
      return rest;
    };
    const same = cached({ ...cm, data: { 'k0s.yaml': 'a: 1\n', other: 'theirs' } });
    expect(same).not.toHaveProperty('data');
    expect(dataFingerprint(same)).toBeDefined();
    expect(JSON.stringify(same)).not.toMatch(/[0-9a-f]{16}/); // the hashes never leave the process
    expect(driftOf(cm, same)).toBeUndefined();
    expect(driftOf(cm, cached({ ...cm, data: { 'k0s.yaml': 'a: 2\n' } }))).toBe('data.k0s.yaml');
    expect(driftOf(cm, cached({ ...cm, data: {} }))).toBe('data');

    const secret = obj({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { url: 'postgres://x' } });
    const live = { ...secret, stringData: undefined, data: { url: Buffer.from('postgres://x').toString('base64') } };
    expect(driftOf(secret, cached(live))).toBeUndefined();
    expect(driftOf(secret, cached({ ...live, data: { url: Buffer.from('postgres://y').toString('base64') } }))).toBe('data.url');
    // Uncached data compares directly.
    expect(driftOf(secret, obj(live))).toBeUndefined();
  });
});

describe('KubeClient.applyIfChanged repairs drift', () => {
  function recordingApi() {
    const requests: string[] = [];
    const api = {
      resource: async () => ({ prefix: '/apis/apps/v1', plural: 'statefulsets', namespaced: true }),
      path: async () => '/apis/apps/v1/namespaces/n/statefulsets/s',
      request: async (verb: string, _r: string, _m: string, _p: string, opts?: RequestOptions) => {
        requests.push(verb);
        return (opts?.body ?? {}) as never;
      },
    } as unknown as KubeApi;
    return { api, requests };
  }

  it('writes nothing for an unchanged object, applies again when an owned field drifted, and says so', async () => {
    const { api, requests } = recordingApi();
    const drifts: string[] = [];
    const client = new KubeClient(api, 'k0smotron', {}, { onDrift: (o, path) => drifts.push(`${o.kind} ${path}`) });
    const { obj: withHash } = withAppliedHash(sts);
    const live = stored() as unknown as { metadata: { annotations?: Record<string, string> }; spec: { replicas: number } };
    live.metadata.annotations = withHash.metadata!.annotations;
    expect(await client.applyIfChanged(sts, obj(live))).toBeUndefined();
    expect(requests).toEqual([]);
    live.spec.replicas = 3;
    expect(await client.applyIfChanged(sts, obj(live))).toBeDefined();
    expect(requests).toEqual(['patch']);
    expect(drifts).toEqual(['StatefulSet spec.replicas']);
    // The fenced copy keeps the hooks.
    await client.fenced({}).applyIfChanged(sts, obj(live));
    expect(drifts).toHaveLength(2);
  });
});
