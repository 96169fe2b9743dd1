// Drift detection: does a live object still hold every field the operator sets? Controllers are
// level-based, so a hand edit of an owned field must be undone by the next reconcile, while the
// reconcile of an unchanged object must write nothing. Comparing the applied-hash annotation
// alone sees only changes of the desired object; this module compares the desired object with
// the live (cached) one, field by field, as "desired ⊆ live":
//
// - fields the desired object does not set are ignored (server defaults, other managers' fields,
//   status);
// - what the API server normalises compares equal: an empty map, list or string, `false` or `0`
//   against an absent field (Go's omitempty drops them), a number against the same number as a
//   string (int-or-string ports), and quantities by value under `requests`, `limits` and
//   `sizeLimit` ("0.5" is stored as "500m");
// - lists whose elements carry a merge key (`name`, `uid`, `containerPort`, `port`, `mountPath`,
//   …) are matched by key, and live elements the desired list lacks are ignored: server-side apply
//   would not remove them either (they belong to another manager), so re-applying could not
//   converge; other lists are atomic and must match element by element;
// - ConfigMap and Secret `data`/`binaryData` are usually dropped from the cache to save memory:
//   the informer keeps a hash per key (`dataFingerprint`, a symbol-keyed property that JSON never
//   serialises, so it never leaves the process) and those are compared instead.
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';

/** Symbol-keyed, so `JSON.stringify`, YAML and request bodies never carry it; spreads keep it. */
const FINGERPRINT = Symbol('k0smotron.dataFingerprint');

export type Fingerprint = Record<string, string>;
/** Stored as one string (`data/key=hash` lines), which costs a fraction of an object per key. */
type WithFingerprint = KubernetesObject & { [FINGERPRINT]?: string };

const DATA_FIELDS = ['data', 'binaryData'] as const;

/** The hash recorded per data value (16 hex digits of SHA-256 of its bytes). */
export function hashDataValue(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** The bytes a data value stands for: Secret `data` and any `binaryData` are base64, ConfigMap `data` is text. */
function valueBytes(kind: string | undefined, field: string, value: string): Buffer {
  return kind === 'Secret' || field === 'binaryData' ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
}

/**
 * Records a hash of each `data`/`binaryData` value of a ConfigMap or Secret on the object (not as
 * a field: see the module comment), so the values can be dropped from the cache and drift in them
 * still be seen. Returns the same object when there is nothing to record.
 */
export function withDataFingerprint<T extends KubernetesObject>(obj: T): T {
  if (obj.kind !== 'ConfigMap' && obj.kind !== 'Secret') return obj;
  const lines: string[] = [];
  for (const field of DATA_FIELDS) {
    const values = (obj as unknown as Record<string, unknown>)[field];
    if (!values || typeof values !== 'object') continue;
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
      if (typeof v === 'string') lines.push(`${field}/${k}=${hashDataValue(valueBytes(obj.kind, field, v))}`);
    }
  }
  if (!lines.length) return obj;
  return Object.assign({ ...obj }, { [FINGERPRINT]: lines.join('\n') });
}

/** The recorded hashes of a cached object's data (`data/key` → hash), if the informer recorded them. */
export function dataFingerprint(obj: KubernetesObject | undefined): Readonly<Fingerprint> | undefined {
  const fp = (obj as WithFingerprint | undefined)?.[FINGERPRINT];
  if (fp === undefined) return undefined;
  // Keys cannot hold "=" or a newline (ConfigMap and Secret keys are [-._a-zA-Z0-9]+).
  return Object.fromEntries(fp.split('\n').map(line => [line.slice(0, line.lastIndexOf('=')), line.slice(line.lastIndexOf('=') + 1)]));
}

/**
 * The first field (a path such as `spec.template.spec.containers[name=k0s].image`) where `live`
 * no longer holds what `desired` sets, or undefined when it holds all of it.
 */
