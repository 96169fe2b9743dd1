import type { KubernetesObject } from '@kubernetes/client-node';
import { APPLIED_HASH_ANNOTATION, canonicalJson, desiredHash, withAppliedHash } from './hash';

describe('hash', () => {
  it('canonical JSON ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('same content, same hash; any change, a different hash', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' }, data: { k: 'v' } };
    const b = { data: { k: 'v' }, metadata: { namespace: 'n', name: 'x' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(desiredHash(a)).toBe(desiredHash(b));
    expect(desiredHash({ ...a, data: { k: "w" } } as KubernetesObject)).not.toBe(desiredHash(a));
  });

  it('the hash annotation itself does not change the hash, and is stamped on the object', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { keep: 'me' } } };
    const { obj: stamped, hash } = withAppliedHash(obj);
    expect(stamped.metadata.annotations).toEqual({ keep: 'me', [APPLIED_HASH_ANNOTATION]: hash });
    expect(desiredHash(stamped)).toBe(hash);
    expect(obj.metadata.annotations).toEqual({ keep: 'me' });
  });
});
