/**
 * Events a worker reports about itself (a flow unit that failed on an item, a model it swapped in), carried by its
 * ordinary report: `POST {LC_SERVER}/sedna/workers/{name}/info` with `events: [{type, reason, message, count}]`.
 * The LC sends them up with the job's status message (`content.events`, `content.worker`); here they become
 * Kubernetes Events on the worker's Pod (found by its name or its WORKER_NAME, owned by the job, on the reporting
 * node), or on the job when no such Pod is known. They go through the GM's event recorder, so a failure that repeats
 * is one Event whose count grows (the worker already sums repeats of a period into `count`).
 */
import { isPlainObject, type UpstreamMessage } from '@sedna/api';
import type { ObjectClient } from '../runtime/client.js';
import { eventRecorder, type EventType } from '../runtime/events.js';
import type { KindReader } from '../runtime/cache.js';
import type { ObjectOf, SednaKindName } from '../runtime/kinds.js';
import { WORKER_ENV } from '@sedna/api/contracts';
import { errorMessage } from '@sedna/api/runtime';

export interface WorkerEvent {
  type: EventType;
  reason: string;
  message: string;
  count: number;
}

/** The source component of these Events (as `kubectl describe` shows in its From column). */
export const WORKER_EVENT_COMPONENT = 'sedna-worker';

/** The events of a job status message and the worker that reported them; undefined when it carries none. */
export function workerEventsOf(message: UpstreamMessage): { worker: string; events: WorkerEvent[] } | undefined {
  const { events, worker } = message.content;
  if (events === undefined) return undefined;
  const where = `worker events of ${message.header.resourceKind} ${message.header.namespace}/${message.header.resourceName}`;
  if (typeof worker !== 'string' || worker === '') throw new Error(`${where}: content.worker must name the worker`);
  if (!Array.isArray(events)) throw new Error(`${where}: content.events must be an array`);
  const parsed = events.map((e: unknown, k): WorkerEvent => {
    const { type, reason, message: text, count } = isPlainObject(e) ? e : {};
    if (type !== 'Normal' && type !== 'Warning') throw new Error(`${where}: events[${k}].type must be Normal or Warning`);
    if (typeof reason !== 'string' || reason === '') throw new Error(`${where}: events[${k}].reason must be a non-empty string`);
    if (typeof text !== 'string') throw new Error(`${where}: events[${k}].message must be a string`);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw new Error(`${where}: events[${k}].count must be a positive integer`);
    return { type, reason, message: text, count };
  });
  return { worker, events: parsed };
}

/** True when the message is only the carrier of events (no phase): it has no status for the job's handler. */
export function onlyEvents(message: UpstreamMessage): boolean {
  const { events, phase } = message.content;
  return events !== undefined && (phase === undefined || phase === '');
}

export interface WorkerEventSources {
  client: ObjectClient;
  pods: KindReader<'Pod'>;
  /** Job readers by resourceKind (lower case): the owner check of the Pod, and where events go without one. */
  jobs: Readonly<Record<string, KindReader<SednaKindName>>>;
}

function isWorker(pod: ObjectOf<'Pod'>, worker: string): boolean {
  if (pod.metadata.name === worker) return true;
  return pod.spec.containers[0]?.env?.some((v) => v.name === WORKER_ENV.WORKER_NAME && v.value === worker) ?? false;
}

/**
 * Records the reported events. The object they are about: the worker's Pod on `node` (owned by the job when the
 * job is known), else the job itself; neither known: the events are dropped with a warning (the job is gone).
 */
export async function recordWorkerEvents(sources: WorkerEventSources, node: string, message: UpstreamMessage, warn: (m: string) => void = (m) => console.warn(`[gm] ${m}`)): Promise<void> {
  const reported = workerEventsOf(message);
  if (!reported || reported.events.length === 0) return;
  const { namespace, resourceName, resourceKind } = message.header;
  const job = sources.jobs[resourceKind]?.get(resourceName, namespace);
  const pod = sources.pods
    .list(namespace)
    .find((p) => isWorker(p, reported.worker) && p.spec.nodeName === node && (!job || (p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid)));
  const about = pod ?? job;
  if (!about) {
    warn(`${reported.events.length} event(s) of worker ${namespace}/${reported.worker} dropped: neither its pod nor ${resourceKind} ${namespace}/${resourceName} is known`);
    return;
  }
  const recorder = eventRecorder(sources.client);
  for (const e of reported.events) {
    // On the job, the message says which worker it is about; on the Pod the Pod says it.
    const text = pod ? e.message : `worker ${reported.worker}: ${e.message}`;
    await recorder.record(about, e.type, e.reason, text, WORKER_EVENT_COMPONENT, node, e.count).catch((err: unknown) => warn(`cannot record the event ${e.reason} of worker ${namespace}/${reported.worker}: ${errorMessage(err)}`));
  }
}
