import { parse } from 'yaml';
import { mergeKubeconfig, OWNER_EXTENSION } from './merge';

const source = `apiVersion: v1
kind: Config
clusters:
- name: demo-k0s
  cluster: { server: 'https://192.0.2.2:30443', certificate-authority-data: Q0E= }
users:
- name: demo-admin
  user: { client-certificate-data: Q0VSVA==, client-key-data: S0VZ }
contexts:
- name: demo-admin@demo-k0s
  context: { cluster: demo-k0s, user: demo-admin }
current-context: demo-admin@demo-k0s
`;

const existing = `apiVersion: v1
kind: Config
clusters:
- name: mgmt
  cluster: { server: 'https://127.0.0.1:6443' }
users:
- name: admin
  user: { token: secret }
contexts:
- name: mgmt
  context: { cluster: mgmt, user: source, namespace: team }
current-context: mgmt
preferences: {}
`;

describe('mergeKubeconfig', () => {
  it('adds the cluster under one name and keeps everything else', () => {
    const r = mergeKubeconfig({ existing, source, namespace: 'ns', cluster: 'demo' });
    const doc = parse(r.text);
    expect(r.contextName).toBe('k0smotron-ns-demo');
    expect(r.replaced).toBe(false);
    expect(doc['current-context']).toBe('mgmt');
    expect(doc.contexts.map((c: { name: string }) => c.name)).toEqual(['mgmt', 'k0smotron-ns-demo']);
    expect(doc.contexts[0].context.namespace).toBe('team');
    expect(doc.clusters[1]).toEqual({ name: 'k0smotron-ns-demo', cluster: { server: 'https://192.0.2.2:30443', 'certificate-authority-data': 'Q0E=' } });
    expect(doc.users[1].user['client-key-data']).toBe('S0VZ');
    expect(doc.contexts[1].context.extensions).toEqual([{ name: OWNER_EXTENSION, extension: { cluster: 'ns/demo' } }]);
  });
  it('switches context only with use, even in a file that has no current context', () => {
    const r = mergeKubeconfig({ existing, source, namespace: 'ns', cluster: 'demo', use: true });
    expect(parse(r.text)['current-context']).toBe('k0smotron-ns-demo');
    const none = existing.replace('current-context: mgmt\n', '');
    expect(parse(mergeKubeconfig({ existing: none, source, namespace: 'ns', cluster: 'demo' }).text)['current-context']).toBeUndefined();
  });
  it('replaces its own entries on a second merge and reports no change when equal', () => {
    const first = mergeKubeconfig({ existing, source, namespace: 'ns', cluster: 'demo' });
    const again = mergeKubeconfig({ existing: first.text, source, namespace: 'ns', cluster: 'demo' });
    expect(again.replaced).toBe(true);
    expect(again.unchanged).toBe(true);
    const rotated = mergeKubeconfig({ existing: first.text, source: source.replace('S0VZ', 'TkVX'), namespace: 'ns', cluster: 'demo' });
    expect(rotated.unchanged).toBe(false);
    expect(parse(rotated.text).users).toHaveLength(2);
  });
  it('never overwrites a context it did not write', () => {
    expect(() => mergeKubeconfig({ existing, source, namespace: 'ns', cluster: 'demo', contextName: 'mgmt' })).toThrow(
      'context "mgmt" already exists in the kubeconfig and was not created for cluster ns/demo',
    );
    const other = mergeKubeconfig({ existing, source, namespace: 'other', cluster: 'demo', contextName: 'shared' });
    expect(() => mergeKubeconfig({ existing: other.text, source, namespace: 'ns', cluster: 'demo', contextName: 'shared' })).toThrow(
      'not created for cluster ns/demo',
    );
  });
  it('refuses a clashing cluster entry of someone else', () => {
    const clash = existing.replace('- name: mgmt\n  cluster', '- name: k0smotron-ns-demo\n  cluster');
    expect(() => mergeKubeconfig({ existing: clash, source, namespace: 'ns', cluster: 'demo' })).toThrow('a cluster entry named "k0smotron-ns-demo"');
  });
  it('creates a kubeconfig from nothing, switching to the context only with use', () => {
    const r = mergeKubeconfig({ existing: '', source, namespace: 'ns', cluster: 'demo' });
    const doc = parse(r.text);
    expect(doc['current-context']).toBeUndefined();
    expect(doc.kind).toBe('Config');
    expect(parse(mergeKubeconfig({ existing: '', source, namespace: 'ns', cluster: 'demo', use: true }).text)['current-context']).toBe('k0smotron-ns-demo');
  });
});
