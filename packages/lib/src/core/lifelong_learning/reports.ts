/**
 * What lifelong learning workers tell their local controller, in the original's shapes (sedna-reference §3.2-3.3):
 * `kind` train or eval, `status` completed or failed, and one result, the knowledge base index, carrying what the GM
 * turns into `status.knowledgeBase`: `current_metric` (group to metrics), `classes`,
 * `number_of_labeled_unseen_sample` and `number_of_unseen_sample`.
 */
import type { Env } from '../../common/config.js';
import { LCClient } from '../../reporter/lc-client.js';
import { buildWorkerMessage, workerIdentityFromEnv, type ModelResult, type WorkerIdentity, type WorkerReportKind, type WorkerReportStatus } from '../../reporter/message.js';
import type { KbIndex } from './kb-index.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface LifelongModelResult extends ModelResult {
  /** Per task group: its metrics, `samples` (train samples) among them. */
  current_metric: Record<string, Record<string, number>>;
  classes: string[];
  number_of_model: number;
  number_of_labeled_unseen_sample: number;
  number_of_unseen_sample: number;
}

/** The report result for an index at `url`; `metrics` is the round's overall figure, `groupMetrics` per group. */
export function indexResult(index: KbIndex, url: string, metrics: Record<string, number>, groupMetrics: Record<string, Record<string, number>>): LifelongModelResult {
  return {
    format: 'json',
    url,
    metrics,
    current_metric: groupMetrics,
    classes: [...index.classes],
    number_of_model: index.seen_task.task_groups.length,
    number_of_labeled_unseen_sample: index.statistics.labeled_unseen_samples,
    number_of_unseen_sample: index.statistics.unseen_samples,
  };
}

/** Sends reports; a report that cannot be delivered is logged, not thrown (the original logged and went on). */
export class LifelongReporter {
  constructor(
    private readonly target: { client: LCClient; identity: WorkerIdentity } | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** From LC_SERVER, JOB_NAME, WORKER_NAME, NAMESPACE; no reporter (a log line) when JOB_NAME is unset. */
  static fromEnv(env: Env, log: (line: string) => void): LifelongReporter {
    if (!env[WORKER_ENV.JOB_NAME]) {
      log('JOB_NAME is not set: results are not reported to a local controller');
      return new LifelongReporter(undefined, log);
    }
    return new LifelongReporter({ client: LCClient.fromEnv(env), identity: workerIdentityFromEnv('lifelonglearningjob', env) }, log);
  }

  async report(kind: WorkerReportKind, status: WorkerReportStatus, results: LifelongModelResult[] = []): Promise<void> {
    if (this.target === undefined) return;
    const { client, identity } = this.target;
    try {
      await client.send(identity.name, buildWorkerMessage(identity, { kind, status, results }));
    } catch (error) {
      this.log(`reporting ${kind} ${status} to the local controller failed: ${(error as Error).message}`);
    }
  }
}
