// Kubernetes Events (core/v1), de-duplicated: an object's reason is recorded again only when its
// message changes, so a level-based reconcile that repeats itself emits nothing new. Messages
// pass the secret redactor; every event is logged as well. Events are writes too: the recorder a
// reconcile gets is `fenced(...)` with its leadership term, so a fenced reconcile records none.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { EventRecorder, EventType, Logger } from './contract';
import type { RequestGuard } from './client';
import { isAborted, type KubeApi } from '@k0smotron/api/kube';
import { redactText } from './redact';

export const REPORTING_CONTROLLER = 'k0smotron';
const MAX_REMEMBERED = 10_000;
const MAX_MESSAGE = 1024;

export class KubeEventRecorder implements EventRecorder {
  private readonly last = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly api: KubeApi,
    private readonly log: Logger,
    private readonly instance: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  event(obj: KubernetesObject, type: EventType, reason: string, message: string): void {
    this.record(obj, type, reason, message, {});
  }

  /** A recorder for one reconcile term: its events are sent with `guard` (see KubeClient.fenced). */
  fenced(guard: RequestGuard): EventRecorder {
    return { event: (obj, type, reason, message) => this.record(obj, type, reason, message, guard) };
  }

  private record(obj: KubernetesObject, type: EventType, reason: string, message: string, guard: RequestGuard): void {
    const meta = obj.metadata ?? {};
    if (guard.signal?.aborted) {
      this.log.debug('event not recorded: the reconcile was aborted', { kind: obj.kind, namespace: meta.namespace, name: meta.name, reason });
      return;
    }
    const text = redactText(message).slice(0, MAX_MESSAGE);
    const id = `${meta.uid ?? `${meta.namespace}/${meta.name}`}|${obj.kind}|${type}|${reason}`;
    if (this.last.get(id) === text) return;
    this.last.delete(id);
    this.last.set(id, text);
    if (this.last.size > MAX_REMEMBERED) this.last.delete(this.last.keys().next().value!);

    const fields = { kind: obj.kind, namespace: meta.namespace, name: meta.name, reason, type };
    if (type === 'Warning') this.log.warn(text, { event: true, ...fields });
    else this.log.info(text, { event: true, ...fields });
    if (this.closed) return;

    const ts = this.now().toISOString();
    const namespace = meta.namespace || 'default';
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${meta.name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message: text,
      source: { component: REPORTING_CONTROLLER },
      reportingComponent: REPORTING_CONTROLLER,
      reportingInstance: this.instance,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    const p = this.api
      .request('create', 'events', 'POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, { ...guard, body })
      .then(
        () => undefined,
        err => {
          // Not sent: forget it, so the next leader term records it again.
          if (isAborted(err) && this.last.get(id) === text) this.last.delete(id);
          this.log.debug('could not record event', { error: err instanceof Error ? err.message : String(err), ...fields });
        },
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Wait for events being sent, then send no more (operator stop). */
  async close(): Promise<void> {
    await Promise.all([...this.pending]);
    this.closed = true;
  }
}
