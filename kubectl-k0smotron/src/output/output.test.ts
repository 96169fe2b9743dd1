import { humanDuration, age } from './age';
import { colorEnabled, palette, visibleLength } from './color';
import { renderKeyValues, renderTable } from './table';
import { renderTree, groupChildren, type TreeNode } from './tree';
import { renderStatus, certificateHealth, type StatusReport } from './status';

const plain = palette(false);
const now = new Date('2026-11-21T06:00:00Z');

describe('humanDuration (kubectl AGE)', () => {
  it.each([
    [5_000, '5s'],
    [119_000, '119s'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000 + 2 * 3600_000, '3d2h'],
    [40 * 86400_000, '40d'],
    [3 * 365 * 86400_000, '3y'],
  ])('%d ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));

  it('prints <unknown> without a timestamp', () => {
    expect(age(undefined, now)).toBe('<unknown>');
    expect(age('2026-11-21T05:59:00Z', now)).toBe('60s');
  });
});

describe('colour', () => {
  it('follows --color, NO_COLOR and the TTY', () => {
    expect(colorEnabled('auto', true, {})).toBe(true);
    expect(colorEnabled('auto', false, {})).toBe(false);
    expect(colorEnabled('auto', true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled('always', false, { NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled('never', true, {})).toBe(false);
  });
  it('measures coloured text by what is visible', () => {
    expect(visibleLength(palette(true).green('True'))).toBe(4);
  });
});

describe('renderTable', () => {
  it('pads columns by three spaces and trims the last', () => {
    expect(
      renderTable(
        ['NAME', 'AGE'],
        [
          ['a', '5s'],
          ['longer-name', '10m'],
        ],
      ),
    ).toBe('NAME          AGE\na             5s\nlonger-name   10m\n');
  });
  it('ignores colour codes when padding', () => {
    const out = renderTable(['READY', 'X'], [[palette(true).green('True'), 'y']]);
    expect(out.split('\n')[1]).toBe('\x1b[32mTrue\x1b[39m    y');
  });
  it('aligns key/value sections', () => {
    expect(
      renderKeyValues([
        ['Name', 'a'],
        ['Replicas', '1'],
      ]),
    ).toBe('Name:     a\nReplicas: 1\n');
  });
});

describe('renderTree', () => {
  const leaf = (kind: string, name: string, ready: TreeNode['ready'] = 'True'): TreeNode => ({ kind, name, ready, children: [] });
  const tree: TreeNode = {
    kind: 'Cluster',
    name: 'demo',
    ready: 'False',
    reason: 'NoReadyReplicas',
    since: '2026-11-21T05:55:00Z',
    children: [
      leaf('Service', 'kmc-demo-nodeport'),
      { kind: 'StatefulSet', name: 'kmc-demo', ready: 'False', message: '0/1 ready', children: [leaf('Pod', 'kmc-demo-0', 'False')] },
      leaf('Secret', 'demo-ca'),
      leaf('Secret', 'demo-sa'),
      leaf('Secret', 'demo-proxy'),
    ],
  };
  it('draws connectors and folds ready siblings of one kind', () => {
    const out = renderTree(tree, { grouping: true, now, palette: plain, age });
    expect(out).toBe(
      [
        'NAME                          READY   REASON            SINCE   MESSAGE',
        'Cluster/demo                  False   NoReadyReplicas   5m',
        '├─Service/kmc-demo-nodeport   True',
        '├─StatefulSet/kmc-demo        False                             0/1 ready',
        '│ └─Pod/kmc-demo-0            False',
        '└─Secret/(3)                  True                              demo-ca, demo-sa, demo-proxy',
        '',
      ].join('\n'),
    );
  });
  it('shows every object with grouping off', () => {
    const out = renderTree(tree, { grouping: false, now, palette: plain, age });
    expect(out).toContain('├─Secret/demo-ca');
    expect(out).toContain('└─Secret/demo-proxy');
  });
  it('does not fold fewer than three or unready objects', () => {
    expect(groupChildren([leaf('Secret', 'a'), leaf('Secret', 'b')])).toHaveLength(2);
    expect(groupChildren([leaf('Secret', 'a'), leaf('Secret', 'b'), leaf('Secret', 'c', 'False')])).toHaveLength(3);
  });
});

describe('renderStatus', () => {
  const report: StatusReport = {
    name: 'demo',
    namespace: 'ns',
    phase: 'Progressing',
    managedBy: 'k0smotron',
    paused: false,
    createdAt: '2026-11-21T05:50:00Z',
    controlPlane: {
      desiredReplicas: 3,
      readyReplicas: 1,
      updatedReplicas: 3,
      version: 'v1.30.2-k0s.0',
      image: 'quay.io/k0sproject/k0s',
      endpoint: 'https://192.0.2.2:30443',
      service: { name: 'kmc-demo-nodeport', type: 'NodePort', ports: 'api 30443:30443', clusterIP: '10.96.0.10' },
      kubeconfigSecret: 'demo-kubeconfig',
    },
    datastore: { type: 'etcd', statefulSet: 'kmc-demo-etcd', replicas: 3, readyReplicas: 3, size: '1Gi' },
    instances: [],
    workers: {
      source: 'child',
      total: 2,
      ready: 1,
      nodes: [
        { name: 'worker-a', ready: 'True', kubeletVersion: 'v1.20.2', createdAt: '2026-11-21T05:55:00Z', address: '192.0.2.7' },
        { name: 'worker-b', ready: 'Unknown', createdAt: '2026-11-21T05:59:00Z' },
      ],
    },
    certificates: [
      { type: 'ca', secret: 'demo-ca', notAfter: '2036-11-19T05:50:00.000Z' },
      { type: 'etcd-server', secret: 'demo-etcd-server', notAfter: '2026-12-01T00:00:00.000Z' },
      { type: 'proxy', secret: 'demo-proxy', error: 'Secret not found' },
    ],
    conditions: [{ type: 'Available', status: 'False', reason: 'NoReadyReplicas', message: 'waiting', lastTransitionTime: '2026-11-21T05:58:00Z' }],
    events: [{ type: 'Warning', reason: 'Unhealthy', object: 'Cluster/demo', message: 'probe failed', lastSeen: '2026-11-21T05:59:30Z' }],
    joinTokens: [{ name: 'demo-token-abc', role: 'worker', issued: true, expiration: '2026-11-22T06:00:00Z' }],
    problems: ['certificate proxy (Secret demo-proxy): Secret not found'],
  };
  it('renders sections with expiry dates and the problems last', () => {
    const out = renderStatus(report, { palette: plain, now, verbose: 0 });
    expect(out).toContain('Cluster Summary\nName:   ns/demo\nPhase:  Progressing\nAge:    10m\nPaused: no\n');
    expect(out).toContain('Replicas:   1/3 ready, 3 up to date');
    expect(out).toContain('Service:    kmc-demo-nodeport (NodePort) ports api 30443:30443, cluster IP 10.96.0.10');
    expect(out).toContain('StatefulSet: kmc-demo-etcd 3/3 ready');
    expect(out).toMatch(/ca\s+demo-ca\s+2036-11-19T05:50:00Z\s+10y/);
    expect(out).toMatch(/etcd-server\s+demo-etcd-server\s+2026-12-01T00:00:00Z\s+9d\s/);
    expect(out).toMatch(/Available\s+False\s+NoReadyReplicas\s+2m\s+waiting/);
    expect(out).toMatch(/30s\s+Warning\s+Unhealthy\s+Cluster\/demo\s+probe failed/);
    expect(out).toMatch(/demo-token-abc\s+worker\s+yes\s+2026-11-22T06:00:00Z/);
    expect(out).toContain('Workers\n1/2 Ready\nNAME ');
    expect(out).toMatch(/worker-a\s+True\s+v1\.20\.2\s+5m\s+192\.0\.2\.7/);
    expect(out).toMatch(/worker-b\s+Unknown\s+<unknown>\s+60s\s+<none>/);
    expect(out.trimEnd().endsWith('Problems\n- certificate proxy (Secret demo-proxy): Secret not found')).toBe(true);
  });
  it('says who manages an upstream Cluster, its reconciliation line, and where a derived endpoint came from', () => {
    const up = renderStatus(
      {
        ...report,
        phase: 'Available',
        managedBy: 'upstream',
        reconciliationStatus: 'Reconciliation successful',
        paused: true,
        controlPlane: { ...report.controlPlane, endpoint: 'https://kmc-demo.ns.svc:30443', endpointSource: 'serviceDNS' },
      },
      { palette: plain, now, verbose: 0 },
    );
    expect(up).toContain(
      'Managed by:     the upstream k0smotron operator (managed elsewhere)\nReconciliation: Reconciliation successful\nPaused:         annotation set, but the upstream operator does not honour it\n',
    );
    expect(up).toContain('Endpoint:   https://kmc-demo.ns.svc:30443 (the Service DNS name, inside the management cluster)');
    const none = renderStatus({ ...report, managedBy: 'none' }, { palette: plain, now, verbose: 0 });
    expect(none).toContain('Managed by: no operator has reported on it yet\nPaused:     no\n');
  });
  it('colours by health', () => {
    const out = renderStatus(report, { palette: palette(true), now, verbose: 0 });
    expect(out).toContain('\x1b[33mProgressing\x1b[39m');
    expect(out).toContain('\x1b[31m- certificate proxy');
  });
  it("workers: none yet, or the operator's count with the reason the nodes were not listed", () => {
    const none = renderStatus({ ...report, workers: { source: 'child', total: 0, ready: 0, nodes: [] } }, { palette: plain, now, verbose: 0 });
    expect(none).toContain('Workers\nnone joined yet (a token: kubectl k0smotron join-token demo)\n');
    const counted = renderStatus(
      { ...report, workers: { source: 'status', total: 3, ready: 3, note: 'you may not read Secret demo-kubeconfig, the kubeconfig to list its nodes' } },
      { palette: plain, now, verbose: 0 },
    );
    expect(counted).toContain("Workers\n3/3 Ready (the operator's count; nodes not listed: you may not read Secret demo-kubeconfig");
    const unknown = renderStatus({ ...report, workers: { source: 'none', note: 'the control plane is asleep' } }, { palette: plain, now, verbose: 0 });
    expect(unknown).toContain('Workers\nunknown (the control plane is asleep)\n');
  });
  it('rates certificates: expired red, within 30 days yellow', () => {
    expect(certificateHealth({ type: 'ca', secret: 'x', notAfter: '2026-11-20T00:00:00Z' }, now)).toBe('bad');
    expect(certificateHealth({ type: 'ca', secret: 'x', notAfter: '2026-12-01T00:00:00Z' }, now)).toBe('warn');
    expect(certificateHealth({ type: 'ca', secret: 'x', notAfter: '2027-12-01T00:00:00Z' }, now)).toBe('ok');
  });
});
