import type { KubernetesObject } from '@kubernetes/client-node';
import { APPLIED_HASH_ANNOTATION, canonicalJson, desiredHash, withAppliedHash } from './hash';

describe('hash', () => {
  it('canonical JSON ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('canonical JSON: keys in code-unit order, undefined array entries as null (the Cluster status comparison relies on the same form)', () => {
    expect(canonicalJson({ b: [undefined, { Z: 1, a: null }], B: 'é', 10: 1, 9: 2, a: { d: undefined } })).toBe(
      '{"10":1,"9":2,"B":"é","a":{},"b":[null,{"Z":1,"a":null}]}',
    );
  });

  it('the hash of a given object never changes: a different one would re-apply every object the operator owns', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n', labels: { app: 'k0smotron' } }, data: { k: 'v', K: 'w' } };
    expect(desiredHash(cm)).toBe('7a99c9d7d4dc14ba39992dcc44686624');
  });

  it('same content, same hash; any change, a different hash', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' }, data: { k: 'v' } };
    const b = { data: { k: 'v' }, metadata: { namespace: 'n', name: 'x' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(desiredHash(a)).toBe(desiredHash(b));
    expect(desiredHash({ ...a, data: { k: 'w' } } as KubernetesObject)).not.toBe(desiredHash(a));
  });

  it('the hash annotation itself does not change the hash, and is stamped on the object', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { keep: 'me' } } };
    const { obj: stamped, hash } = withAppliedHash(obj);
    expect(stamped.metadata.annotations).toEqual({ keep: 'me', [APPLIED_HASH_ANNOTATION]: hash });
    expect(desiredHash(stamped)).toBe(hash);
    expect(obj.metadata.annotations).toEqual({ keep: 'me' });
  });
});