export function driftOf(desired: KubernetesObject, live: KubernetesObject): string | undefined {
  const d = desired as unknown as Record<string, unknown>;
  const l = live as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(d)) {
    if (key === 'status' || value === undefined) continue; // children's status is not ours
    if (key === 'stringData' && desired.kind === 'Secret') {
      const asData = Object.fromEntries(
        Object.entries((value ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
      );
      const drift = dataDrift(desired.kind, 'data', asData, l.data, live);
      if (drift) return drift;
      continue;
    }
    if ((DATA_FIELDS as readonly string[]).includes(key) && (desired.kind === 'ConfigMap' || desired.kind === 'Secret')) {
      const drift = dataDrift(desired.kind, key, value, l[key], live);
      if (drift) return drift;
      continue;
    }
    const drift = subsetDrift(value, l[key], key, key);
    if (drift) return drift;
  }
  return undefined;
}

function dataDrift(kind: string, field: string, desired: unknown, live: unknown, liveObj: KubernetesObject): string | undefined {
  if (!desired || typeof desired !== 'object') return undefined;
  const entries = Object.entries(desired as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (live && typeof live === 'object') {
    const l = live as Record<string, unknown>;
    for (const [k, v] of entries) {
      const lv = l[k];
      if (typeof lv !== 'string' || !valueBytes(kind, field, v).equals(valueBytes(kind, field, lv))) return `${field}.${k}`;
    }
    return undefined;
  }
  const fp = dataFingerprint(liveObj);
  if (!fp) {
    // Neither the values nor their hashes: the cache holds an object without this field.
    return entries.length ? `${field}` : undefined;
  }
  for (const [k, v] of entries) {
    if (fp[`${field}/${k}`] !== hashDataValue(valueBytes(kind, field, v))) return `${field}.${k}`;
  }
  return undefined;
}

function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(x => x === undefined);
  return false;
}

const QUANTITY_PARENTS = new Set(['requests', 'limits', 'capacity', 'allocatable', 'hard']);
const QUANTITY_KEYS = new Set(['sizeLimit']);

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity's value ("500m" → 0.5, "1Gi" → 1073741824), or undefined if not one. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? ''];
}

/** Keys that identify list elements, in the order they are tried (Kubernetes' merge keys for the kinds we write). */
const MERGE_KEYS = ['uid', 'name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip'] as const;

function mergeKeyOf(list: unknown[]): string | undefined {
  if (!list.length || !list.every(e => e !== null && typeof e === 'object' && !Array.isArray(e))) return undefined;
  return MERGE_KEYS.find(k => list.every(e => (e as Record<string, unknown>)[k] !== undefined));
}

function scalarEqual(d: unknown, l: unknown, key: string, parentKey: string): boolean {
  if (d === l) return true;
  if (QUANTITY_PARENTS.has(parentKey) || QUANTITY_KEYS.has(key)) {
    const a = quantityValue(d);
    const b = quantityValue(l);
    if (a !== undefined && b !== undefined) return Math.abs(a - b) <= Math.abs(a) * 1e-12;
  }
  // int-or-string: 30443 and "30443" are the same port.
  if ((typeof d === 'number' && typeof l === 'string') || (typeof d === 'string' && typeof l === 'number')) return String(d) === String(l);
  return false;
}

function subsetDrift(d: unknown, l: unknown, path: string, key: string, parentKey = ''): string | undefined {
  if (d === undefined) return undefined;
  if (isEmptyValue(d) && (l === undefined || l === null || isEmptyValue(l))) return undefined;
  if (Array.isArray(d)) {
    if (!Array.isArray(l)) return path;
    const mk = mergeKeyOf(d);
    if (mk && mergeKeyOf(l) === mk) {
      for (const de of d as Array<Record<string, unknown>>) {
        const id = de[mk];
        const le = (l as Array<Record<string, unknown>>).find(x => String(x[mk]) === String(id));
        const p = `${path}[${mk}=${String(id)}]`;
        if (!le) return p;
        const drift = subsetDrift(de, le, p, key, parentKey);
        if (drift) return drift;
      }
      return undefined;
    }
    if (d.length !== l.length) return path;
    for (let i = 0; i < d.length; i++) {
      const drift = subsetDrift(d[i], l[i], `${path}[${i}]`, key, parentKey);
      if (drift) return drift;
    }
    return undefined;
  }
  if (d !== null && typeof d === 'object') {
    if (l === null || typeof l !== 'object' || Array.isArray(l)) return path;
    for (const [k, v] of Object.entries(d as Record<string, unknown>)) {
      const drift = subsetDrift(v, (l as Record<string, unknown>)[k], `${path}.${k}`, k, key);
      if (drift) return drift;
    }
    return undefined;
  }
  return scalarEqual(d, l, key, parentKey) ? undefined : path;
}
