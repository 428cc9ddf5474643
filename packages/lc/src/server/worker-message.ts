/**
 * The body a worker POSTs to `/sedna/workers/{name}/info`: the original's `MessageContent`, field for field.
 * The lib fills it in JobBase.report_task_info and in the joint-inference LCReporter.
 */
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
}

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
  return { ok: true, message };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
