import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { DEFAULT_K0S_IMAGE, DEFAULT_TENANT_POLICY } from '@k0smotron/api';
import { childPodViolations, clusterView, desiredChildren, strategicMerge, StrategicMergeError } from './index';
import { testCluster as cluster, testFacts as facts } from './testdata/fixtures';

const strategic = (kind: string, component: string, content: string) => ({ target: { kind, component }, patch: { type: 'strategic' as const, content } });

// Upstream's documented strategic patch (docs/advanced/components.md): resources and probe timing
// of the control-plane container.
const UPSTREAM_PATCH = `spec:
  template:
    spec:
      containers:
        - name: controller
          resources:
            requests:
              memory: "256Mi"
              cpu: "250m"
            limits:
              memory: "512Mi"
              cpu: "500m"
          readinessProbe:
            initialDelaySeconds: 10
          livenessProbe:
            initialDelaySeconds: 10
`;

describe('strategic merge patches on generated objects', () => {
  it("applies upstream's documented patch: the controller container keeps everything else", () => {
    const plain = desiredChildren(clusterView(cluster(undefined)), facts).statefulSet;
    const view = clusterView(cluster({ patches: [strategic('StatefulSet', 'control-plane', UPSTREAM_PATCH)] }));
    const sts = desiredChildren(view, facts).statefulSet;
    const [before] = plain.spec!.template.spec!.containers;
    const [after] = sts.spec!.template.spec!.containers;
    expect(sts.spec!.template.spec!.containers).toHaveLength(1);
    expect(after.resources).toEqual({ requests: { memory: '256Mi', cpu: '250m' }, limits: { memory: '512Mi', cpu: '500m' } });
    expect(after.readinessProbe).toEqual({ ...before.readinessProbe, initialDelaySeconds: 10 });
    expect(after.livenessProbe).toEqual({ ...before.livenessProbe, initialDelaySeconds: 10 });
    expect({ ...after, resources: undefined, readinessProbe: undefined, livenessProbe: undefined }).toEqual({
      ...before,
      resources: undefined,
      readinessProbe: undefined,
      livenessProbe: undefined,
    });
    expect(childPodViolations(view, desiredChildren(view, facts), DEFAULT_TENANT_POLICY)).toEqual([]);
  });

  it('adds a sidecar by name and a volume and mount beside the generated ones', () => {
    const view = clusterView(
      cluster({
        patches: [
          strategic(
            'StatefulSet',
            'control-plane',
            JSON.stringify({
              spec: {
                template: {
                  spec: {
                    containers: [
                      {
                        name: 'log-shipper',
                        image: `${DEFAULT_K0S_IMAGE}:v1`,
                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                      },
                      { name: 'controller', volumeMounts: [{ name: 'extra', mountPath: '/extra' }] },
                    ],
                    volumes: [{ name: 'extra', emptyDir: {} }],
                  },
                },
              },
            }),
          ),
        ],
      }),
    );
    const plain = desiredChildren(clusterView(cluster(undefined)), facts).statefulSet.spec!.template.spec!;
    const pod = desiredChildren(view, facts).statefulSet.spec!.template.spec!;
    expect(pod.containers.map(c => c.name)).toEqual(['controller', 'log-shipper']);
    expect(pod.containers[0].volumeMounts).toEqual([...plain.containers[0].volumeMounts!, { name: 'extra', mountPath: '/extra' }]);
    expect(pod.volumes).toEqual([...plain.volumes!, { name: 'extra', emptyDir: {} }]);
  });

  it('deletes an env var, a container and a map key; replaces a list with $patch: replace', () => {
    const sts: V1StatefulSet = {
      kind: 'StatefulSet',
      spec: {
        selector: {},
        template: {
          metadata: { labels: { a: '1', b: '2' } },
          spec: {
            containers: [
              {
                name: 'c',
                env: [
                  { name: 'KEEP', value: '1' },
                  { name: 'DROP', value: '2' },
                ],
                ports: [{ containerPort: 1 }, { containerPort: 2 }],
              },
              { name: 'gone' },
            ],
          },
        },
      },
    };
    const out = strategicMerge(
      sts,
      parse(`spec:
  template:
    metadata:
      labels:
        b: null
    spec:
      containers:
        - name: c
          env:
            - name: DROP
              $patch: delete
          ports:
            - $patch: replace
            - containerPort: 9
        - name: gone
          $patch: delete
`),
      'StatefulSet',
    );
    expect(out.spec!.template.metadata!.labels).toEqual({ a: '1' });
    expect(out.spec!.template.spec!.containers).toEqual([{ name: 'c', env: [{ name: 'KEEP', value: '1' }], ports: [{ containerPort: 9 }] }]);
    expect(sts.spec!.template.spec!.containers).toHaveLength(2); // the input is not modified
  });

  it('merges Service ports by port, replaces lists without a merge key, and honours $retainKeys and $deleteFromPrimitiveList', () => {
    const svc: V1Service = {
      kind: 'Service',
      metadata: { finalizers: ['a', 'b'] },
      spec: {
        ports: [
          { name: 'api', port: 30443 },
          { name: 'konnectivity', port: 30132 },
        ],
        externalIPs: ['192.0.2.1'],
        selector: { x: '1', y: '2' },
      },
    };
    const out = strategicMerge(
      svc,
      {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: { ports: [{ port: 30443, nodePort: 30443 }], externalIPs: ['192.0.2.9'], selector: { $retainKeys: ['x'], x: '3' } },
      },
      'Service',
    );
    expect(out.spec!.ports).toEqual([
      { name: 'api', port: 30443, nodePort: 30443 },
      { name: 'konnectivity', port: 30132 },
    ]);
    expect(out.spec!.externalIPs).toEqual(['192.0.2.9']);
    expect(out.spec!.selector).toEqual({ x: '3' });
    expect(out.metadata!.finalizers).toEqual(['b']);
  });

  it('orders a merged list by $setElementOrder', () => {
    const out = strategicMerge(
      { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } } } },
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: 'x' }] } } } },
      'StatefulSet',
    );
    expect(out.spec.template.spec.containers).toEqual([{ name: 'b' }, { name: 'a', image: 'x' }]);
  });

  it('refuses malformed patches with the path', () => {
    expect(() => strategicMerge({}, [], 'StatefulSet')).toThrow(StrategicMergeError);
    expect(() => strategicMerge({}, { spec: { $patch: 'explode' } }, 'StatefulSet')).toThrow(/spec: unknown \$patch directive "explode"/);
    expect(() =>
      strategicMerge({ spec: { template: { spec: { containers: [] } } } }, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, 'StatefulSet'),
    ).toThrow(/spec\.template\.spec\.containers: every element needs its merge key name/);
  });

  it('cannot get around the policy: a privileged sidecar is refused after the merge', () => {
    const view = clusterView(
      cluster({
        patches: [
          strategic(
            'StatefulSet',
            'control-plane',
            JSON.stringify({
              spec: { template: { spec: { containers: [{ name: 'x', image: `${DEFAULT_K0S_IMAGE}:v1`, securityContext: { privileged: true } }] } } },
            }),
          ),
        ],
      }),
    );
    expect(childPodViolations(view, desiredChildren(view, facts), DEFAULT_TENANT_POLICY).map(v => v.field)).toContain(
      'StatefulSet kmc-demo spec.template.spec.containers[1].securityContext.privileged',
    );
  });
});
