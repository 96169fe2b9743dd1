import { formatGoDuration as formatDuration, tryParseGoDuration as parseDuration } from '@k0smotron/api';
import { K0smotronApiError } from '@k0smotron/api/client';
import { ApiError } from '@k0smotron/api/kube';
import { toCliError, CliError } from './errors';
import { extractVerbosity } from './main';
import { planCompletion, DIRECTIVE } from './completion';
import { defaultKubeconfigPath, parseRequestTimeout } from './kube';

describe('durations', () => {
  it('parses Go durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(formatDuration(3_723_000)).toBe('1h2m3s');
  });
  it('reads --request-timeout like kubectl', () => {
    expect(parseRequestTimeout('5')).toBe(5000);
    expect(parseRequestTimeout('2m')).toBe(120_000);
    expect(() => parseRequestTimeout('soon')).toThrow('invalid --request-timeout "soon"');
  });
});

describe('defaultKubeconfigPath', () => {
  it('picks the file kubectl writes new entries to', () => {
    const env = { KUBECONFIG: '/a::/b:/c', HOME: '/home/u' };
    expect(defaultKubeconfigPath(env, p => p === '/b' || p === '/c')).toBe('/b');
    expect(defaultKubeconfigPath(env, () => false)).toBe('/c');
    expect(defaultKubeconfigPath({ HOME: '/home/u' }, () => false)).toBe('/home/u/.kube/config');
  });
});

describe('toCliError', () => {
  const ctx = { server: 'https://127.0.0.1:6443' };
  it('names the server when unreachable', () => {
    const e = toCliError(
      Object.assign(new Error('request failed, reason: connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
      { verb: 'list', resource: 'clusters.k0smotron.io' },
      ctx,
    );
    expect(e.message).toBe('cannot reach the Kubernetes API at https://127.0.0.1:6443 (ECONNREFUSED)');
  });
  it("words the request layer's timeout, TLS failure and bare 404 of the API as the typed client's", () => {
    const op = { verb: 'list', resource: 'clusters.k0smotron.io' } as const;
    const timeout = new ApiError('GET /apis: no answer within 2 s', 0, 'Timeout');
    expect(toCliError(timeout, op, { ...ctx, requestTimeoutMs: 2000 }).message).toBe('the Kubernetes API at https://127.0.0.1:6443 did not answer after 2s');
    const wrapped = new K0smotronApiError({ status: 0, reason: 'Unreachable', message: 'x', cause: timeout });
    expect(toCliError(wrapped, op, { ...ctx, requestTimeoutMs: 2000 }).message).toBe('the Kubernetes API at https://127.0.0.1:6443 did not answer after 2s');
    const tls = new ApiError(
      'GET /apis: self-signed certificate',
      0,
      'TLSError',
      undefined,
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    );
    const tlsError = toCliError(new K0smotronApiError({ status: 0, reason: 'Unreachable', message: 'x', cause: tls }), op, ctx);
    expect(tlsError.message).toBe('the TLS handshake with the Kubernetes API at https://127.0.0.1:6443 failed (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(tlsError.hint).toContain('certificate-authority');
    expect(toCliError(new ApiError('GET /apis/k0smotron.io: 404', 404, 'NotFound', '404 page not found\n'), op, ctx).message).toContain('not installed');
  });
  it('names verb and resource when forbidden', () => {
    const e = toCliError(
      { status: 403, reason: 'Forbidden', message: 'x' },
      { verb: 'create', resource: 'clusters.k0smotron.io', namespace: 'ns', name: 'a' },
      ctx,
    );
    expect(e.message).toBe('forbidden: you cannot create clusters.k0smotron.io "a" in namespace "ns"');
    expect(e.hint).toContain('kubectl auth can-i create clusters.k0smotron.io -n ns');
  });
  it('points at install when the CRD is missing', () => {
    const e = toCliError({ status: 404, reason: 'CrdMissing', message: 'x' }, { verb: 'list', resource: 'clusters.k0smotron.io' }, ctx);
    expect(e.hint).toBe('run `kubectl k0smotron install`');
  });
  it('passes CliErrors through', () => {
    const c = new CliError('a', 'b');
    expect(toCliError(c, { verb: 'get', resource: 'x' }, ctx)).toBe(c);
  });
});

describe('verbosity flags', () => {
  it('accepts kubectl -v=6 and leaves the rest', () => {
    expect(extractVerbosity(['list', '-v=6', '-n', 'x'])).toEqual({ argv: ['list', '-n', 'x'], level: 6 });
    expect(extractVerbosity(['kubeconfig', 'a', '--', 'kubectl', '-v=9'])).toEqual({ argv: ['kubeconfig', 'a', '--', 'kubectl', '-v=9'], level: 0 });
    expect(extractVerbosity(['list', '-v', '6'])).toEqual({ argv: ['list'], level: 6 });
    expect(extractVerbosity(['list', '--v', '4', '-v7'])).toEqual({ argv: ['list'], level: 7 });
    // Without a number, -v stays for yargs to count; after --, nothing is touched.
    expect(extractVerbosity(['status', 'demo', '-v'])).toEqual({ argv: ['status', 'demo', '-v'], level: 0 });
    expect(extractVerbosity(['kubeconfig', 'a', '--', 'kubectl', '-v', '9'])).toEqual({ argv: ['kubeconfig', 'a', '--', 'kubectl', '-v', '9'], level: 0 });
  });
});

describe('planCompletion', () => {
  it('completes commands, flags and flag values without the API', () => {
    expect(planCompletion(['sc']).candidates).toEqual(['scale']);
    expect(planCompletion(['create', '--service-type', 'N']).candidates).toEqual(['NodePort']);
    expect(planCompletion(['list', '-o', '']).candidates).toEqual(['wide', 'json', 'yaml', 'name']);
    expect(planCompletion(['status', '--out']).candidates).toEqual(['--output']);
    expect(planCompletion(['completion', '']).candidates).toEqual(['bash', 'zsh', 'fish']);
  });
  it('asks the API for cluster names, with the namespace typed so far', () => {
    const p = planCompletion(['status', '-n', 'team', '--kubeconfig', '/k', 'de']);
    expect(p.needs).toEqual({ kind: 'cluster', flags: { '-n': 'team', '--kubeconfig': '/k' } });
    expect(p.directive).toBe(DIRECTIVE.noFileComp);
    expect(planCompletion(['status', 'demo', '']).needs).toBeUndefined();
  });
  it('leaves file names to the shell for -f', () => {
    expect(planCompletion(['create', '-f', '']).directive).toBe(DIRECTIVE.default);
  });
});
