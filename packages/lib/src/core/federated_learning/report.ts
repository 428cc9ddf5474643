/**
 * Progress reports of federated learning workers to their local controller: `kind: train`, `ownerKind:
 * federatedlearningjob` (the original left it "default", so the LC dropped every report), status running after
 * each round and completed (with the aggregated model and its per-round metrics) or failed at the end.
 *
 * Reports never hold up training: they go out in the background, one at a time; a running report still waiting
 * is replaced by a newer one, while completed and failed reports are always sent.
 */
import type { Env } from '../../common/config.js';
import { LCClient } from '../../reporter/lc-client.js';
import {
  buildWorkerMessage,
  formatReportTime,
  workerIdentityFromEnv,
  type ModelResult,
  type WorkerIdentity,
  type WorkerMessage,
  type WorkerReportStatus,
} from '../../reporter/message.js';
import type { LogLine } from './log.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface FederatedReporterOptions {
  client: LCClient;
  identity: WorkerIdentity;
  log: LogLine;
}

export class FederatedReporter {
  readonly startTime: string;
  private readonly queue: WorkerMessage[] = [];
  private draining: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: FederatedReporterOptions) {
    this.startTime = formatReportTime(new Date());
  }

  /**
   * From the worker environment; undefined when LC_SERVER is unset (a worker run by hand, with no local
   * controller to report to; the original would retry a default address on every round).
   */
  static fromEnv(env: Env, log: LogLine): FederatedReporter | undefined {
    if (env[WORKER_ENV.LC_SERVER] === undefined || env[WORKER_ENV.LC_SERVER] === '') return undefined;
    return new FederatedReporter({ client: LCClient.fromEnv(env), identity: workerIdentityFromEnv('federatedlearningjob', env), log });
  }

  /** Queues a report; `ownerInfo` gets startTime and updateTime. */
  report(status: WorkerReportStatus, ownerInfo: Record<string, unknown>, results?: ModelResult[]): void {
    const info = { ...ownerInfo, startTime: this.startTime, updateTime: formatReportTime(new Date()) };
    const message = buildWorkerMessage(this.options.identity, { kind: 'train', status, ownerInfo: info, ...(results === undefined ? {} : { results }) });
    const last = this.queue.at(-1);
    if (last !== undefined && last.status === 'running' && status === 'running') this.queue[this.queue.length - 1] = message;
    else this.queue.push(message);
    this.draining ??= this.drain();
  }

  /** Resolves when every queued report was sent (or given up on). */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    for (let message = this.queue.shift(); message !== undefined; message = this.queue.shift()) {
      try {
        await this.options.client.send(this.options.identity.name, message);
        this.failures = 0;
      } catch (error) {
        this.failures++;
        // One line per outage rather than per report.
        if (this.failures === 1 || message.status !== 'running') this.options.log(`report (${message.status}) to the local controller failed: ${(error as Error).message}`);
      }
    }
    this.draining = undefined;
  }
}
