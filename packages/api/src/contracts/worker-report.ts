/**
 * The worker report: what a worker POSTs to its local controller at `POST {LC_SERVER}/sedna/workers/{name}/info`,
 * the original's `MessageContent`, field for field. One builder (`buildWorkerMessage`, used by the lib's reporters)
 * and one parser (`parseWorkerMessage`, used by the LC's report server; bad reports get a 400 naming the field). What
 * the original Python lib sends differently is adapted first (worker-report-original.ts).
 */

/** The path a worker reports to, relative to LC_SERVER. */
export function workerReportPath(workerName: string): string {
  return `/sedna/workers/${encodeURIComponent(workerName)}/info`;
}

/** The report path pattern the LC serves: the worker name is its one group. */
export const WORKER_REPORT_PATH = /^\/sedna\/workers\/([^/]+)\/info$/;

/** What a worker did (`kind`), as the lib reports it. */
export const WORKER_REPORT_KINDS = ['train', 'eval', 'deploy', 'inference'] as const;
export type WorkerReportKind = (typeof WORKER_REPORT_KINDS)[number];

/** How it went (`status`), as the lib reports it. */
export const WORKER_REPORT_STATUSES = ['completed', 'failed', 'running'] as const;
export type WorkerReportStatus = (typeof WORKER_REPORT_STATUSES)[number];

/** The `ownerKind` values the LC routes on (the original K8sResourceKind). */
export const OWNER_KINDS = [
  'default',
  'jointinferenceservice',
  'incrementallearningjob',
  'lifelonglearningjob',
  'federatedlearningjob',
  'reidjob',
  'videoanalyticsjob',
  'featureextractionservice',
  'objectsearchservice',
  'objecttrackingservice',
] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

export interface WorkerMessage {
  /** WORKER_NAME; must equal the `{name}` of the path. */
  name: string;
  namespace: string;
  /** The job or service the worker belongs to (JOB_NAME). */
  ownerName: string;
  /** Lower-case kind of the owner, e.g. `incrementallearningjob`; selects the manager that takes the report. */
  ownerKind: string;
  /** What the worker did: train, eval, deploy, inference. */
  kind: string;
  /** completed, failed, running... */
  status: string;
  /** Models the worker produced: `[{format, url, metrics}]` as the lib's model_info() writes them. */
  results?: WorkerResult[];
  /** Free-form progress (FL rounds, JI inference counters). */
  ownerInfo?: Record<string, unknown>;
  /**
   * Not in the original: what the worker wants said as Kubernetes Events about it (a flow unit that failed on an
   * item), each repeat of a period summed into `count`. They become Events on the worker's Pod.
   */
  events?: WorkerEvent[];
}

export interface WorkerEvent {
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, as Kubernetes reasons are. */
  reason: string;
  message: string;
  count: number;
}

/** Bounds of one report's events: an Event is a note, not a log. */
export const MAX_WORKER_EVENTS = 100;
const MAX_EVENT_MESSAGE = 1024;
/** A Kubernetes reason: UpperCamelCase. */
export const EVENT_REASON = /^[A-Z][A-Za-z0-9]{0,127}$/;

export interface WorkerResult {
  format?: string;
  url?: string;
  metrics?: Record<string, unknown>;
  [field: string]: unknown;
}

const REQUIRED_STRINGS = ['name', 'namespace', 'ownerName', 'ownerKind', 'kind', 'status'] as const;

export type ParsedWorkerMessage = { ok: true; message: WorkerMessage } | { ok: false; reason: string };

