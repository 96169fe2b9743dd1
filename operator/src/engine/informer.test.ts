import type { KubernetesObject } from '@kubernetes/client-node';
import { FakeClock } from './clock';
import { dataFingerprint } from './drift';
import { Informer, type InformerEvent, type ListResult, type ListWatcher, slimObject } from './informer';
import { ApiError } from '@k0smotron/api/kube';

type Ev = [InformerEvent, string];
const cm = (name: string, rv: string, extra: Partial<KubernetesObject> = {}): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...extra,
});

/** A scripted API: each list/watch call takes the next step; unscripted watches hang until abort. */
class ScriptedListWatcher implements ListWatcher {
  lists: Array<() => ListResult> = [];
  watches: Array<(emit: (t: string, o: Record<string, unknown>) => void) => void> = [];
  watchCalls: string[] = [];
  async list(): Promise<ListResult> {
    const step = this.lists.shift();
    if (!step) throw new Error('no more lists scripted');
    return step();
  }
  async watch(opts: { resourceVersion: string; signal: AbortSignal }, onEvent: (t: string, o: Record<string, unknown>) => void) {
    this.watchCalls.push(opts.resourceVersion);
    const step = this.watches.shift();
    if (step) return step(onEvent);
    await new Promise<void>(resolve => opts.signal.addEventListener('abort', () => resolve()));
  }
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise(r => setImmediate(r));
}

