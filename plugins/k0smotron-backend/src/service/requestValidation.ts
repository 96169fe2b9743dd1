import {
  ANNOTATION_PAUSED,
  DEFAULT_JOIN_TOKEN_EXPIRY,
  DNS1123_LABEL_PATTERN,
  GO_DURATION_PATTERN,
  JOIN_ROLES,
  K0S_VERSION_PATTERN,
  MAX_CLUSTER_NAME_LENGTH,
  type JoinRole,
} from '@k0smotron/api';
import {
  CLUSTER_OWNER_KEY,
  type CreateClusterRequest,
  type FieldError,
  type JoinTokenRequestBody,
  type UpdateClusterRequest,
} from '@k0smotron/plugin-k0smotron-common';

// Shape checks of the REST bodies, before the shared Cluster validator sees the spec. Each
// error names the field and says what would be accepted.

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const dnsLabel = new RegExp(DNS1123_LABEL_PATTERN);
const k0sVersion = new RegExp(K0S_VERSION_PATTERN);
const goDuration = new RegExp(GO_DURATION_PATTERN);
// Kubernetes qualified name with an optional DNS-subdomain prefix.
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function rejectUnknownKeys(obj: Record<string, unknown>, allowed: readonly string[], errors: FieldError[], prefix = '') {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      errors.push({ path: `${prefix}${key}`, message: `unknown field; allowed fields are ${allowed.join(', ')}` });
    }
  }
}

export function checkDnsName(value: unknown, path: string, errors: FieldError[], maxLength = 63): value is string {
  if (typeof value !== 'string' || value.length === 0) {
    errors.push({ path, message: `required: a lowercase DNS-1123 name such as "team-a" (got ${typeName(value)})` });
    return false;
  }
  if (value.length > maxLength) {
    errors.push({ path, message: `"${value}" is ${value.length} characters; use at most ${maxLength}` });
    return false;
  }
  if (!dnsLabel.test(value)) {
    errors.push({
      path,
      message: `"${value}" is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });
    return false;
  }
  return true;
}

function checkStringMap(value: unknown, path: string, errors: FieldError[], checkValues: boolean) {
  if (value === undefined) return;
  if (!isPlainObject(value)) {
    errors.push({ path, message: `must be an object of string keys to string values (got ${typeName(value)})` });
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!labelKey.test(k) || k.length > 316) {
      errors.push({ path: `${path}.${k}`, message: `"${k}" is not a valid key: use [prefix/]name, e.g. "example.com/team"` });
    }
    if (typeof v !== 'string') {
      errors.push({ path: `${path}.${k}`, message: `must be a string (got ${typeName(v)}); quote numbers and booleans` });
    } else if (checkValues && (v.length > 63 || !labelValue.test(v))) {
      errors.push({
        path: `${path}.${k}`,
        message: `"${v}" is not a valid label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      });
    }
  }
}

export function checkCreateClusterRequest(body: unknown): Checked<CreateClusterRequest> {
  const errors: FieldError[] = [];
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ path: '', message: `the body must be a JSON object { namespace, name, spec } (got ${typeName(body)})` }] };
  }
  rejectUnknownKeys(body, ['namespace', 'name', 'spec', 'labels', 'annotations', 'owner'], errors);
  checkDnsName(body.namespace, 'namespace', errors);
  checkDnsName(body.name, 'name', errors, MAX_CLUSTER_NAME_LENGTH);
  if (body.spec !== undefined && !isPlainObject(body.spec)) {
    errors.push({ path: 'spec', message: `must be an object (the Cluster spec), got ${typeName(body.spec)}` });
  }
  checkStringMap(body.labels, 'labels', errors, true);
  checkStringMap(body.annotations, 'annotations', errors, false);
  if (body.owner !== undefined && (typeof body.owner !== 'string' || !/^([a-z]+:)?([^/:]+\/)?[^/:]+$/i.test(body.owner))) {
    errors.push({ path: 'owner', message: `must be an entity ref such as "group:default/team-a" (got ${JSON.stringify(body.owner)})` });
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      namespace: body.namespace as string,
      name: body.name as string,
      spec: (body.spec ?? {}) as CreateClusterRequest['spec'],
      labels: body.labels as Record<string, string> | undefined,
      annotations: body.annotations as Record<string, string> | undefined,
      ...(typeof body.owner === 'string' ? { owner: body.owner } : {}),
    },
  };
}

