import { chooseNodePorts, nodePortsInUse, NODE_PORT_RANGE } from './nodeports';

describe('chooseNodePorts', () => {
  it('keeps the defaults when they are free', () => {
    expect(chooseNodePorts(new Set([30000, 31000]))).toEqual({ apiPort: 30443, konnectivityPort: 30132, moved: false });
  });

  it('moves both ports by the same step to the nearest free pair', () => {
    expect(chooseNodePorts(new Set([30443, 30132]))).toEqual({ apiPort: 30444, konnectivityPort: 30133, moved: true });
    expect(chooseNodePorts(new Set([30443, 30132, 30444, 30133]))).toEqual({ apiPort: 30442, konnectivityPort: 30131, moved: true });
    // Only one of the pair taken still moves both.
    expect(chooseNodePorts(new Set([30132]))).toMatchObject({ apiPort: 30444, konnectivityPort: 30133 });
  });

  it('stays inside the NodePort range, and says when nothing is left', () => {
    const all = new Set<number>();
    for (let p = NODE_PORT_RANGE.min; p <= NODE_PORT_RANGE.max; p++) all.add(p);
    expect(chooseNodePorts(all)).toBeUndefined();
    all.delete(32767);
    all.delete(32456);
    expect(chooseNodePorts(all)).toEqual({ apiPort: 32767, konnectivityPort: 32456, moved: true });
    expect(chooseNodePorts(new Set([32767]), { apiPort: 32767, konnectivityPort: 32700 })).toEqual({ apiPort: 32766, konnectivityPort: 32699, moved: true });
  });

  it('reads the NodePorts of Services', () => {
    expect([...nodePortsInUse([{ spec: { ports: [{ nodePort: 30443 }, {}] } }, {}, { spec: { ports: [{ nodePort: 31000 }] } }])]).toEqual([30443, 31000]);
  });
});
