import { clusterEntityName, clusterEntityRef, formatClusterAnnotation, parseClusterAnnotation } from './annotations';
import { k0smotronPermissions } from './permissions';

describe('parseClusterAnnotation', () => {
  it('parses management cluster, namespace and name', () => {
    expect(parseClusterAnnotation('prod/team-a/web')).toEqual({
      managementCluster: 'prod',
      namespace: 'team-a',
      name: 'web',
    });
  });

  it('round-trips with formatClusterAnnotation', () => {
    const ref = { managementCluster: 'local', namespace: 'default', name: 'kmc1' };
    expect(parseClusterAnnotation(formatClusterAnnotation(ref))).toEqual(ref);
  });

  it.each([undefined, null, '', 'a/b', 'a/b/c/d', '/b/c', 'a//c', 'a/b/'])('rejects %p', v => {
    expect(parseClusterAnnotation(v)).toBeUndefined();
  });
});

describe('k0smotronPermissions', () => {
  it('lists the permissions with unique names; all but create.advanced are k0smotron-cluster resource permissions', () => {
    const names = k0smotronPermissions.map(p => p.name).sort();
    expect(names).toEqual([
      'k0smotron.cluster.create',
      'k0smotron.cluster.create.advanced',
      'k0smotron.cluster.delete',
      'k0smotron.cluster.read',
      'k0smotron.cluster.update',
      'k0smotron.jointoken.controller.create',
      'k0smotron.jointoken.create',
      'k0smotron.kubeconfig.read',
    ]);
    const basic = k0smotronPermissions.filter(p => p.type === 'basic').map(p => p.name);
    expect(basic).toEqual(['k0smotron.cluster.create.advanced']);
    const resourceTypes = k0smotronPermissions.map(p => (p.type === 'resource' ? p.resourceType : undefined)).filter(t => t !== undefined);
    expect(resourceTypes).toHaveLength(names.length - basic.length);
    expect(new Set(resourceTypes)).toEqual(new Set(['k0smotron-cluster']));
  });

  it('gives credential-issuing permissions no action attribute, so "allow every read/create" does not hand them out', () => {
    for (const name of ['k0smotron.kubeconfig.read', 'k0smotron.jointoken.create', 'k0smotron.jointoken.controller.create']) {
      expect(k0smotronPermissions.find(p => p.name === name)?.attributes.action).toBeUndefined();
    }
  });
});

describe('clusterEntityName', () => {
  it('joins management cluster, namespace and name', () => {
    expect(clusterEntityName({ managementCluster: 'local', namespace: 'team-a', name: 'web' })).toBe('local-team-a-web');
    expect(clusterEntityRef({ managementCluster: 'local', namespace: 'team-a', name: 'web' })).toBe('resource:default/local-team-a-web');
  });

  it('shortens long names to 63 characters, keeping them distinct and valid', () => {
    const a = clusterEntityName({ managementCluster: 'management-prod-eu', namespace: 'x'.repeat(40), name: 'cluster-a' });
    const b = clusterEntityName({ managementCluster: 'management-prod-eu', namespace: 'x'.repeat(40), name: 'cluster-b' });
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/);
  });
});
