/**
 * Kubernetes Events about objects, so that `kubectl describe` shows what the control plane saw; repeated ones are
 * aggregated as client-go's event correlator does, so a condition that keeps happening is one Event that counts:
 * - the same event again (same object, source, type, reason and message) patches the Event it made before:
 *   `count` + 1, `lastTimestamp`, and `series` ({count, lastObservedTime}, as events.k8s.io/v1 shows it);
 * - more than 10 events of the same object, source, type and reason with different messages within 10 minutes
 *   are combined: the message becomes "(combined from similar events): <latest message>" and counts from there.
 * The correlator's memory is this process's (a restarted GM starts new Events, as a restarted kubelet does).
 */
import type { KubeObject } from '@sedna/api';
import { rfc3339 as now, rfc3339Micro as microTime } from '@sedna/api/runtime';
import { isNotFound, type ObjectClient } from './client.js';

export type EventType = 'Normal' | 'Warning';

/** Distinct messages of one reason within the window before they are combined (client-go: 10 in 10 minutes). */
const SIMILAR_LIMIT = 10;
const SIMILAR_WINDOW_MS = 10 * 60_000;
/** Events remembered for counting (client-go keeps an LRU of 4096). */
const CACHE_SIZE = 4096;
const COMBINED_PREFIX = '(combined from similar events): ';

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

interface Similar {
  messages: Set<string>;
  since: number;
}

/** MicroTime as Kubernetes writes it (exactly six fractional digits: Go clients parse it strictly). */

/** The recorder of one client: correlates what it records. */
export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly similar = new Map<string, Similar>();
  /** Records of one key run one after the other, so that a burst counts instead of creating twins. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly client: ObjectClient) {}

  /** `times`: how often it happened (a reporter that sums the repeats of a period sends them as one). */
  record(about: KubeObject, type: EventType, reason: string, message: string, component = 'sedna-gm', host?: string, times = 1): Promise<void> {
    if (!Number.isInteger(times) || times < 1) return Promise.reject(new RangeError(`event count must be a positive integer, got ${times}`));
    const involved = { apiVersion: about.apiVersion, kind: about.kind, name: about.metadata.name, namespace: about.metadata.namespace, uid: about.metadata.uid };
    const source = `${component}|${host ?? ''}`;
    const objectKey = `${involved.kind}|${involved.namespace ?? ''}|${involved.name}|${involved.uid ?? ''}`;
    const aggregateKey = `${source}|${objectKey}|${type}|${reason}`;
    const combined = this.aggregate(aggregateKey, message);
    // A combined event is one Event for the reason (its message the latest); otherwise one per message.
    const finalMessage = combined ? `${COMBINED_PREFIX}${message}` : message;
    const key = combined ? aggregateKey : `${aggregateKey}|${message}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.write(key, about, involved, type, reason, finalMessage, component, host, times));
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  /** True once the reason repeated with too many different messages: the events are combined. */
  private aggregate(key: string, message: string): boolean {
    const t = Date.now();
    let entry = this.similar.get(key);
    if (!entry || t - entry.since > SIMILAR_WINDOW_MS) {
      entry = { messages: new Set(), since: t };
      this.similar.set(key, entry);
      this.trim(this.similar);
    }
    entry.messages.add(message);
    return entry.messages.size > SIMILAR_LIMIT;
  }

  private async write(key: string, about: KubeObject, involved: Record<string, unknown>, type: EventType, reason: string, message: string, component: string, host: string | undefined, times: number): Promise<void> {
    const t = now();
    const seen = this.seen.get(key);
    if (seen) {
      const count = seen.count + times;
      try {
        await this.client.mergePatch('Event', seen.namespace, seen.name, { message, count, lastTimestamp: t, series: { count, lastObservedTime: microTime() } });
        seen.count = count;
        // Most recently used last, for the LRU trim.
        this.seen.delete(key);
        this.seen.set(key, seen);
        return;
      } catch (err) {
        // The Event expired or was deleted: start a new one.
        if (!isNotFound(err)) throw err;
        this.seen.delete(key);
      }
    }
    const namespace = about.metadata.namespace || 'default';
    const created = await this.client.create('Event', namespace, {
      metadata: { generateName: `${about.metadata.name}.`, namespace },
      involvedObject: involved,
      type,
      reason,
      message,
      source: { component, ...(host ? { host } : {}) },
      firstTimestamp: t,
      lastTimestamp: t,
      count: times,
      reportingComponent: component,
      ...(host ? { reportingInstance: host } : {}),
    });
    this.seen.set(key, { namespace, name: created.metadata.name!, count: times });
    this.trim(this.seen);
  }

  private trim(map: Map<string, unknown>): void {
    while (map.size > CACHE_SIZE) map.delete(map.keys().next().value as string);
  }
}

const recorders = new WeakMap<ObjectClient, EventRecorder>();

/** The recorder of a client (one per client, so every controller of a GM shares the correlation). */
export function eventRecorder(client: ObjectClient): EventRecorder {
  let recorder = recorders.get(client);
  if (!recorder) {
    recorder = new EventRecorder(client);
    recorders.set(client, recorder);
  }
  return recorder;
}

/** Records an Event about `about`, aggregated with the ones recorded before through the same client. */
export async function recordEvent(client: ObjectClient, about: KubeObject, type: EventType, reason: string, message: string, component = 'sedna-gm', host?: string): Promise<void> {
  await eventRecorder(client).record(about, type, reason, message, component, host);
}

/**
 * An Event for a condition a controller just appended (Warning when it is a failure). A failure to record is
 * logged, never a reason to fail the reconcile that made the change.
 */
export async function recordConditionEvent(client: ObjectClient, about: KubeObject, condition: { type: string; reason?: string; message?: string }): Promise<void> {
  const failure = condition.type === 'Failed' || condition.type === 'ReplicaFailure';
  await recordEvent(client, about, failure ? 'Warning' : 'Normal', condition.reason || condition.type, condition.message || condition.type).catch((err: unknown) => {
    console.warn(`[gm] cannot record the event ${condition.reason ?? condition.type} of ${about.metadata.namespace}/${about.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
  });
}
