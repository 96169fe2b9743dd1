import { checkCreateClusterRequest, checkJoinTokenRequestBody, checkUpdateClusterRequest, updateToMergePatch } from './requestValidation';

describe('checkCreateClusterRequest', () => {
  it('accepts a minimal request and defaults the spec', () => {
    expect(checkCreateClusterRequest({ namespace: 'team-a', name: 'web' })).toEqual({
      ok: true,
      value: { namespace: 'team-a', name: 'web', spec: {}, labels: undefined, annotations: undefined },
    });
  });

  it.each([
    [null, ''],
    [[], ''],
    ['text', ''],
    [{ name: 'web' }, 'namespace'],
    [{ namespace: 'a', name: 'Web' }, 'name'],
    [{ namespace: 'a', name: 'x'.repeat(64) }, 'name'],
    [{ namespace: 'a_b', name: 'web' }, 'namespace'],
    [{ namespace: 'a', name: 'web', spec: [] }, 'spec'],
    [{ namespace: 'a', name: 'web', labels: { team: 5 } }, 'labels.team'],
    [{ namespace: 'a', name: 'web', labels: { 'bad key!': 'x' } }, 'labels.bad key!'],
    [{ namespace: 'a', name: 'web', labels: { team: 'has space' } }, 'labels.team'],
    [{ namespace: 'a', name: 'web', extra: 1 }, 'extra'],
  ])('rejects %j at %s', (body, path) => {
    const r = checkCreateClusterRequest(body);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.map(e => e.path)).toContain(path);
    // Every error says what would be accepted, not just "invalid".
    expect(errors.filter(e => e.message.length <= 10)).toEqual([]);
  });
});

describe('checkUpdateClusterRequest', () => {
  it('accepts each knob', () => {
    expect(checkUpdateClusterRequest({ replicas: 0 }).ok).toBe(true);
    expect(checkUpdateClusterRequest({ version: 'v1.30.2-k0s.0', paused: true }).ok).toBe(true);
  });
  it.each([
    [{}, ''],
    [{ replicas: -1 }, 'replicas'],
    [{ replicas: 1.5 }, 'replicas'],
    [{ replicas: '3' }, 'replicas'],
    [{ version: '1.30' }, 'version'],
    [{ paused: 'yes' }, 'paused'],
    [{ image: 'x' }, 'image'],
  ])('rejects %j at %s', (body, path) => {
    const r = checkUpdateClusterRequest(body);
    expect(r.ok ? [] : r.errors.map(e => e.path)).toContain(path);
  });
  it('turns updates into a merge patch that removes the pause annotation with null', () => {
    expect(updateToMergePatch({ replicas: 3, paused: false })).toEqual({
      spec: { replicas: 3 },
      metadata: { annotations: { 'k0smotron.io/paused': null } },
    });
    expect(updateToMergePatch({ version: 'v1.30.2', paused: true })).toEqual({
      spec: { version: 'v1.30.2' },
      metadata: { annotations: { 'k0smotron.io/paused': 'true' } },
    });
  });
});

describe('checkJoinTokenRequestBody', () => {
  it('defaults to a worker token valid for 24h', () => {
    expect(checkJoinTokenRequestBody(undefined)).toEqual({ ok: true, value: { role: 'worker', expiry: '24h' } });
    expect(checkJoinTokenRequestBody({ role: 'controller', expiry: '1h30m' })).toEqual({
      ok: true,
      value: { role: 'controller', expiry: '1h30m' },
    });
  });
  it.each([
    [{ role: 'admin' }, 'role'],
    [{ expiry: '1 day' }, 'expiry'],
    [{ expiry: 60 }, 'expiry'],
    [{ token: 'x' }, 'token'],
  ])('rejects %j at %s', (body, path) => {
    const r = checkJoinTokenRequestBody(body);
    expect(r.ok ? [] : r.errors.map(e => e.path)).toContain(path);
  });
});