describe('Informer', () => {
  it('lists, then applies watch events to its store and emits add/update/delete', async () => {
    const lw = new ScriptedListWatcher();
    lw.lists.push(() => ({ items: [cm('a', '1')], resourceVersion: '10' }));
    lw.watches.push(emit => {
      emit('ADDED', cm('b', '11') as unknown as Record<string, unknown>);
      emit('MODIFIED', cm('a', '12') as unknown as Record<string, unknown>);
      emit('DELETED', cm('b', '13') as unknown as Record<string, unknown>);
      throw new ApiError('cut', 0, 'Unreachable');
    });
    const events: Ev[] = [];
    const clock = new FakeClock();
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      listWatcher: lw,
      clock,
      onEvent: (e, o) => events.push([e, o.metadata!.name!]),
    });
    inf.start();
    await inf.waitForSync();
    await settle();
    expect(events).toEqual([
      ['add', 'a'],
      ['add', 'b'],
      ['update', 'a'],
      ['delete', 'b'],
    ]);
    expect(inf.get('ns/a')?.metadata?.resourceVersion).toBe('12');
    expect(inf.size()).toBe(1);
    expect(inf.restarts).toBe(1);
    await inf.stop();
  });

  it('restarts after an error with backoff and relists, emitting only the differences', async () => {
    const lw = new ScriptedListWatcher();
    lw.lists.push(() => ({ items: [cm('a', '1'), cm('b', '1')], resourceVersion: '5' }));
    lw.lists.push(() => {
      throw new ApiError('boom', 500, 'ServerError');
    });
    lw.lists.push(() => ({ items: [cm('a', '1'), cm('c', '7')], resourceVersion: '9' }));
    lw.watches.push(() => {
      throw new ApiError('connection reset', 0, 'Unreachable');
    });
    const events: Ev[] = [];
    const clock = new FakeClock();
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      listWatcher: lw,
      clock,
      backoff: { baseMs: 100, maxMs: 1000 },
      onEvent: (e, o) => events.push([e, o.metadata!.name!]),
    });
    inf.start();
    await settle();
    expect(inf.lists).toBe(1);
    clock.advance(99);
    await settle();
    expect(inf.lists).toBe(1); // still backing off
    clock.advance(1);
    await settle();
    expect(inf.lists).toBe(2); // failed list → next delay 200
    clock.advance(200);
    await settle();
    expect(inf.lists).toBe(3);
    expect(events).toEqual([
      ['add', 'a'],
      ['add', 'b'],
      ['delete', 'b'],
      ['add', 'c'],
    ]);
    expect(lw.watchCalls).toEqual(['5', '9']);
    await inf.stop();
  });

  it('reports recovery once, at the first successful list after failures, and not at the first list', async () => {
    const lw = new ScriptedListWatcher();
    lw.lists.push(() => ({ items: [], resourceVersion: '1' }));
    lw.lists.push(() => {
      throw new ApiError('connection refused', 0, 'Unreachable');
    });
    lw.lists.push(() => {
      throw new ApiError('starting', 503, 'ServerError');
    });
    lw.lists.push(() => ({ items: [], resourceVersion: '9' }));
    lw.watches.push(() => {
      throw new ApiError('connection reset', 0, 'Unreachable');
    });
    const clock = new FakeClock();
    let recovered = 0;
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      listWatcher: lw,
      clock,
      backoff: { baseMs: 100, maxMs: 1000 },
      onEvent: () => {},
      onRecovered: () => recovered++,
    });
    inf.start();
    await settle();
    expect([inf.lists, recovered]).toEqual([1, 0]);
    for (const ms of [100, 200]) {
      clock.advance(ms);
      await settle();
      expect(recovered).toBe(0); // still failing
    }
    clock.advance(400);
    await settle();
    expect([inf.lists, recovered]).toEqual([4, 1]);
    await inf.stop();
    expect(recovered).toBe(1);
  });

  it('relists at once on 410 Gone and resumes from bookmarks', async () => {
    const lw = new ScriptedListWatcher();
    lw.lists.push(() => ({ items: [], resourceVersion: '1' }));
    lw.lists.push(() => ({ items: [], resourceVersion: '50' }));
    lw.watches.push(emit => {
      emit('BOOKMARK', { metadata: { resourceVersion: '20' } });
      emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    });
    const clock = new FakeClock();
    const inf = new Informer({ name: 't', apiVersion: 'v1', kind: 'ConfigMap', listWatcher: lw, clock, onEvent: () => {} });
    inf.start();
    await settle();
    expect(inf.lists).toBe(2);
    expect(inf.restarts).toBe(0);
    expect(lw.watchCalls).toEqual(['1', '50']);
    await inf.stop();
  });

  it('a watch ended normally after a while resumes from the last resourceVersion without relisting', async () => {
    const lw = new ScriptedListWatcher();
    const clock = new FakeClock();
    lw.lists.push(() => ({ items: [], resourceVersion: '3' }));
    lw.watches.push(emit => {
      emit('ADDED', cm('x', '4') as unknown as Record<string, unknown>);
      clock.advance(60_000); // the server's timeoutSeconds ran out
    });
    const inf = new Informer({ name: 't', apiVersion: 'v1', kind: 'ConfigMap', listWatcher: lw, clock, onEvent: () => {} });
    inf.start();
    await settle();
    expect(inf.lists).toBe(1);
    expect(lw.watchCalls).toEqual(['3', '4']);
    await inf.stop();
  });

  it('stores slim objects: no managedFields, no last-applied annotation, transform applied, kind set', async () => {
    const lw = new ScriptedListWatcher();
    const fat = {
      metadata: {
        name: 's',
        namespace: 'ns',
        resourceVersion: '1',
        managedFields: [{ manager: 'x' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}', keep: 'y' },
      },
      data: { secret: 'c2VjcmV0' },
    } as KubernetesObject;
    lw.lists.push(() => ({ items: [fat], resourceVersion: '1' }));
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'Secret',
      listWatcher: lw,
      clock: new FakeClock(),
      onEvent: () => {},
      transform: o => {
        const { data: _d, ...rest } = o as KubernetesObject & { data?: unknown };
        return rest;
      },
    });
    inf.start();
    await inf.waitForSync();
    // What would ever be serialised: no data; the hash of each value is kept beside it for drift checks.
    expect(JSON.parse(JSON.stringify(inf.get('ns/s')))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns', resourceVersion: '1', annotations: { keep: 'y' } },
    });
    expect(Object.keys(dataFingerprint(inf.get('ns/s')) ?? {})).toEqual(['data/secret']);
    expect(slimObject(cm('plain', '1'))).toEqual(cm('plain', '1'));
    await inf.stop();
  });

  it('reports each failure with its retry delay and as lastError until a list succeeds, keeping the store meanwhile', async () => {
    const lw = new ScriptedListWatcher();
    lw.lists.push(() => {
      throw new ApiError('connection refused', 0, 'Unreachable');
    });
    lw.lists.push(() => ({ items: [cm('a', '1')], resourceVersion: '5' }));
    lw.lists.push(() => {
      throw new ApiError('forbidden', 403, 'Forbidden');
    });
    lw.lists.push(() => ({ items: [cm('a', '2')], resourceVersion: '9' }));
    lw.watches.push(() => {
      throw new ApiError('connection reset', 0, 'Unreachable');
    });
    const clock = new FakeClock();
    const seen: string[] = [];
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      listWatcher: lw,
      clock,
      backoff: { baseMs: 100, maxMs: 1000 },
      onEvent: () => {},
      onListed: () => seen.push('listed'),
      onError: (err, retryInMs) => seen.push(`${(err as Error).message} ${retryInMs}`),
    });
    expect([inf.hasSynced(), inf.inSync(), inf.lastError()]).toEqual([false, false, undefined]);
    inf.start();
    await settle();
    expect(seen).toEqual(['connection refused 100']);
    expect((inf.lastError() as ApiError).status).toBe(0);
    expect([inf.hasSynced(), inf.inSync()]).toEqual([false, false]);
    clock.advance(100);
    await settle();
    // Listed, then the watch broke: synced once, no longer in sync, the listed object still served.
    expect(seen).toEqual(['connection refused 100', 'listed', 'connection reset 200']);
    expect([inf.hasSynced(), inf.inSync(), (inf.lastError() as Error).message]).toEqual([true, false, 'connection reset']);
    expect(inf.get('ns/a')?.metadata?.resourceVersion).toBe('1');
    clock.advance(200);
    await settle();
    expect(seen.slice(3)).toEqual(['forbidden 400']);
    expect((inf.lastError() as ApiError).status).toBe(403);
    clock.advance(400);
    await settle();
    expect(seen.slice(4)).toEqual(['listed']);
    expect([inf.inSync(), inf.lastError()]).toEqual([true, undefined]);
    expect(inf.get('ns/a')?.metadata?.resourceVersion).toBe('2');
    await inf.stop();
  });

  it('a listed or error hook that throws is logged and the informer carries on', async () => {
    const lw = new ScriptedListWatcher();
    lw.lists.push(() => {
      throw new ApiError('down', 0, 'Unreachable');
    });
    lw.lists.push(() => ({ items: [cm('a', '1')], resourceVersion: '5' }));
    const clock = new FakeClock();
    const errors: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => errors.push(m), child: () => log };
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      listWatcher: lw,
      clock,
      log,
      backoff: { baseMs: 100, maxMs: 1000 },
      onEvent: () => {},
      onListed: () => {
        throw new Error('listed hook');
      },
      onError: () => {
        throw new Error('error hook');
      },
    });
    inf.start();
    await settle();
    clock.advance(100);
    await settle();
    expect(errors).toEqual(['error handler failed', 'listed handler failed']);
    expect(inf.inSync()).toBe(true);
    expect(inf.size()).toBe(1);
    await inf.stop();
  });

  it('never stores nor reports objects keep refuses; one that stops passing is reported deleted', async () => {
    const lw = new ScriptedListWatcher();
    const other = (name: string, rv: string) => ({ ...cm(name, rv), metadata: { name, namespace: 'hidden', resourceVersion: rv } });
    lw.lists.push(() => ({ items: [cm('a', '1'), other('h', '1')], resourceVersion: '10' }));
    lw.watches.push(emit => {
      emit('ADDED', other('h2', '11') as unknown as Record<string, unknown>);
      emit('MODIFIED', other('h', '12') as unknown as Record<string, unknown>);
      emit('DELETED', other('h', '13') as unknown as Record<string, unknown>);
      emit(
        'MODIFIED',
        cm('a', '14', { metadata: { name: 'a', namespace: 'ns', resourceVersion: '14', labels: { hide: 'yes' } } }) as unknown as Record<string, unknown>,
      );
      emit('ADDED', cm('b', '15') as unknown as Record<string, unknown>);
      emit('ADDED', other('h3', '16') as unknown as Record<string, unknown>);
      clock.advance(60_000); // the server's timeoutSeconds ran out
    });
    const clock = new FakeClock();
    const events: Ev[] = [];
    const inf = new Informer({
      name: 't',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      listWatcher: lw,
      clock,
      keep: o => o.metadata?.namespace !== 'hidden' && o.metadata?.labels?.hide !== 'yes',
      onEvent: (e, o) => events.push([e, o.metadata!.name!]),
    });
    inf.start();
    await inf.waitForSync();
    await settle();
    expect(events).toEqual([
      ['add', 'a'],
      ['delete', 'a'],
      ['add', 'b'],
    ]);
    expect([...inf.values()].map(o => o.metadata?.name)).toEqual(['b']);
    // The hidden objects' events still moved the resourceVersion the next watch resumes from.
    expect(lw.watchCalls).toEqual(['10', '16']);
    await inf.stop();
  });
});
