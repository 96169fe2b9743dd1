// The `Client` contract over KubeApi: server-side apply (field manager `k0smotron`, force) for any
// kind, apply-only-if-changed (a changed desired object, by hash annotation, or a live object that
// lost a field the operator sets: see drift.ts), merge patch, delete, live get. A client made
// `fenced(...)` passes its signal and check to every request, so once a reconcile's leadership
// term is over, each of its reads and writes fails instead of reaching the API server.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApplyOptions, Client, ObjectRef } from './contract';
import { driftOf } from './drift';
import { withAppliedHash, APPLIED_HASH_ANNOTATION } from './hash';
import { isNotFound, type KubeApi, type RequestOptions } from '@k0smotron/api/kube';

/** What every request of a fenced client carries (see `RequestOptions`). */
export type RequestGuard = Pick<RequestOptions, 'signal' | 'beforeSend'>;

export const FIELD_MANAGER = 'k0smotron';

export interface ClientHooks {
  /** An object is applied again because someone changed a field the operator sets (`path`). */
  onDrift?(obj: KubernetesObject, path: string): void;
}

function refOf(obj: KubernetesObject): ObjectRef {
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
    throw new Error('object to apply needs apiVersion, kind and metadata.name: set them on the desired object');
  }
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

export class KubeClient implements Client {
  constructor(
    private readonly api: KubeApi,
    private readonly fieldManager = FIELD_MANAGER,
    private readonly guard: RequestGuard = {},
    private readonly hooks: ClientHooks = {},
  ) {}

  /** The same client whose every request honours `guard` (a reconcile's leadership term). */
  fenced(guard: RequestGuard): KubeClient {
    return new KubeClient(this.api, this.fieldManager, guard, this.hooks);
  }

  async get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    const info = await this.api.resource(ref);
    const path = await this.api.path(ref, ref.namespace, ref.name);
    try {
      return await this.api.request<T>('get', info.plural, 'GET', path, { ...this.guard });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async apply<T extends KubernetesObject>(obj: T, opts: ApplyOptions = {}): Promise<T> {
    const ref = refOf(obj);
    const info = await this.api.resource(ref);
    const path = await this.api.path(ref, ref.namespace, ref.name, opts.subresource);
    const { managedFields: _m, ...metadata } = obj.metadata ?? {};
    return this.api.request<T>('patch', resourceLabel(info.plural, opts.subresource), 'PATCH', path, {
      ...this.guard,
      body: { ...obj, metadata },
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: this.fieldManager, force: true, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  async applyIfChanged<T extends KubernetesObject>(desired: T, cached: KubernetesObject | undefined): Promise<T | undefined> {
    const { obj, hash } = withAppliedHash(desired);
    if (cached?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash) {
      // Same desired object as last time: write only if someone changed what we set. The hash
      // is still needed: a field dropped from the desired object is no drift (desired ⊆ live
      // holds) but must be removed, which the apply of the new desired object does.
      const drift = driftOf(obj, cached);
      if (!drift) return undefined;
      this.hooks.onDrift?.(obj, drift);
    }
    return this.apply(obj);
  }

  async mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object, opts: ApplyOptions = {}): Promise<T> {
    const info = await this.api.resource(ref);
    const path = await this.api.path(ref, ref.namespace, ref.name, opts.subresource);
    return this.api.request<T>('patch', resourceLabel(info.plural, opts.subresource), 'PATCH', path, {
      ...this.guard,
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: this.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  async delete(ref: ObjectRef, opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<void> {
    const info = await this.api.resource(ref);
    const path = await this.api.path(ref, ref.namespace, ref.name);
    try {
      await this.api.request('delete', info.plural, 'DELETE', path, {
        ...this.guard,
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: opts.propagationPolicy ?? 'Background' },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function resourceLabel(plural: string, subresource?: string): string {
  return subresource ? `${plural}/${subresource}` : plural;
}
