import { normaliseArgv, parseAddress, parseDuration, parseMainOptions } from './options';

describe('operator flags', () => {
  it('defaults: all namespaces, 2 workers, :8080, no leader election, 10m resync', () => {
    const o = parseMainOptions([], {});
    expect(o).toMatchObject({
      namespaces: undefined,
      workers: 2,
      metrics: { host: '0.0.0.0', port: 8080 },
      leaderElection: undefined,
      logLevel: 'info',
      resyncPeriodMs: 600_000,
      childApi: 'auto',
    });
  });

  it('flags win over env; env fills the rest', () => {
    const o = parseMainOptions(normaliseArgv(['--namespaces', 'a, b', '--leader-elect', '--workers=4']), {
      K0SMOTRON_WORKERS: '9',
      K0SMOTRON_LOG_LEVEL: 'debug',
      POD_NAMESPACE: 'ops',
      K0SMOTRON_METRICS_ADDRESS: '127.0.0.1:0',
    });
    expect(o.namespaces).toEqual(['a', 'b']);
    expect(o.workers).toBe(4);
    expect(o.logLevel).toBe('debug');
    expect(o.metrics).toEqual({ host: '127.0.0.1', port: 0 });
    expect(o.leaderElection).toEqual({ name: 'k0smotron-leader', namespace: 'ops', leaseDurationMs: 15_000 });
  });

  it('bad values name the flag and the fix', () => {
    expect(() => parseMainOptions(['--workers', 'many'], {})).toThrow(/--workers "many" must be a whole number/);
    expect(() => parseMainOptions(['--namespaces', 'Bad_NS'], {})).toThrow(/--namespaces: "Bad_NS" is not a valid namespace/);
    expect(() => parseMainOptions(['--log-level', 'loud'], {})).toThrow(/log level "loud"/);
    expect(() => parseMainOptions(['--resync-period', '10 minutes'], {})).toThrow(/--resync-period "10 minutes" is not a duration/);
    expect(() => parseMainOptions(['--leader-elect=maybe'], {})).toThrow(/--leader-elect "maybe" is not a boolean/);
    expect(() => parseMainOptions(['--bogus'], {})).toThrow(/bogus/);
  });

  it('shutdown grace period: 30s by default, flag over env, a duration above 0', () => {
    expect(parseMainOptions([], {}).shutdownGracePeriodMs).toBe(30_000);
    expect(parseMainOptions([], { K0SMOTRON_SHUTDOWN_GRACE_PERIOD: '45s' }).shutdownGracePeriodMs).toBe(45_000);
    expect(parseMainOptions(['--shutdown-grace-period', '1500ms'], { K0SMOTRON_SHUTDOWN_GRACE_PERIOD: '45s' }).shutdownGracePeriodMs).toBe(1_500);
    expect(() => parseMainOptions(['--shutdown-grace-period', '0'], {})).toThrow(/--shutdown-grace-period "0" must be longer than 0/);
    expect(() => parseMainOptions(['--shutdown-grace-period', 'soon'], {})).toThrow(/--shutdown-grace-period "soon" is not a duration/);
  });

  it('durations and addresses', () => {
    expect(parseDuration('1h30m', 'x')).toBe(5_400_000);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(parseDuration('0', 'x')).toBe(0);
    expect(() => parseDuration('5', 'x')).toThrow();
    expect(parseAddress('0', 'x')).toBeUndefined();
    expect(parseAddress(':9090', 'x')).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseAddress('[::1]:80', 'x')).toEqual({ host: '::1', port: 80 });
    expect(() => parseAddress('host:http', 'x')).toThrow(/HOST:PORT/);
  });
});
