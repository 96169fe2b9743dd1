// Keeps BACKSTAGE_API_PERMISSIONS in step with the Backstage plugins' code: every Kubernetes call
// in their sources (K0smotronClient methods, KubeObjects calls, client-node API methods,
// informers) is mapped to the verb and resource it needs, and each must be granted. A call this test cannot map fails it, so
// a new kind of request cannot slip past the RBAC unnoticed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_RESOURCES, type BuiltinKind } from '@k0smotron/api/kube';
import { allows, backstageApiRules } from './install';

const ROOT = join(__dirname, '../../..');
const SOURCES = ['plugins/k0smotron-backend/src', 'plugins/catalog-backend-module-k0smotron/src', 'plugins/scaffolder-backend-module-k0smotron/src'];
// Not Backstage's runtime identity: tests, the local dev backend and the bench run as admin.
const SKIP = /\.(test|itest)\.tsx?$|\/(testing|bench|dev)\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) && !SKIP.test(p) ? [p] : [];
  });
}

interface Need {
  verb: string;
  group: string;
  resource: string;
}

/**
 * K0smotronClient's methods, each with the verb and resource it declares for its error messages
 * (`{ verb: 'get', resource: CLUSTERS, ... }`): the client describes its own requests.
 */
function k0smotronClientMethods(): Map<string, Need> {
  const text = readFileSync(join(ROOT, 'crds/src/client/index.ts'), 'utf8');
  const resources: Record<string, Omit<Need, 'verb'>> = {
    CLUSTERS: { group: 'k0smotron.io', resource: 'clusters' },
    JOIN_TOKEN_REQUESTS: { group: 'k0smotron.io', resource: 'jointokenrequests' },
    "'secrets'": { group: '', resource: 'secrets' },
    "'events'": { group: '', resource: 'events' },
  };
  const methods = new Map<string, Need>();
  const re = /^ {2}(?:async )?([a-zA-Z]+)\([^)]*\)[^{\n]*\{\n(?:(?!^ {2}\S)[\s\S])*?verb: '(\w+)', resource: ([A-Z_]+|'\w+')/gm;
  for (const m of text.matchAll(re)) {
    const res = resources[m[3]!];
    if (!res) throw new Error(`K0smotronClient.${m[1]}: resource ${m[3]} is not mapped in this test`);
    methods.set(m[1]!, { verb: m[2]!, ...res });
  }
  return methods;
}

const CORE_KINDS: Record<string, Omit<Need, 'verb'>> = {
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  Service: { group: '', resource: 'services' },
  ConfigMap: { group: '', resource: 'configmaps' },
  Secret: { group: '', resource: 'secrets' },
  Event: { group: '', resource: 'events' },
};
const VERB_OF: Record<string, string> = { read: 'get', list: 'list', create: 'create', patch: 'patch', replace: 'update', delete: 'delete' };
const KNOWN_API_CLASSES = ['CustomObjectsApi', 'CoreV1Api', 'AppsV1Api'];

/** Every call found, as "file: call → verb group/resource" (or "→ UNMAPPED"). */
function callsOf(file: string, methods: Map<string, Need>): Array<{ where: string; need?: Need }> {
  const text = readFileSync(file, 'utf8');
  const where = (what: string) => `${file.slice(ROOT.length + 1)}: ${what}`;
  const out: Array<{ where: string; need?: Need }> = [];
  for (const m of text.matchAll(/\.([a-zA-Z]+)\(/g)) {
    const name = m[1]!;
    const k = methods.get(name);
    if (k) {
      out.push({ where: where(name), need: k });
      continue;
    }
    const api = /^(read|list|create|patch|replace|delete)(Namespaced|Cluster)?([A-Z]\w*?)(ForAllNamespaces)?$/.exec(name);
    if (!api || !/Namespaced|Cluster|ForAllNamespaces/.test(name)) continue;
    const [, op, , kind] = api;
    if (kind === 'CustomObject') {
      // Only the Clusters cache lists custom objects; anything else must be mapped here first.
      const line = text.slice(m.index, text.indexOf('\n', m.index));
      out.push({
        where: where(name),
        need: /plural: CLUSTER_PLURAL/.test(line) ? { verb: VERB_OF[op!]!, group: 'k0smotron.io', resource: 'clusters' } : undefined,
      });
      continue;
    }
    const res = CORE_KINDS[kind!];
    out.push({ where: where(name), need: res ? { verb: VERB_OF[op!]!, ...res } : undefined });
  }
  for (const m of text.matchAll(/\.(get|list|create)\(\s*'([A-Z]\w*)'/g)) {
    // KubeObjects of @k0smotron/api/kube: `objects.get('Secret', ...)` names the kind it reads.
    const [, verb, kind] = m;
    const r = (BUILTIN_RESOURCES as Partial<Record<string, (typeof BUILTIN_RESOURCES)[BuiltinKind]>>)[kind!];
    const group = r?.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '';
    out.push({ where: where(`${verb} ${kind}`), need: r ? { verb: verb!, group, resource: r.plural } : undefined });
  }
  // KubeObjects.apply takes any object: its kind cannot be read here, so it must be mapped first.
  for (const _apply of text.matchAll(/\.apply\(\s*\{/g)) out.push({ where: where('apply') });
  for (const m of text.matchAll(/makeInformer(?:<[^>]*>)?\(/g)) {
    // client-node's informer: list + watch of a path this scan cannot map; no plugin may use one.
    for (const verb of ['list', 'watch']) out.push({ where: where(`makeInformer (${verb})`) });
    void m;
  }
  for (const m of text.matchAll(/\.addKinds\(\[([^\]]*)\]\)/g)) {
    // The operator's informer cache: list + watch of each kind; the Clusters cache is the only
    // one, registering `CLUSTER_GVK` defined in the same file as the Cluster kind.
    const ok = m[1]!.trim() === 'CLUSTER_GVK' && /const CLUSTER_GVK = \{ apiVersion: `\$\{GROUP\}\/\$\{V1BETA2\}`, kind: CLUSTER_KIND \};/.test(text);
    for (const verb of ['list', 'watch'])
      out.push({ where: where(`informer cache (${verb} ${m[1]!.trim()})`), need: ok ? { verb, group: 'k0smotron.io', resource: 'clusters' } : undefined });
  }
  for (const m of text.matchAll(/makeApiClient\((\w+)\)/g)) {
    if (!KNOWN_API_CLASSES.includes(m[1]!)) out.push({ where: where(`makeApiClient(${m[1]})`) });
  }
  return out;
}

describe("Backstage RBAC covers the Backstage plugins' Kubernetes calls", () => {
  const methods = k0smotronClientMethods();
  const calls = SOURCES.flatMap(dir => sourceFiles(join(ROOT, dir))).flatMap(f => callsOf(f, methods));

  it('reads what each K0smotronClient method requests', () => {
    expect(methods.get('getCluster')).toEqual({ verb: 'get', group: 'k0smotron.io', resource: 'clusters' });
    expect(methods.get('readKubeconfig')).toEqual({ verb: 'get', group: '', resource: 'secrets' });
    expect(methods.size).toBeGreaterThanOrEqual(12);
  });

  it('finds the calls (the scan is not vacuous)', () => {
    const found = [...new Set(calls.map(c => c.where.replace(/^.*: /, '')))];
    const expected = ['createCluster', 'deleteCluster', 'get Secret', 'get StatefulSet', 'list Service', 'listEvents', 'informer cache (watch CLUSTER_GVK)'];
    expect(expected.filter(e => !found.includes(e))).toEqual([]);
  });

  it('every call maps to a verb and resource that k0smotron-backstage grants', () => {
    const unmapped = calls.filter(c => !c.need).map(c => c.where);
    expect(unmapped).toEqual([]);
    const ungranted = calls
      .filter(c => c.need && !allows(backstageApiRules(), c.need.verb, c.need.group, c.need.resource))
      .map(c => `${c.where} → ${c.need!.verb} ${c.need!.group || 'core'}/${c.need!.resource}`);
    expect(ungranted).toEqual([]);
  });
});