export function checkUpdateClusterRequest(body: unknown): Checked<UpdateClusterRequest> {
  const errors: FieldError[] = [];
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ path: '', message: `the body must be a JSON object { replicas?, version?, paused? } (got ${typeName(body)})` }] };
  }
  rejectUnknownKeys(body, ['replicas', 'version', 'paused'], errors);
  const { replicas, version, paused } = body;
  if (replicas === undefined && version === undefined && paused === undefined) {
    errors.push({ path: '', message: 'nothing to change: set replicas, version or paused' });
  }
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > 99)) {
    errors.push({ path: 'replicas', message: `must be a whole number from 0 (sleep) to 99 (got ${JSON.stringify(replicas)})` });
  }
  if (version !== undefined && (typeof version !== 'string' || !k0sVersion.test(version))) {
    errors.push({ path: 'version', message: `must be a k0s version such as "v1.30.2-k0s.0" (got ${JSON.stringify(version)})` });
  }
  if (paused !== undefined && typeof paused !== 'boolean') {
    errors.push({ path: 'paused', message: `must be true or false (got ${JSON.stringify(paused)})` });
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: body as UpdateClusterRequest };
}

export function checkJoinTokenRequestBody(body: unknown): Checked<JoinTokenRequestBody> {
  const errors: FieldError[] = [];
  const input = body === undefined || body === null ? {} : body;
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ path: '', message: `the body must be a JSON object { role, expiry } (got ${typeName(body)})` }] };
  }
  rejectUnknownKeys(input, ['role', 'expiry'], errors);
  const role = input.role ?? 'worker';
  const expiry = input.expiry ?? DEFAULT_JOIN_TOKEN_EXPIRY;
  if (typeof role !== 'string' || !(JOIN_ROLES as readonly string[]).includes(role)) {
    errors.push({ path: 'role', message: `must be one of ${JOIN_ROLES.join(', ')} (got ${JSON.stringify(role)})` });
  }
  if (typeof expiry !== 'string' || !goDuration.test(expiry)) {
    errors.push({ path: 'expiry', message: `must be a duration such as "1h" or "24h" ("0s" = never expires), got ${JSON.stringify(expiry)}` });
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { role: role as JoinRole, expiry: expiry as string } };
}

/** The RFC 7386 patch of an update request: annotation removal uses null. */
export function updateToMergePatch(update: UpdateClusterRequest): object {
  const patch: { spec?: Record<string, unknown>; metadata?: { annotations: Record<string, string | null> } } = {};
  if (update.replicas !== undefined || update.version !== undefined) {
    patch.spec = {};
    if (update.replicas !== undefined) patch.spec.replicas = update.replicas;
    if (update.version !== undefined) patch.spec.version = update.version;
  }
  if (update.paused !== undefined) {
    patch.metadata = { annotations: { [ANNOTATION_PAUSED]: update.paused ? 'true' : null } };
  }
  return patch;
}

// The self-service subset of a Cluster spec: what the scaffolder action offers. Everything else
// (images, patches, mounts, manifests, k0s config, certificates, service accounts, annotations…)
// shapes the pods on the management cluster's nodes and needs k0smotron.cluster.create.advanced.
const SAFE_SPEC: Record<string, true | Record<string, unknown>> = {
  replicas: true,
  version: true,
  externalAddress: true,
  service: { type: true, apiPort: true, konnectivityPort: true },
  storage: {
    type: true,
    etcd: { persistence: { size: true, storageClass: true } },
    kine: { dataSourceSecretName: true },
  },
};

function unsafePaths(value: unknown, allowed: Record<string, unknown>, prefix: string, out: string[]) {
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const rule = allowed[k];
    if (rule === undefined) out.push(`${prefix}${k}`);
    else if (rule !== true) {
      if (isPlainObject(v)) unsafePaths(v, rule as Record<string, unknown>, `${prefix}${k}.`, out);
      else if (v !== undefined && v !== null) out.push(`${prefix}${k}`);
    }
  }
}

/** Fields of a create request beyond the self-service subset (empty: a plain create suffices). */
export function unsafeCreateFields(request: CreateClusterRequest): string[] {
  const out: string[] = [];
  unsafePaths(request.spec, SAFE_SPEC, 'spec.', out);
  if (request.annotations && Object.keys(request.annotations).length) out.push('annotations');
  // Where the platform trusts the owner label, setting it would skip the owner check: use `owner`.
  if (request.labels && CLUSTER_OWNER_KEY in request.labels) out.push(`labels.${CLUSTER_OWNER_KEY}`);
  return out;
}
