import type { Cluster } from '@k0smotron/api';
import { clusterNodePorts, needsNodePortChoice } from './nodePorts';

const spec = (s: Cluster['spec']) => ({ spec: s });

describe('needsNodePortChoice', () => {
  it('is true for a NodePort Cluster that names neither port, also the spec-less one (NodePort by default)', () => {
    expect(needsNodePortChoice(spec({ service: { type: 'NodePort' } }))).toBe(true);
    expect(needsNodePortChoice({})).toBe(true);
  });

  it('is false when the user gave either port, and for other service types', () => {
    expect(needsNodePortChoice(spec({ service: { type: 'NodePort', apiPort: 31000 } }))).toBe(false);
    expect(needsNodePortChoice(spec({ service: { type: 'NodePort', konnectivityPort: 31001 } }))).toBe(false);
    expect(needsNodePortChoice(spec({ service: { type: 'ClusterIP' } }))).toBe(false);
    expect(needsNodePortChoice(spec({ service: { type: 'LoadBalancer' } }))).toBe(false);
    // `{}` gets the field default, ClusterIP.
    expect(needsNodePortChoice(spec({}))).toBe(false);
  });
});

describe('clusterNodePorts', () => {
  it('collects the NodePorts NodePort Clusters ask for, the defaults where they name none, and nothing of other types', () => {
    const used = clusterNodePorts([
      spec({ service: { type: 'NodePort', apiPort: 31000, konnectivityPort: 31001 } }),
      spec({ service: { type: 'NodePort' } }),
      spec({ service: { type: 'ClusterIP', apiPort: 32000 } }),
      spec({ service: { type: 'LoadBalancer', apiPort: 443 } }),
    ]);
    expect([...used].sort()).toEqual([30132, 30443, 31000, 31001]);
  });
});
