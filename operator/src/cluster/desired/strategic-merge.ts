// Kubernetes strategic merge patch for the kinds a Cluster generates (StatefulSet, Service,
// ConfigMap), as kubectl and the API server apply it: maps merge key by key (null deletes a key),
// lists of objects that Kubernetes declares with a patch merge key (containers by name, volume
// mounts by mountPath, ports by containerPort…) merge element by element, every other list is
// replaced, and the directives `$patch: replace|delete|merge`, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` work as documented. The merge
// keys are those of the Kubernetes API types (`patchMergeKey` / `patchStrategy` struct tags) for the
// fields reachable from these kinds; a field not listed here is replaced, as for any atomic list.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

/** How a field's value merges: a nested type, a list merged by a key, or a primitive list merged as a set. */
type FieldRule = { type: string } | { list: 'merge'; key: string; item?: string } | { list: 'set' };

const ref = (type: string): FieldRule => ({ type });
const byKey = (key: string, item?: string): FieldRule => ({ list: 'merge', key, item });

/** Field rules per API type, from the Kubernetes API's patch tags. */
const TYPES: Record<string, Record<string, FieldRule>> = {
  StatefulSet: { metadata: ref('ObjectMeta'), spec: ref('StatefulSetSpec') },
  StatefulSetSpec: { template: ref('PodTemplateSpec'), volumeClaimTemplates: { list: 'merge', key: 'metadata.name', item: 'PersistentVolumeClaim' } },
  PersistentVolumeClaim: { metadata: ref('ObjectMeta') },
  Service: { metadata: ref('ObjectMeta'), spec: ref('ServiceSpec') },
  ServiceSpec: { ports: byKey('port') },
  ConfigMap: { metadata: ref('ObjectMeta') },
  ObjectMeta: { finalizers: { list: 'set' }, ownerReferences: byKey('uid') },
  PodTemplateSpec: { metadata: ref('ObjectMeta'), spec: ref('PodSpec') },
  PodSpec: {
    containers: byKey('name', 'Container'),
    initContainers: byKey('name', 'Container'),
    ephemeralContainers: byKey('name', 'Container'),
    volumes: byKey('name'),
    imagePullSecrets: byKey('name'),
    hostAliases: byKey('ip'),
    topologySpreadConstraints: byKey('topologyKey'),
    securityContext: ref('PodSecurityContext'),
  },
  PodSecurityContext: {},
  Container: { ports: byKey('containerPort'), env: byKey('name'), volumeMounts: byKey('mountPath'), volumeDevices: byKey('devicePath') },
};

export class StrategicMergeError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyOf(item: Json, key: string): Json | undefined {
  let v: Json | undefined = item;
  for (const part of key.split('.')) v = isObj(v) ? v[part] : undefined;
  return v;
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM = '$deleteFromPrimitiveList/';
const ELEMENT_ORDER = '$setElementOrder/';

/**
 * `patch` applied to `original` (neither is modified). `kind` selects the merge keys; an unknown
 * kind merges maps and replaces every list. Throws StrategicMergeError for a malformed directive.
 */
export function strategicMerge<T>(original: T, patch: unknown, kind: string): T {
  if (!isObj(patch)) throw new StrategicMergeError('a strategic merge patch must be an object');
  const result = mergeMap(structuredClone(original) as unknown as Obj, patch, kind, '');
  return (result ?? {}) as unknown as T;
}

function mergeMap(original: Obj | undefined, patch: Obj, type: string | undefined, path: string): Obj | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive !== undefined && directive !== 'merge') {
    throw new StrategicMergeError(`${path || '(root)'}: unknown $patch directive ${JSON.stringify(directive)} (use replace, delete or merge)`);
  }
  const out: Obj = { ...(original ?? {}) };
  const rules = type ? (TYPES[type] ?? {}) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(ELEMENT_ORDER)) continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw new StrategicMergeError(`${path}${key}: must be a list of values to delete`);
      const current = out[field];
      if (Array.isArray(current)) out[field] = current.filter(v => !value.some(d => JSON.stringify(d) === JSON.stringify(v)));
      continue;
    }
    const at = `${path}${path ? '.' : ''}${key}`;
    if (value === null) {
      delete out[key];
      continue;
    }
    const rule = rules[key];
    if (Array.isArray(value)) {
      const merged = mergeList(out[key], value, rule, at);
      out[key] = merged;
      continue;
    }
    if (isObj(value)) {
      const nested = mergeMap(isObj(out[key]) ? (out[key] as Obj) : undefined, value, rule && 'type' in rule ? rule.type : undefined, at);
      if (nested === undefined) delete out[key];
      else out[key] = nested;
      continue;
    }
    out[key] = value;
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || retain.some(k => typeof k !== 'string')) throw new StrategicMergeError(`${path}$retainKeys: must be a list of field names`);
    for (const k of Object.keys(out)) if (!(retain as string[]).includes(k)) delete out[k];
  }
  for (const [key, order] of Object.entries(patch)) {
    if (key.startsWith(ELEMENT_ORDER) && Array.isArray(order)) reorder(out, key.slice(ELEMENT_ORDER.length), order, rules);
  }
  return out;
}

function mergeList(original: Json | undefined, patch: Json[], rule: FieldRule | undefined, path: string): Json[] {
  const current = Array.isArray(original) ? original : [];
  if (rule && 'list' in rule && rule.list === 'set') {
    const out = [...current];
    for (const v of patch) if (!out.some(o => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
    return out;
  }
  if (!rule || !('list' in rule) || rule.list !== 'merge') return patch.map(v => (isObj(v) ? stripDirectives(v) : v));
  // `- $patch: replace` as an element: the list becomes the other elements.
  if (patch.some(v => isObj(v) && v[DIRECTIVE] === 'replace' && Object.keys(v).length === 1)) {
    return patch.filter(v => !(isObj(v) && v[DIRECTIVE] === 'replace')).map(v => (isObj(v) ? stripDirectives(v) : v));
  }
  const out = [...current];
  for (const element of patch) {
    if (!isObj(element)) throw new StrategicMergeError(`${path}: elements must be objects with ${rule.key}`);
    const key = keyOf(element, rule.key);
    if (key === undefined) throw new StrategicMergeError(`${path}: every element needs its merge key ${rule.key}`);
    const i = out.findIndex(o => JSON.stringify(keyOf(o, rule.key)) === JSON.stringify(key));
    if (element[DIRECTIVE] === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) {
      const merged = mergeMap(isObj(out[i]) ? (out[i] as Obj) : undefined, element, rule.item, `${path}[${rule.key}=${JSON.stringify(key)}]`);
      if (merged === undefined) out.splice(i, 1);
      else out[i] = merged;
    } else {
      out.push(stripDirectives(element));
    }
  }
  return out;
}

function reorder(out: Obj, field: string, order: Json[], rules: Record<string, FieldRule>): void {
  const list = out[field];
  const rule = rules[field];
  if (!Array.isArray(list) || !rule || !('list' in rule) || rule.list !== 'merge') return;
  const keyed = (v: Json) => JSON.stringify(keyOf(v, rule.key));
  const rank = new Map(order.map((o, i) => [keyed(o), i]));
  out[field] = [...list].sort((a, b) => (rank.get(keyed(a)) ?? order.length) - (rank.get(keyed(b)) ?? order.length));
}

function stripDirectives(v: Obj): Obj {
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(ELEMENT_ORDER) || k.startsWith(DELETE_FROM)) continue;
    out[k] = isObj(val) ? stripDirectives(val) : val;
  }
  return out;
}
