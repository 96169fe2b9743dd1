// The embedded reconciler's logger: operator lines reach Backstage's logger through the
// operator's redaction.
import { operatorLoggerFor } from './embeddedReconciler';
import { CapturingLogger } from '../testing/testBackend';

describe('operatorLoggerFor', () => {
  it('redacts URL passwords, tokens and secret-looking fields in messages, fields and child fields', () => {
    const logs = new CapturingLogger();
    const log = operatorLoggerFor(logs).child({ kubeconfig: 'apiVersion: v1 ...' });
    log.info('kine at postgres://kine:pa55word@db:5432/kine is unreachable', { dataSourceURL: 'postgres://kine:pa55word@db/kine', attempt: 3 });
    log.warn('join token abcdef.0123456789abcdef issued', { token: 'abcdef.0123456789abcdef' });
    log.error('auth failed', { header: 'Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9' });
    const text = logs.text();
    expect(text).not.toMatch(/pa55word|0123456789abcdef|eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9|apiVersion: v1/);
    expect(text).toContain('postgres://kine:[redacted]@db:5432/kine');
    expect(text).toContain('"attempt":3');
  });
});
