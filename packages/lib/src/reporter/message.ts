/**
 * What a worker tells its local controller: `POST {LC_SERVER}/sedna/workers/{name}/info` with the worker report
 * (sedna-reference §3.3, §4.2). The message, its builder and its check are the contract of @sedna/api (the LC parses
 * with the same module); here are what only the lib needs: the identity from the environment and the report time.
 */
import { WORKER_ENV, type OwnerKind, type WorkerIdentity } from '@sedna/api/contracts';
import type { Env } from '../common/config.js';

export {
  WORKER_REPORT_KINDS,
  WORKER_REPORT_STATUSES,
  OWNER_KINDS,
  buildWorkerMessage,
  assertWorkerMessage,
  type WorkerReportKind,
  type WorkerReportStatus,
  type OwnerKind,
  type ModelResult,
  type WorkerIdentity,
  type WorkerEvent,
  type SentWorkerMessage as WorkerMessage,
} from '@sedna/api/contracts';

/**
 * The identity from the worker environment, as JobBase derives it: the owner is JOB_NAME (or
 * SERVICE_NAME); the worker name and namespace fall back to it.
 */
export function workerIdentityFromEnv(ownerKind: OwnerKind, env: Env = process.env): WorkerIdentity {
  const ownerName = env[WORKER_ENV.JOB_NAME] || env[WORKER_ENV.SERVICE_NAME];
  if (!ownerName) throw new Error('JOB_NAME (or SERVICE_NAME) must be set to report to the local controller');
  return { name: env[WORKER_ENV.WORKER_NAME] || ownerName, namespace: env[WORKER_ENV.NAMESPACE] || ownerName, ownerName, ownerKind };
}

/** Local time as `YYYY-MM-DD HH:MM:SS`, the format the original reports and the LC expects. */
export function formatReportTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
