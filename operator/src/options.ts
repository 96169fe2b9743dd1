// Command-line flags and environment of the standalone operator, parsed into startOperator
// options. Pure (no I/O besides reading the given env), so it is unit-tested.
import { parseArgs } from 'node:util';
import { tryParseGoDuration } from '@k0smotron/api';
import { CHILD_API_MODES, parseChildApiMode, type ChildApiMode } from './childapi/resolver';
import { parseLogLevel, type LogLevel } from './engine/logger';

export const USAGE = `k0smotron operator

Usage: k0smotron-operator [flags]   (every flag also reads the environment variable shown)

  --kubeconfig PATH            KUBECONFIG      default: in-cluster service account, then ~/.kube/config
  --namespaces a,b             K0SMOTRON_NAMESPACES   namespaces to watch (default: all)
  --workers N                  K0SMOTRON_WORKERS      workers per controller (default 2)
  --metrics-address HOST:PORT  K0SMOTRON_METRICS_ADDRESS  /healthz /readyz /metrics (default :8080, "0" = off)
  --leader-elect[=false]       K0SMOTRON_LEADER_ELECT  leader election on a Lease (default false)
  --lease-name NAME            K0SMOTRON_LEASE_NAME    default k0smotron-leader
  --lease-namespace NS         K0SMOTRON_LEASE_NAMESPACE  default $POD_NAMESPACE or k0smotron
  --lease-duration DURATION    K0SMOTRON_LEASE_DURATION   default 15s (renew deadline 2/3 of it, retry every 2s)
  --log-level LEVEL            K0SMOTRON_LOG_LEVEL   debug|info|warn|error (default info)
  --resync-period DURATION     K0SMOTRON_RESYNC_PERIOD  e.g. 10m, 0 = off (default 10m)
  --child-api MODE             K0SMOTRON_CHILD_API   how to reach a Cluster's API: ${CHILD_API_MODES.join('|')} (default auto)
  --policy-file PATH           K0SMOTRON_POLICY_FILE  tenant policy YAML (default /etc/k0smotron/policy.yaml; absent = defaults)
  --allowed-image-repositories a,b  K0SMOTRON_ALLOWED_IMAGE_REPOSITORIES  images tenants' Clusters may run (replaces the file's list)
  --max-join-token-expiry DURATION  K0SMOTRON_MAX_JOIN_TOKEN_EXPIRY  longest join-token expiry (default 24h)
  --shutdown-grace-period DURATION  K0SMOTRON_SHUTDOWN_GRACE_PERIOD  how long a graceful stop may take before
                               the process exits 1 anyway (default 30s; keep it under the pod's termination grace period)
  -h, --help
`;

export interface MainOptions {
  kubeconfig?: string;
  namespaces?: string[];
  workers: number;
  metrics?: { host: string; port: number };
  leaderElection?: { namespace: string; name: string; leaseDurationMs: number };
  logLevel: LogLevel;
  resyncPeriodMs: number;
  childApi: ChildApiMode;
  policyFile: string;
  allowedImageRepositories?: string[];
  maxJoinTokenExpiry?: string;
  shutdownGracePeriodMs: number;
  help: boolean;
}

export const DEFAULT_POLICY_FILE = '/etc/k0smotron/policy.yaml';

/** "90s", "10m", "1h30m", "500ms", "0" → whole milliseconds (Go syntax, @k0smotron/api). */
export function parseDuration(value: string, flag: string): number {
  const ms = tryParseGoDuration(value);
  if (ms === undefined) throw new Error(`${flag} "${value}" is not a duration: use e.g. 30s, 10m, 1h or 0`);
  return Math.round(ms);
}

function parseBool(value: string, flag: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`${flag} "${value}" is not a boolean: use true or false`);
}

export function parseAddress(value: string, flag: string): { host: string; port: number } | undefined {
  if (value === '0' || value === '') return undefined;
  const i = value.lastIndexOf(':');
  const host = i > 0 ? value.slice(0, i).replace(/^\[(.*)\]$/, '$1') : '0.0.0.0';
  const portText = i >= 0 ? value.slice(i + 1) : value;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`${flag} "${value}" is not HOST:PORT (e.g. :8080 or 127.0.0.1:8080; 0 turns it off)`);
  return { host, port };
}

