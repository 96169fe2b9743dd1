// The API server's rules, checked in TypeScript on the SAME schemas the CRDs are generated from,
// plus the checks a structural schema cannot express. Every message names the field and the fix,
// so the CLI and Backstage reject bad input before it reaches the cluster. Browser-safe.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import {
  API_VERSION,
  API_VERSION_V1BETA1,
  CLUSTER_KIND,
  JOIN_TOKEN_REQUEST_KIND,
  K0SMOTRON_CLUSTER_KIND,
  MAX_CLUSTER_NAME_LENGTH,
  CLUSTER_NAME_LIMIT_REASON,
} from './constants';
import { Cluster, ClusterSpec, K0S_VERSION_PATTERN, HOST_PATTERN, KINE_URL_PATTERN } from './schema/cluster';
import { DNS1123_LABEL_PATTERN, DNS1123_SUBDOMAIN_PATTERN, GO_DURATION_PATTERN, QUANTITY_PATTERN } from './schema/common';
import { JoinTokenRequest } from './schema/jointokenrequest';
import { unsupportedFeatures } from './unsupported';

export interface ValidationError {
  /** Dotted path of the field, e.g. `spec.service.type` or `spec.patches[0].patch.type`. */
  path: string;
  message: string;
}
export interface ValidationResult {
  ok: boolean;
  errors: ValidationError[];
  /** Accepted, but worth telling the user: unsupported features that are switched on. */
  warnings?: ValidationError[];
}

/** JSON-schema keywords of Kubernetes (and ours) that carry no validation for ajv. */
export const KUBERNETES_SCHEMA_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'x-k0smotron-unsupported',
] as const;

// Human descriptions of the patterns the schemas use, with examples.
const PATTERN_HINTS: Record<string, string> = {
  [K0S_VERSION_PATTERN]: 'a k0s version such as v1.30.2-k0s.0 (or v1.30.2+k0s.0, v1.30.2)',
  [GO_DURATION_PATTERN]: 'a Go duration such as 30m, 1h, 24h or 1h30m (0s means never)',
  [DNS1123_LABEL_PATTERN]: 'a DNS-1123 name: lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. my-cluster',
  [DNS1123_SUBDOMAIN_PATTERN]: 'a DNS-1123 name: lowercase letters, digits, "-" and ".", e.g. my-secret',
  [QUANTITY_PATTERN]: 'a Kubernetes quantity such as 1Gi, 512Mi, 500m or 2',
  [HOST_PATTERN]: 'a host name or IP address without scheme or port, e.g. 203.0.113.10 or api.example.com',
  [KINE_URL_PATTERN]: 'a URL with a scheme, e.g. postgres://user:pass@db.example.com:5432/kine or mysql://user:pass@tcp(db:3306)/kine',
  '^--': 'a flag starting with "--", e.g. --debug=true',
  '^/': 'an absolute path such as /var/lib/data',
};

type Schema = Record<string, unknown>;

function makeAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true, verbose: true });
  addFormats(ajv);
  for (const keyword of KUBERNETES_SCHEMA_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['boolean', 'string', 'array', 'object'] });
  return ajv;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

// Each schema is compiled on first use (a few hundred ms for the Cluster spec), so importing the
// package stays cheap and a caller pays only for what it validates.
function validator(key: 'spec' | 'cluster' | 'jtr'): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    ajv ??= makeAjv();
    const schema =
      key === 'spec'
        ? ClusterSpec
        : key === 'jtr'
          ? JoinTokenRequest
          : // The spec is validated on its own (validateClusterSpec); not compiling it twice.
            { ...Cluster, properties: { ...Cluster.properties, spec: {} } };
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

