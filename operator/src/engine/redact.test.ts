import { JsonLogger } from './logger';
import { REDACTED, redactFields, redactText } from './redact';

describe('secret redaction', () => {
  it('removes PEM blocks, URL passwords, bearer tokens, bootstrap tokens and long base64', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----';
    const text = `key ${pem} db postgres://k0s:hunter2@db:5432/x auth Bearer abcdefgh12345678 token abcdef.0123456789abcdef blob ${'A'.repeat(80)}`;
    const out = redactText(text);
    for (const secret of ['MHcCAQEEIB', 'hunter2', 'abcdefgh12345678', '0123456789abcdef', 'A'.repeat(80)]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('postgres://k0s:[redacted]@db:5432/x');
  });

  it('redacts fields whose names say secret, keeps the others', () => {
    expect(redactFields({ name: 'c1', token: 'x', nested: { privateKey: 'k', kubeconfig: 'y', replicas: 3 } })).toEqual({
      name: 'c1',
      token: REDACTED,
      nested: { privateKey: REDACTED, kubeconfig: REDACTED, replicas: 3 },
    });
  });

  it('logger writes one JSON line per call, filters by level, redacts', () => {
    const lines: string[] = [];
    const log = new JsonLogger({ level: 'info', write: l => lines.push(l), now: () => new Date(0) }).child({ controller: 'c' });
    log.debug('hidden');
    log.info('hello', { password: 'p', n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({ ts: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'hello', controller: 'c', password: REDACTED, n: 1 });
  });
});
