import { NotAllowedError } from '@backstage/errors';
import { ApiError } from '@k0smotron/api/kube';
import { toHttpError } from './errors';

describe('toHttpError', () => {
  it('turns a raw ApiError of the request layer into one short line of a 500, never its body', () => {
    const body = { kind: 'Status', message: 'secrets "c-ca" is forbidden: cannot get', reason: 'Forbidden', details: { token: 'abc123' } };
    const raw = new ApiError('GET /api/v1/namespaces/a/secrets/c-ca: secrets "c-ca" is forbidden: cannot get', 403, 'Forbidden', body);
    const mapped = toHttpError(raw, 'east');
    expect(mapped).not.toBeInstanceOf(NotAllowedError);
    expect(mapped.name).toBe('Error');
    expect(mapped.message).toBe(`management cluster 'east': GET /api/v1/namespaces/a/secrets/c-ca: secrets "c-ca" is forbidden: cannot get`);
    expect(JSON.stringify(Object.entries(mapped))).not.toContain('abc123');
  });

  it('turns an unanswered request into one short line naming the management cluster', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const raw = new ApiError('GET /api/v1/services: connect ECONNREFUSED 127.0.0.1:1', 0, 'Unreachable', undefined, cause);
    expect(toHttpError(raw, 'down').message).toBe("management cluster 'down': GET /api/v1/services: connect ECONNREFUSED 127.0.0.1:1");
  });
});
