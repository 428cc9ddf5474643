/**
 * What a worker tells its local controller: `POST {LC_SERVER}/sedna/workers/{name}/info` with this
 * JSON body (the original `report_task_info` message; sedna-reference §3.3, §4.2).
 */
import type { Env } from '../common/config.js';

export const WORKER_REPORT_KINDS = ['train', 'eval', 'deploy', 'inference'] as const;
export type WorkerReportKind = (typeof WORKER_REPORT_KINDS)[number];

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

/** One model a report refers to (the original `model_info`). */
export interface ModelResult {
  format: string;
  url: string;
  metrics?: Record<string, number | number[]>;
}

/** Who is reporting: the worker and the job or service that owns it. */
export interface WorkerIdentity {
  name: string;
  namespace: string;
  ownerName: string;
  ownerKind: OwnerKind;
}

/**
 * Not in the original: a Kubernetes Event the worker wants recorded about itself (on its Pod), its repeats summed
 * into `count`. A report with events and no results or ownerInfo carries only events.
 */
export interface WorkerEvent {
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, as Kubernetes reasons are. */
  reason: string;
  message: string;
  count: number;
}

export interface WorkerMessage extends WorkerIdentity {
  kind: WorkerReportKind;
  status: WorkerReportStatus;
  results?: ModelResult[];
  ownerInfo?: Record<string, unknown>;
  events?: WorkerEvent[];
}

/** Builds a message, leaving out `results` and `ownerInfo` when empty, as the original does. */
export function buildWorkerMessage(
  identity: WorkerIdentity,
  report: { kind: WorkerReportKind; status: WorkerReportStatus; results?: ModelResult[]; ownerInfo?: Record<string, unknown> },
): WorkerMessage {
  const message: WorkerMessage = { ...identity, kind: report.kind, status: report.status };
  if (report.results && report.results.length > 0) message.results = report.results;
  if (report.ownerInfo && Object.keys(report.ownerInfo).length > 0) message.ownerInfo = report.ownerInfo;
  return message;
}

/** Checks the fields the LC relies on; throws naming the first bad one. */
export function assertWorkerMessage(message: WorkerMessage): void {
  for (const field of ['name', 'namespace', 'ownerName'] as const) {
    if (typeof message[field] !== 'string' || message[field] === '') throw new Error(`worker message field ${field} must be a non-empty string`);
  }
  if (!(OWNER_KINDS as readonly string[]).includes(message.ownerKind)) {
    throw new Error(`worker message field ownerKind must be one of ${OWNER_KINDS.join(', ')}; got ${JSON.stringify(message.ownerKind)}`);
  }
  if (!(WORKER_REPORT_KINDS as readonly string[]).includes(message.kind)) {
    throw new Error(`worker message field kind must be one of ${WORKER_REPORT_KINDS.join(', ')}; got ${JSON.stringify(message.kind)}`);
  }
  if (!(WORKER_REPORT_STATUSES as readonly string[]).includes(message.status)) {
    throw new Error(`worker message field status must be one of ${WORKER_REPORT_STATUSES.join(', ')}; got ${JSON.stringify(message.status)}`);
  }
  for (const [k, e] of (message.events ?? []).entries()) {
    if (e.type !== 'Normal' && e.type !== 'Warning') throw new Error(`worker message field events[${k}].type must be Normal or Warning; got ${JSON.stringify(e.type)}`);
    if (!/^[A-Z][A-Za-z0-9]{0,127}$/.test(e.reason)) throw new Error(`worker message field events[${k}].reason must be an UpperCamelCase word; got ${JSON.stringify(e.reason)}`);
    if (!Number.isInteger(e.count) || e.count < 1) throw new Error(`worker message field events[${k}].count must be a positive integer; got ${e.count}`);
  }
}

/**
 * The identity from the worker environment, as JobBase derives it: the owner is JOB_NAME (or
 * SERVICE_NAME); the worker name and namespace fall back to it.
 */
export function workerIdentityFromEnv(ownerKind: OwnerKind, env: Env = process.env): WorkerIdentity {
  const ownerName = env.JOB_NAME || env.SERVICE_NAME;
  if (!ownerName) throw new Error('JOB_NAME (or SERVICE_NAME) must be set to report to the local controller');
  return { name: env.WORKER_NAME || ownerName, namespace: env.NAMESPACE || ownerName, ownerName, ownerKind };
}

/** Local time as `YYYY-MM-DD HH:MM:SS`, the format the original reports and the LC expects. */
export function formatReportTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
