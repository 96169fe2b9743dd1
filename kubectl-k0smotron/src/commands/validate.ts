// Flag values are checked by the shared API validator before any request; its findings are
// worded in terms of the flags the user typed, with the valid values.
import { JOIN_ROLES, PERSISTENCE_TYPES, SERVICE_TYPES, STORAGE_TYPES, type Cluster, type JoinTokenRequest } from '@k0smotron/api';
import { validateCluster, validateJoinTokenRequest } from '@k0smotron/api/validation';
import { CliError } from '../errors';
import { flagForPath } from '../spec/create';

const VALID_VALUES: [RegExp, string][] = [
  [/service[./]type$/, `valid values: ${SERVICE_TYPES.join(', ')}`],
  [/storage[./]type$/, `valid values: ${STORAGE_TYPES.join(', ')}`],
  [/persistence[./]type$/, `valid values: ${PERSISTENCE_TYPES.join(', ')}`],
  [/role$/, `valid values: ${JOIN_ROLES.join(', ')}`],
  [/version$/, 'use a k0s version such as v1.30.2-k0s.0 (or v1.30.2+k0s.0, or v1.30.2)'],
  [/replicas$/, 'use a whole number from 0 to 99'],
  [/(apiPort|konnectivityPort)$/, 'use a port number from 1 to 65535'],
  [/externalAddress$/, 'use a host name or IP address without scheme or port'],
  [/expiry$/, 'use a Go duration such as 30m, 1h or 24h (0s = never expires)'],
  [/dataSourceURL$/, 'use a URL such as postgres://user:pass@host:5432/db'],
  [/size$/, 'use a quantity such as 1Gi or 500Mi'],
  [/(name|dataSourceSecretName|hostPath)$/, 'use lower-case letters, digits and "-" (host paths start with /)'],
];

function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(/[./]/).filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function hintFor(path: string): string | undefined {
  return VALID_VALUES.find(([re]) => re.test(path))?.[1];
}

/** Fails with the first problem, named by flag (or by field for -f manifests). */
function raise(obj: unknown, errors: { path: string; message: string }[], fromFile: string | undefined, flagFor: (path: string) => string | undefined): never {
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  const flag = fromFile ? undefined : flagFor(first.path);
  const value = valueAt(obj, first.path);
  const shown = value === undefined || typeof value === 'object' ? '' : ` "${String(value)}"`;
  const field = first.path.replace(/^\//, '').replace(/\//g, '.') || '(object)';
  const subject = flag ? `invalid ${flag}${shown}` : `invalid ${field}${shown}${fromFile ? ` in ${fromFile}` : ''}`;
  throw new CliError(`${subject}: ${first.message}${more}`, hintFor(first.path) ?? 'fix the value and try again');
}

export function checkCluster(cluster: Cluster, fromFile?: string): void {
  const result = validateCluster(cluster);
  if (!result.ok && result.errors.length > 0) raise(cluster, result.errors, fromFile, flagForPath);
}

export function checkJoinTokenRequest(jtr: JoinTokenRequest): void {
  const result = validateJoinTokenRequest(jtr);
  if (!result.ok && result.errors.length > 0) {
    raise(jtr, result.errors, undefined, p =>
      /expiry/.test(p) ? '--expiry' : /role/.test(p) ? '--role' : /clusterName/.test(p) ? 'CLUSTER' : /name/.test(p) ? '--name' : undefined,
    );
  }
}
