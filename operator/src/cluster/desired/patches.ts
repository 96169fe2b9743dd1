// User `patches`: RFC 6902 JSON patches, RFC 7386 merge patches and Kubernetes strategic merge
// patches on generated objects, matched by kind and `app.kubernetes.io/component`, applied before
// anything is sent to the API server.
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyPatch, type Operation } from 'fast-json-patch';
import * as mergePatch from 'json-merge-patch';
import { parse } from 'yaml';
import { LABEL_COMPONENT, type ComponentPatch } from '@k0smotron/api';
import { SpecError } from './errors';
import { strategicMerge } from './strategic-merge';

function parseContent(content: string, where: string): unknown {
  try {
    return parse(content);
  } catch (err) {
    throw new SpecError('InvalidPatch', `${where}.patch.content is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function matches(obj: KubernetesObject, target: ComponentPatch['target']): boolean {
  if (obj.kind !== target.kind) return false;
  return target.component === undefined || obj.metadata?.labels?.[LABEL_COMPONENT] === target.component;
}

/**
 * Returns patched copies (inputs are not modified). Every problem is a SpecError naming the
 * patch: an unsupported type, content that does not parse, an operation that fails, a patch that
 * matches no generated object, or one that renames or moves its target.
 */
export function applyPatches<T extends KubernetesObject>(objects: T[], patches: ComponentPatch[]): T[] {
  let out = objects;
  patches.forEach((p, i) => {
    const where = `spec.patches[${i}]`;
    if (p.patch.type !== 'json' && p.patch.type !== 'merge' && p.patch.type !== 'strategic') {
      throw new SpecError('UnsupportedPatchType', `${where}.patch.type must be "json", "merge" or "strategic", got ${JSON.stringify(p.patch.type)}`);
    }
    const content = parseContent(p.patch.content, where);
    if (p.patch.type === 'json' && !Array.isArray(content)) {
      throw new SpecError(
        'InvalidPatch',
        `${where}.patch.content must be a JSON patch: a list of operations such as [{"op":"add","path":"/metadata/labels/x","value":"y"}]`,
      );
    }
    if (p.patch.type !== 'json' && (typeof content !== 'object' || content === null || Array.isArray(content))) {
      throw new SpecError('InvalidPatch', `${where}.patch.content must be a ${p.patch.type} merge patch: an object such as {"metadata":{"labels":{"x":"y"}}}`);
    }
    let matched = 0;
    out = out.map(obj => {
      if (!matches(obj, p.target)) return obj;
      matched++;
      let patched: T;
      try {
        patched =
          p.patch.type === 'json'
            ? applyPatch(structuredClone(obj), content as Operation[], true, true).newDocument
            : p.patch.type === 'strategic'
              ? strategicMerge(obj, content, obj.kind ?? '')
              : (mergePatch.apply(structuredClone(obj), content) as T);
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0];
        throw new SpecError('PatchFailed', `${where} (${p.patch.type}) failed on ${obj.kind} ${obj.metadata?.name}: ${msg}`);
      }
      if (patched?.kind !== obj.kind || patched.metadata?.name !== obj.metadata?.name || patched.metadata?.namespace !== obj.metadata?.namespace) {
        throw new SpecError('PatchFailed', `${where} must not change the kind, name or namespace of ${obj.kind} ${obj.metadata?.name}`);
      }
      // The operator lists and watches its children by this label only: a child without it
      // would be invisible to the cache and applied again on every reconcile.
      if (patched.metadata?.labels?.app !== obj.metadata?.labels?.app) {
        throw new SpecError(
          'PatchFailed',
          `${where} must not change or remove the label app=${obj.metadata?.labels?.app} of ${obj.kind} ${obj.metadata?.name}`,
        );
      }
      return patched;
    });
    if (matched === 0) {
      const comp = p.target.component === undefined ? '' : ` with ${LABEL_COMPONENT}=${p.target.component}`;
      const kinds = [...new Set(objects.map(o => `${o.kind}/${o.metadata?.labels?.[LABEL_COMPONENT] ?? '-'}`))].sort().join(', ');
      throw new SpecError('PatchTargetNotFound', `${where} targets ${p.target.kind}${comp}, which this Cluster does not generate (it generates ${kinds})`);
    }
  });
  return out;
}
