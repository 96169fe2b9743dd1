// Pure pieces of the tenant boundaries: owner resolution, the self-service subset of a create,
// URL-credential redaction and short client errors.
import { clusterOwner } from './managementClusters';
import { unsafeCreateFields } from './requestValidation';
import { redactUrlCredentials, shortErrorMessage } from './redact';
import { toHttpError } from './errors';

const cluster = (namespace: string, annotations?: Record<string, string>, labels?: Record<string, string>) => ({
  metadata: { namespace, name: 'c', ...(annotations ? { annotations } : {}), ...(labels ? { labels } : {}) },
});

describe('clusterOwner', () => {
  const owners = { 'team-a': 'group:default/team-a' };
  it('takes the namespace owner first, whatever the Cluster claims', () => {
    expect(clusterOwner(cluster('team-a', { 'backstage.io/owner': 'group:default/team-b' }), owners, { trustOwnerAnnotation: true, defaultOwner: 'x' })).toBe(
      'group:default/team-a',
    );
  });
  it('ignores the annotation and label unless trusted, then falls back to the default', () => {
    const claimed = cluster('other', { 'backstage.io/owner': 'group:default/team-b' });
    expect(clusterOwner(claimed, owners, { trustOwnerAnnotation: false, defaultOwner: 'group:default/platform' })).toBe('group:default/platform');
    expect(clusterOwner(claimed, owners, { trustOwnerAnnotation: true, defaultOwner: 'group:default/platform' })).toBe('group:default/team-b');
    expect(clusterOwner(cluster('other', undefined, { 'backstage.io/owner': 'team-c' }), owners, { trustOwnerAnnotation: true, defaultOwner: 'p' })).toBe(
      'group:default/team-c',
    );
  });
});

describe('unsafeCreateFields', () => {
  it('accepts the self-service fields', () => {
    expect(
      unsafeCreateFields({
        namespace: 'a',
        name: 'b',
        labels: { env: 'dev' },
        spec: {
          replicas: 3,
          version: 'v1.30.2-k0s.0',
          externalAddress: 'api.example.com',
          service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 },
          storage: { type: 'etcd', etcd: { persistence: { size: '1Gi', storageClass: 'fast' } } },
        },
      }),
    ).toEqual([]);
    expect(unsafeCreateFields({ namespace: 'a', name: 'b', spec: { storage: { type: 'kine', kine: { dataSourceSecretName: 's' } } } })).toEqual([]);
  });
  it('names every field beyond them', () => {
    const spec = {
      image: 'evil/k0s',
      patches: [],
      service: { type: 'NodePort' as const, annotations: { a: 'b' } },
      storage: { type: 'kine' as const, kine: { dataSourceURL: 'postgres://u:p@h/db' } },
      kineDataSourceURL: 'postgres://u:p@h/db',
    };
    expect(
      unsafeCreateFields({ namespace: 'a', name: 'b', spec: spec as never, annotations: { x: 'y' }, labels: { 'backstage.io/owner': 'team-b' } }).sort(),
    ).toEqual(
      [
        'annotations',
        'labels.backstage.io/owner',
        'spec.image',
        'spec.kineDataSourceURL',
        'spec.patches',
        'spec.service.annotations',
        'spec.storage.kine.dataSourceURL',
      ].sort(),
    );
  });
});

describe('redaction', () => {
  it('replaces the password of URLs anywhere in a body and keeps the rest', () => {
    const body = {
      spec: { storage: { kine: { dataSourceURL: 'postgres://kine:s3cr3t@db.example:5432/kine?sslmode=require' } } },
      events: [{ message: 'dial mysql://root:hunter2@10.0.0.1:3306/x failed' }],
    };
    const out = redactUrlCredentials(body);
    expect(JSON.stringify(out)).not.toMatch(/s3cr3t|hunter2/);
    expect(out.spec.storage.kine.dataSourceURL).toBe('postgres://kine:[redacted]@db.example:5432/kine?sslmode=require');
    expect(body.spec.storage.kine.dataSourceURL).toContain('s3cr3t');
  });
  it('turns a raw client error into one short line, never its body or headers', () => {
    const raw = Object.assign(new Error('HTTP-Code: 500\nMessage: boom\nBody: {"token":"abc"}\nHeaders: {"authorization":"Bearer abcdefghijklmnop"}'), {
      body: '{"token":"abc"}',
      headers: { authorization: 'Bearer abcdefghijklmnop' },
    });
    expect(shortErrorMessage(raw)).toBe('HTTP-Code: 500');
    const mapped = toHttpError(raw, 'east');
    expect(mapped.message).toBe("management cluster 'east': HTTP-Code: 500");
    expect(Object.keys(mapped)).not.toContain('body');
    expect(Object.keys(mapped)).not.toContain('headers');
  });
});