/** Checks a decoded JSON body; the reason names the offending field. Unknown fields are ignored. */
export function parseWorkerMessage(body: unknown, pathName: string): ParsedWorkerMessage {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'body must be a JSON object (MessageContent)' };
  }
  const fields = body as Record<string, unknown>;
  for (const field of REQUIRED_STRINGS) {
    const value = fields[field];
    if (typeof value !== 'string' || value === '') {
      return { ok: false, reason: `field "${field}" is required and must be a non-empty string` };
    }
  }
  if (fields.name !== pathName) {
    return { ok: false, reason: `field "name" (${String(fields.name)}) differs from the worker name in the path (${pathName})` };
  }
  const message: WorkerMessage = {
    name: fields.name as string,
    namespace: fields.namespace as string,
    ownerName: fields.ownerName as string,
    ownerKind: fields.ownerKind as string,
    kind: fields.kind as string,
    status: fields.status as string,
  };
  if (fields.results !== undefined && fields.results !== null) {
    if (!Array.isArray(fields.results) || !fields.results.every(isPlainObject)) {
      return { ok: false, reason: 'field "results" must be an array of objects' };
    }
    message.results = fields.results as WorkerResult[];
  }
  if (fields.ownerInfo !== undefined && fields.ownerInfo !== null) {
    if (!isPlainObject(fields.ownerInfo)) return { ok: false, reason: 'field "ownerInfo" must be an object' };
    message.ownerInfo = fields.ownerInfo;
  }
  if (fields.events !== undefined && fields.events !== null) {
    const events = parseEvents(fields.events);
    if (typeof events === 'string') return { ok: false, reason: events };
    if (events.length > 0) message.events = events;
  }
  return { ok: true, message };
}

/** The events of a report, or the reason they are refused (naming the field). */
function parseEvents(value: unknown): WorkerEvent[] | string {
  if (!Array.isArray(value)) return 'field "events" must be an array of {type, reason, message, count}';
  if (value.length > MAX_WORKER_EVENTS) return `field "events" has ${value.length} events; at most ${MAX_WORKER_EVENTS} per report (sum repeats into count)`;
  const out: WorkerEvent[] = [];
  for (const [k, e] of value.entries()) {
    if (!isPlainObject(e)) return `field "events[${k}]" must be an object`;
    if (e.type !== 'Normal' && e.type !== 'Warning') return `field "events[${k}].type" must be Normal or Warning`;
    if (typeof e.reason !== 'string' || !EVENT_REASON.test(e.reason)) return `field "events[${k}].reason" must be an UpperCamelCase word (letters and digits, at most 128)`;
    if (typeof e.message !== 'string' || e.message.length > MAX_EVENT_MESSAGE) return `field "events[${k}].message" must be a string of at most ${MAX_EVENT_MESSAGE} characters`;
    const count = e.count ?? 1;
    if (!Number.isInteger(count) || (count as number) < 1) return `field "events[${k}].count" must be a positive integer`;
    out.push({ type: e.type, reason: e.reason, message: e.message, count: count as number });
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One model a lib report refers to (the original `model_info`). */
export type ModelResult = { format: string; url: string; metrics?: Record<string, number | number[]> };

/** Who is reporting: the worker and the job or service that owns it. */
export interface WorkerIdentity {
  name: string;
  namespace: string;
  ownerName: string;
  ownerKind: OwnerKind;
}

/** A report as the lib builds it: the wire message with the lib's known kinds and statuses. */
export interface SentWorkerMessage extends WorkerMessage {
  ownerKind: OwnerKind;
  kind: WorkerReportKind;
  status: WorkerReportStatus;
  results?: ModelResult[];
}

/** Builds a report, leaving out `results` and `ownerInfo` when empty, as the original does. */
export function buildWorkerMessage(
  identity: WorkerIdentity,
  report: { kind: WorkerReportKind; status: WorkerReportStatus; results?: ModelResult[]; ownerInfo?: Record<string, unknown>; events?: WorkerEvent[] },
): SentWorkerMessage {
  const message: SentWorkerMessage = { ...identity, kind: report.kind, status: report.status };
  if (report.results && report.results.length > 0) message.results = report.results;
  if (report.ownerInfo && Object.keys(report.ownerInfo).length > 0) message.ownerInfo = report.ownerInfo;
  if (report.events && report.events.length > 0) message.events = report.events;
  return message;
}

/**
 * Checks a report before it is sent: what the LC's parser would refuse (the same parser), and the kinds and
 * statuses the lib knows. Throws naming the first bad field.
 */
export function assertWorkerMessage(message: SentWorkerMessage): void {
  const parsed = parseWorkerMessage(message, message.name);
  if (!parsed.ok) throw new Error(`worker message: ${parsed.reason}`);
  const known: [keyof SentWorkerMessage, readonly string[]][] = [
    ['ownerKind', OWNER_KINDS],
    ['kind', WORKER_REPORT_KINDS],
    ['status', WORKER_REPORT_STATUSES],
  ];
  for (const [field, values] of known) {
    if (!values.includes(message[field] as string)) throw new Error(`worker message field ${field} must be one of ${values.join(', ')}; got ${JSON.stringify(message[field])}`);
  }
}