/** `spec` + `/service/type` → `spec.service.type`; array indices as `[0]`. */
function joinPath(base: string, pointer: string): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(seg) ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg;
  }
  return out;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${show(value)}`;
  return `${typeof value} ${show(value)}`;
}

function expectedType(t: unknown): string {
  const names: Record<string, string> = {
    string: 'a string',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    object: 'an object (a map of fields)',
    array: 'a list',
  };
  return Array.isArray(t) ? t.map(x => names[String(x)] ?? String(x)).join(' or ') : (names[String(t)] ?? String(t));
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/** One ajv error → one message naming the fix. */
function describeAjvError(e: ErrorObject, root: unknown, base: string): ValidationError | undefined {
  const value = valueAt(root, e.instancePath);
  const parent = (e.parentSchema ?? {}) as Schema;
  const path = joinPath(base, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      return { path: path ? `${path}.${missing}` : missing, message: `is required` };
    }
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')} (got ${show(value)})` };
    case 'type':
      if (parent['x-kubernetes-int-or-string']) return undefined; // reported once by anyOf
      return { path, message: `must be ${expectedType(p.type)} (got ${typeName(value)})` };
    case 'anyOf':
      if (parent['x-kubernetes-int-or-string']) {
        return { path, message: `must be a number or a string such as 1Gi or 500m (got ${typeName(value)})` };
      }
      return { path, message: anyOfMessage(parent) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const min = parent.minimum;
      const max = parent.maximum;
      const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
      return { path, message: `must be ${range} (got ${show(value)})` };
    }
    case 'minLength':
      return { path, message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long` };
    case 'maxLength':
      return { path, message: `must be at most ${p.limit} characters long (got ${String(value).length})` };
    case 'minItems':
      return { path, message: `must have at least ${p.limit} item(s)` };
    case 'maxItems':
      return { path, message: `must have at most ${p.limit} item(s)` };
    case 'pattern': {
      const hint = PATTERN_HINTS[String(p.pattern)];
      return { path, message: `${show(value)} is not ${hint ?? `matching the pattern ${String(p.pattern)}`}` };
    }
    case 'format':
      return { path, message: `must be a ${p.format === 'date-time' ? 'RFC 3339 time such as 2026-01-02T15:04:05Z' : String(p.format)} (got ${show(value)})` };
    default:
      return { path, message: e.message ?? `failed ${e.keyword}` };
  }
}

function anyOfMessage(schema: Schema): string {
  const branches = (schema.anyOf as Schema[] | undefined) ?? [];
  const required = branches.map(b => (b.required as string[] | undefined)?.join(' and ')).filter(Boolean);
  if (required.length === branches.length && required.length) return `set one of: ${required.join(', ')}`;
  return 'does not match any allowed form';
}

// ---- Unknown and unsupported fields: walked along the schema, like the API server's pruning.

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The known field closest to a mistyped one, if any is close enough to be a likely typo. */
export function suggestField(unknown: string, known: string[]): string | undefined {
  const lower = unknown.toLowerCase();
  const exact = known.find(k => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = levenshtein(lower, k.toLowerCase());
    if (!best || d < best.d) best = { name: k, d };
  }
  if (!best) return undefined;
  const limit = Math.max(2, Math.floor(Math.min(unknown.length, best.name.length) / 3));
  if (best.d <= limit) return best.name;
  return known.find(k => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
}

interface WalkResult {
  errors: ValidationError[];
  /** Paths of unsupported fields: ajv errors at or under them are noise. */
  unsupported: string[];
}

function walk(schema: Schema | undefined, value: unknown, path: string, out: WalkResult, skip: Set<string>): void {
  if (!schema || value === null || value === undefined) return;
  // Unsupported features are free-form here; unsupportedFeatures() reports those switched on.
  if (typeof schema['x-k0smotron-unsupported'] === 'string') {
    out.unsupported.push(path);
    return;
  }
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    value.forEach((item, i) => walk(items, item, `${path}[${i}]`, out, skip));
    return;
  }
  if (typeof value !== 'object' || skip.has(path)) return;
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const [k, v] of Object.entries(value)) walk(schema.additionalProperties as Schema, v, `${path}.${k}`, out, skip);
    return;
  }
  if (!properties) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const known = Object.keys(properties);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const child = path ? `${path}.${k}` : k;
    if (properties[k]) {
      walk(properties[k], v, child, out, skip);
    } else if (!preserve) {
      const hint = suggestField(k, known);
      out.errors.push({
        path: child,
        message: `unknown field: the API server would silently drop it` + (hint ? `. Did you mean "${hint}"?` : `. Known fields here: ${known.join(', ')}`),
      });
    }
  }
}

// ---- Checks a structural schema cannot express.

function parsePatchContent(content: string): unknown {
  return parseYaml(content); // YAML is a superset of JSON
}

function semanticSpecErrors(spec: ClusterSpec, base: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const at = (p: string) => (base ? `${base}.${p}` : p);

  // Storage: which datastore, and whether it is fully described.
  const legacyKine = !!(spec.kineDataSourceURL || spec.kineDataSourceSecretName);
  const kine = spec.storage?.kine ?? {};
  const storageType = spec.storage?.type ?? (legacyKine ? 'kine' : 'etcd');
  const url = kine.dataSourceURL || spec.kineDataSourceURL;
  const secret = kine.dataSourceSecretName || spec.kineDataSourceSecretName;
  if (storageType === 'kine') {
    if (!url && !secret) {
      errors.push({
        path: at('storage.kine'),
        message:
          'storage type kine needs a data source: set storage.kine.dataSourceURL (e.g. postgres://user:pass@host:5432/kine) ' +
          'or storage.kine.dataSourceSecretName (a Secret with key K0SMOTRON_KINE_DATASOURCE_URL)',
      });
    } else if (url && secret) {
      errors.push({
        path: at('storage.kine'),
        message: 'set only one of dataSourceURL and dataSourceSecretName (the Secret keeps credentials out of the spec)',
      });
    }
  } else if (storageType === 'etcd' && (legacyKine || kine.dataSourceURL || kine.dataSourceSecretName)) {
    errors.push({
      path: at('storage.type'),
      message: 'is etcd but a kine data source is set: set storage.type to kine, or remove the kine data source',
    });
  }
  if (spec.etcd && spec.storage?.etcd) {
    errors.push({ path: at('etcd'), message: 'is the v1beta1 name of storage.etcd: set only storage.etcd' });
  }
  if (spec.controllerPlaneFlags && spec.controlPlaneFlags) {
    errors.push({ path: at('controllerPlaneFlags'), message: 'is the v1beta1 name of controlPlaneFlags: set only controlPlaneFlags' });
  }

  // Service ports are both exposed on the same Service.
  const apiPort = spec.service?.apiPort;
  const kPort = spec.service?.konnectivityPort;
  if (apiPort !== undefined && apiPort === kPort) {
    errors.push({ path: at('service.konnectivityPort'), message: `must differ from service.apiPort (both are ${apiPort})` });
  }

  // Persistence: each type needs its own settings.
  const persistence = spec.persistence;
  if (persistence?.type === 'hostPath' && !persistence.hostPath) {
    errors.push({ path: at('persistence.hostPath'), message: 'is required when persistence.type is hostPath, e.g. /var/lib/k0smotron/<cluster>' });
  }
  if (persistence?.type === 'pvc' && !persistence.persistentVolumeClaim?.spec) {
    errors.push({
      path: at('persistence.persistentVolumeClaim.spec'),
      message: 'is required when persistence.type is pvc, e.g. {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
    });
  }

  // Certificates: one Secret per type.
  const seen = new Set<string>();
  (spec.certificateRefs ?? []).forEach((ref, i) => {
    if (ref && typeof ref.type === 'string') {
      if (seen.has(ref.type)) errors.push({ path: at(`certificateRefs[${i}].type`), message: `"${ref.type}" is listed twice: keep one entry per type` });
      seen.add(ref.type);
    }
  });

  // Mount paths must not collide.
  const paths = new Set<string>();
  (spec.mounts ?? []).forEach((m, i) => {
    if (m && typeof m.path === 'string') {
      if (paths.has(m.path)) errors.push({ path: at(`mounts[${i}].path`), message: `"${m.path}" is mounted twice: use one mount per path` });
      paths.add(m.path);
    }
  });

  // Patches: the content must parse and have the shape its type needs.
  (spec.patches ?? []).forEach((patch, i) => {
    const p = at(`patches[${i}].patch`);
    const type = patch?.patch?.type;
    const content = patch?.patch?.content;
    if (typeof content !== 'string' || !content) return;
    let parsed: unknown;
    try {
      parsed = parsePatchContent(content);
    } catch (err) {
      errors.push({ path: `${p}.content`, message: `is not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}` });
      return;
    }
    if (type === 'json') {
      const ops = ['add', 'remove', 'replace', 'move', 'copy', 'test'];
      const bad = !Array.isArray(parsed)
        ? 'must be a list of operations, e.g. [{"op": "add", "path": "/spec/replicas", "value": 2}]'
        : parsed.findIndex(
            o => !o || typeof o !== 'object' || !ops.includes((o as { op?: string }).op ?? '') || typeof (o as { path?: unknown }).path !== 'string',
          );
      if (typeof bad === 'string') errors.push({ path: `${p}.content`, message: `a json patch ${bad}` });
      else if (bad >= 0) errors.push({ path: `${p}.content`, message: `operation ${bad} needs "op" (one of ${ops.join(', ')}) and a string "path"` });
    } else if ((type === 'merge' || type === 'strategic') && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
      errors.push({ path: `${p}.content`, message: `a ${type} merge patch must be an object, e.g. {"metadata": {"labels": {"team": "a"}}}` });
    }
  });
  return errors;
}

function nameErrors(name: unknown, path: string, maxLength: number, pattern: string, why: string): ValidationError[] {
  if (typeof name !== 'string' || name === '') return [{ path, message: 'is required' }];
  const errors: ValidationError[] = [];
  if (name.length > maxLength) errors.push({ path, message: `must be at most ${maxLength} characters ${why}(got ${name.length})` });
  if (!new RegExp(pattern).test(name)) errors.push({ path, message: `${show(name)} is not ${PATTERN_HINTS[pattern]}` });
  return errors;
}

function dedupe(errors: ValidationError[], unsupported: string[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter(e => {
    const shadowed = unsupported.some(u => (e.path === u || e.path.startsWith(`${u}.`)) && !e.message.includes('not supported'));
    const key = `${e.path}\u0000${e.message}`;
    if (shadowed || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function runSchema(fn: ValidateFunction, value: unknown, base: string): ValidationError[] {
  if (fn(value)) return [];
  const errors = fn.errors ?? [];
  // Errors inside an anyOf branch are explained by the anyOf error itself.
  const anyOfPaths = errors.filter(e => e.keyword === 'anyOf').map(e => e.schemaPath);
  return errors
    .filter(e => !anyOfPaths.some(p => e.schemaPath.startsWith(`${p}/`)))
    .map(e => describeAjvError(e, value, base))
    .filter((e): e is ValidationError => !!e);
}

/** Validates a Cluster spec alone (paths start with `spec.`). `null` is valid: upstream's `spec: null`. */
export function validateClusterSpec(spec: unknown): ValidationResult {
  if (spec === null || spec === undefined) return { ok: true, errors: [] };
  const fn = validator('spec');
  const walked: WalkResult = { errors: [], unsupported: [] };
  walk(ClusterSpec as unknown as Schema, spec, 'spec', walked, new Set());
  const errors = [...walked.errors, ...runSchema(fn, spec, 'spec')];
  if (typeof spec === 'object' && !Array.isArray(spec)) errors.push(...semanticSpecErrors(spec as ClusterSpec, 'spec'));
  const result = dedupe(errors, walked.unsupported);
  return { ok: result.length === 0, errors: result, warnings: unsupportedFeatures(spec).map(f => ({ path: f.field, message: f.message })) };
}

/** Validates a whole Cluster (or its v1beta1 alias, a K0smotronCluster) as `kubectl apply` would send it. */
export function validateCluster(obj: unknown): ValidationResult {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    return { ok: false, errors: [{ path: '', message: `a Cluster must be an object with apiVersion, kind, metadata and spec (got ${typeName(obj)})` }] };
  }
  const o = obj as Record<string, unknown>;
  const errors: ValidationError[] = [];
  const isAlias = o.kind === K0SMOTRON_CLUSTER_KIND;
  if (o.kind !== CLUSTER_KIND && !isAlias) {
    errors.push({ path: 'kind', message: `must be ${CLUSTER_KIND} (or ${K0SMOTRON_CLUSTER_KIND} with ${API_VERSION_V1BETA1}) (got ${show(o.kind)})` });
  }
  const versions = isAlias ? [API_VERSION_V1BETA1] : [API_VERSION, API_VERSION_V1BETA1];
  if (!versions.includes(o.apiVersion as string)) {
    errors.push({ path: 'apiVersion', message: `must be ${versions.join(' or ')} (got ${show(o.apiVersion)})` });
  }
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  if (metadata.generateName === undefined || metadata.name !== undefined) {
    errors.push(...nameErrors(metadata.name, 'metadata.name', MAX_CLUSTER_NAME_LENGTH, DNS1123_LABEL_PATTERN, `${CLUSTER_NAME_LIMIT_REASON} `));
  }
  // `spec: null` is pruned by the API server and then defaulted: validate the rest only.
  const withoutNullSpec = o.spec === null ? { ...o, spec: undefined } : o;
  const fn = validator('cluster');
  const schemaErrors = runSchema(fn, { ...withoutNullSpec, apiVersion: String(o.apiVersion ?? ''), kind: String(o.kind ?? ''), metadata }, '');
  errors.push(...schemaErrors.filter(e => !e.path.startsWith('spec')));
  const spec = validateClusterSpec(o.spec);
  errors.push(...spec.errors);
  const warnings = spec.warnings ?? [];
  const walked: WalkResult = { errors: [], unsupported: [] };
  const top = { ...withoutNullSpec };
  delete top.spec;
  walk(Cluster as unknown as Schema, top, '', walked, new Set(['metadata', 'status']));
  errors.push(...walked.errors);
  const result = dedupe(errors, []);
  return { ok: result.length === 0, errors: result, warnings };
}

/** Validates a JoinTokenRequest (v1beta2 `clusterName` or v1beta1 `clusterRef`). */
export function validateJoinTokenRequest(obj: unknown): ValidationResult {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    return {
      ok: false,
      errors: [{ path: '', message: `a JoinTokenRequest must be an object with apiVersion, kind, metadata and spec (got ${typeName(obj)})` }],
    };
  }
  const o = obj as Record<string, unknown>;
  const errors: ValidationError[] = [];
  if (o.kind !== JOIN_TOKEN_REQUEST_KIND) errors.push({ path: 'kind', message: `must be ${JOIN_TOKEN_REQUEST_KIND} (got ${show(o.kind)})` });
  if (o.apiVersion !== API_VERSION && o.apiVersion !== API_VERSION_V1BETA1) {
    errors.push({ path: 'apiVersion', message: `must be ${API_VERSION} or ${API_VERSION_V1BETA1} (got ${show(o.apiVersion)})` });
  }
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  if (metadata.generateName === undefined || metadata.name !== undefined) {
    errors.push(...nameErrors(metadata.name, 'metadata.name', 253, DNS1123_SUBDOMAIN_PATTERN, ''));
  }
  const fn = validator('jtr');
  errors.push(...runSchema(fn, { ...o, apiVersion: String(o.apiVersion ?? ''), kind: String(o.kind ?? ''), metadata }, ''));
  const walked: WalkResult = { errors: [], unsupported: [] };
  walk(JoinTokenRequest as unknown as Schema, o, '', walked, new Set(['metadata', 'status']));
  errors.push(...walked.errors);
  const spec = o.spec as { clusterName?: string; clusterRef?: unknown } | undefined;
  if (spec && typeof spec === 'object' && spec.clusterName && spec.clusterRef) {
    errors.push({ path: 'spec.clusterRef', message: 'set only one of clusterName (v1beta2) and clusterRef (v1beta1)' });
  }
  const result = dedupe(errors, []);
  return { ok: result.length === 0, errors: result };
}

/** Errors as lines a person can act on: `  spec.service.type: must be one of …`. */
export function formatValidationErrors(errors: ValidationError[], header?: string): string {
  const lines = errors.map(e => `  ${e.path ? `${e.path}: ` : ''}${e.message}`);
  return header ? [header, ...lines].join('\n') : lines.join('\n');
}
