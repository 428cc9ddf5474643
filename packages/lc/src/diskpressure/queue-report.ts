/** Queuing a worker's report durably before it is acknowledged, with the answer the worker should get otherwise. */
import type { UpstreamMessage } from '@sedna/api';
import type { GmClient } from '../gmclient/index.js';
import { WorkerReportNotStored, WorkerReportRejected } from '../server/index.js';
import { isDiskFull, type DiskPressure } from './disk-pressure.js';

/**
 * Resolves once the report is in the outbox on disk, so that the 200 the worker gets means it will reach the GM.
 * A report the outbox refuses is refused to the worker (422, 413); a full disk answers 507 and the worker retries.
 */
export async function queueWorkerReport(client: GmClient, disk: DiskPressure, message: UpstreamMessage): Promise<void> {
  try {
    await client.sendUpstream(message);
  } catch (error) {
    if (error instanceof TypeError) throw new WorkerReportRejected(422, `the report cannot go to the GM: ${error.message}`);
    if (error instanceof RangeError) throw new WorkerReportRejected(413, error.message);
    if (isDiskFull(error)) {
      disk.writeFailed(error);
      throw new WorkerReportNotStored(507, `the local controller's disk is full; the report was not stored, send it again: ${(error as Error).message}`);
    }
    throw new WorkerReportNotStored(503, `the local controller could not store the report; send it again: ${(error as Error).message}`);
  }
}