export function parseMainOptions(argv: string[], env: NodeJS.ProcessEnv): MainOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      workers: { type: 'string' },
      'metrics-address': { type: 'string' },
      'leader-elect': { type: 'string' },
      'lease-name': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-duration': { type: 'string' },
      'log-level': { type: 'string' },
      'resync-period': { type: 'string' },
      'child-api': { type: 'string' },
      'policy-file': { type: 'string' },
      'allowed-image-repositories': { type: 'string' },
      'max-join-token-expiry': { type: 'string' },
      'shutdown-grace-period': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
    // `--leader-elect` alone means true: node's parseArgs wants a value for string options.
  } as const);
  const pick = (flag: keyof typeof values, envName: string): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[envName] || undefined;
  };
  const workersText = pick('workers', 'K0SMOTRON_WORKERS') ?? '2';
  const workers = Number(workersText);
  if (!/^\d+$/.test(workersText) || workers < 1 || workers > 64) {
    throw new Error(`--workers "${workersText}" must be a whole number from 1 to 64`);
  }
  const namespaces = (pick('namespaces', 'K0SMOTRON_NAMESPACES') ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  for (const ns of namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) throw new Error(`--namespaces: "${ns}" is not a valid namespace name`);
  }
  const imagesText = pick('allowed-image-repositories', 'K0SMOTRON_ALLOWED_IMAGE_REPOSITORIES');
  const imageRepositories =
    imagesText === undefined
      ? undefined
      : imagesText
          .split(',')
          .map(s => s.trim())
          .filter(Boolean);
  if (imageRepositories && imageRepositories.length === 0) {
    throw new Error('--allowed-image-repositories: name at least one repository, e.g. registry.example.com/k0sproject/');
  }
  const graceText = pick('shutdown-grace-period', 'K0SMOTRON_SHUTDOWN_GRACE_PERIOD') ?? '30s';
  const shutdownGracePeriodMs = parseDuration(graceText, '--shutdown-grace-period');
  if (shutdownGracePeriodMs <= 0) throw new Error(`--shutdown-grace-period "${graceText}" must be longer than 0 (e.g. 30s)`);
  const leaderElect = parseBool(pick('leader-elect', 'K0SMOTRON_LEADER_ELECT') ?? 'false', '--leader-elect');
  return {
    kubeconfig: pick('kubeconfig', 'KUBECONFIG'),
    namespaces: namespaces.length ? namespaces : undefined,
    workers,
    metrics: parseAddress(pick('metrics-address', 'K0SMOTRON_METRICS_ADDRESS') ?? ':8080', '--metrics-address'),
    leaderElection: leaderElect
      ? {
          name: pick('lease-name', 'K0SMOTRON_LEASE_NAME') ?? 'k0smotron-leader',
          namespace: pick('lease-namespace', 'K0SMOTRON_LEASE_NAMESPACE') ?? (env.POD_NAMESPACE || 'k0smotron'),
          leaseDurationMs: parseDuration(pick('lease-duration', 'K0SMOTRON_LEASE_DURATION') ?? '15s', '--lease-duration'),
        }
      : undefined,
    logLevel: parseLogLevel(pick('log-level', 'K0SMOTRON_LOG_LEVEL'), 'info'),
    resyncPeriodMs: parseDuration(pick('resync-period', 'K0SMOTRON_RESYNC_PERIOD') ?? '10m', '--resync-period'),
    childApi: parseChildApiMode(pick('child-api', 'K0SMOTRON_CHILD_API') ?? 'auto'),
    policyFile: pick('policy-file', 'K0SMOTRON_POLICY_FILE') ?? DEFAULT_POLICY_FILE,
    allowedImageRepositories: imageRepositories,
    maxJoinTokenExpiry: pick('max-join-token-expiry', 'K0SMOTRON_MAX_JOIN_TOKEN_EXPIRY'),
    shutdownGracePeriodMs,
    help: !!values.help,
  };
}

/** `--leader-elect` without a value means true; rewrite it for parseArgs. */
export function normaliseArgv(argv: string[]): string[] {
  return argv.map(a => (a === '--leader-elect' ? '--leader-elect=true' : a));
}
