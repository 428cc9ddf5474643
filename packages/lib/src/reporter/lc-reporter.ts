/**
 * The periodic report of inference counters a joint-inference edge worker sends its LC (the original
 * LCReporter thread). Every period with new inferences it sends the cumulative counters as
 * `ownerInfo` = {startTime, updateTime, inferenceNumber, hardExampleNumber, uploadCloudRatio}.
 *
 * The original thread died when the LC was unreachable for about 12 s. This one keeps going: a failed
 * report is retried with backoff (never slower than the period), each attempt built from the counters
 * of that moment, so when the LC returns it gets the latest numbers, not a backlog of stale ones.
 */
import type { Env } from '../common/config.js';
import type { LCClient } from './lc-client.js';
import { formatReportTime, type ModelResult, type WorkerIdentity, type WorkerMessage } from './message.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const DEFAULT_LC_PERIOD_SECONDS = 30;

/** LC_PERIOD in milliseconds: seconds, default 30; anything but a positive number is an error. */
export function lcPeriodMsFromEnv(env: Env = process.env): number {
  const raw = env[WORKER_ENV.LC_PERIOD];
  if (raw === undefined || raw.trim() === '') return DEFAULT_LC_PERIOD_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`LC_PERIOD must be a positive number of seconds; got ${JSON.stringify(raw)}`);
  return seconds * 1000;
}

export interface InferenceCounters {
  inferenceNumber: number;
  hardExampleNumber: number;
}

export interface InferenceOwnerInfo extends InferenceCounters {
  startTime: string;
  updateTime: string;
  uploadCloudRatio: number;
}

export interface LCReporterOptions {
  client: LCClient;
  identity: WorkerIdentity;
  /** Report period (default: LC_PERIOD from process.env, else 30 s). */
  periodMs?: number;
  /** First retry delay after a failed report, doubling up to the period (default min(1 s, period)). */
  retryDelayMs?: number;
  /** Sent with every report; the original sends an empty list. */
  results?: ModelResult[];
  /** Called with each failed report's error (default: a console warning). */
  onError?: (error: unknown) => void;
  /** Called with each message the LC accepted. */
  onReport?: (message: WorkerMessage) => void;
  now?: () => Date;
}

export class LCReporter {
  private readonly periodMs: number;
  private readonly retryDelayMs: number;
  private readonly now: () => Date;
  private inferenceNumber = 0;
  private hardExampleNumber = 0;
  /** Inferences counted since the last accepted report. */
  private unreported = 0;
  private periodStart: Date;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<boolean> | undefined;
  private abort = new AbortController();
  private accepted = 0;

  constructor(private readonly options: LCReporterOptions) {
    this.periodMs = options.periodMs ?? lcPeriodMsFromEnv();
    if (!(this.periodMs > 0)) throw new Error(`report period must be positive; got ${this.periodMs} ms`);
    this.retryDelayMs = Math.min(options.retryDelayMs ?? 1000, this.periodMs);
    this.now = options.now ?? (() => new Date());
    this.periodStart = this.now();
  }

  /** One sample answered on the edge. */
  updateForEdgeInference(): void {
    this.inferenceNumber++;
    this.unreported++;
  }

  /**
   * One sample sent to the cloud (a hard example). As in the original it also counts as an inference;
   * call exactly one of the two update methods per sample (the original's JointInference called both
   * for a hard example and counted it twice).
   */
  updateForCollaborationInference(): void {
    this.inferenceNumber++;
    this.hardExampleNumber++;
    this.unreported++;
  }

  get counters(): InferenceCounters {
    return { inferenceNumber: this.inferenceNumber, hardExampleNumber: this.hardExampleNumber };
  }

  /** Reports the LC accepted so far. */
  get reportsAccepted(): number {
    return this.accepted;
  }

  /** Failed reports since the last accepted one. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.periodStart = this.now();
    this.schedule(this.periodMs);
  }

  /** Stops reporting; a report in flight is abandoned. `flush()` still works afterwards, for a last report. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort(new Error('LC reporter stopped'));
    await this.inFlight;
    this.abort = new AbortController();
  }

  /** Sends the current counters now if any inference is unreported; resolves true when the LC accepted. */
  async flush(): Promise<boolean> {
    await this.inFlight;
    if (this.unreported === 0) return true;
    return this.report();
  }

  /** The message a report sent now would carry. */
  buildMessage(updateTime: Date = this.now()): WorkerMessage {
    const ownerInfo: InferenceOwnerInfo = {
      startTime: formatReportTime(this.periodStart),
      updateTime: formatReportTime(updateTime),
      inferenceNumber: this.inferenceNumber,
      hardExampleNumber: this.hardExampleNumber,
      uploadCloudRatio: this.inferenceNumber === 0 ? 0 : this.hardExampleNumber / this.inferenceNumber,
    };
    // The original's message has no status; an inference service that reports is running.
    return { ...this.options.identity, kind: 'inference', status: 'running', results: this.options.results ?? [], ownerInfo: { ...ownerInfo } };
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.tick(), ms);
    // A reporter alone must not keep a finished worker process alive.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (!this.running) return;
    if (this.unreported === 0) {
      // As the original: a period without inferences sends nothing, and the next period starts now.
      this.periodStart = this.now();
      this.schedule(this.periodMs);
      return;
    }
    const ok = await this.report();
    if (!this.running) return;
    this.schedule(ok ? this.periodMs : Math.min(this.periodMs, this.retryDelayMs * 2 ** (this.failures - 1)));
  }

  private report(): Promise<boolean> {
    const attempt = this.sendOnce();
    this.inFlight = attempt;
    return attempt.finally(() => {
      if (this.inFlight === attempt) this.inFlight = undefined;
    });
  }

  private async sendOnce(): Promise<boolean> {
    const sending = this.unreported;
    const updateTime = this.now();
    const message = this.buildMessage(updateTime);
    try {
      // One attempt per report: the next attempt is rebuilt with fresher counters instead.
      await this.options.client.send(message.name, message, { signal: this.abort.signal, retry: { attempts: 1 } });
    } catch (err) {
      if (this.abort.signal.aborted) return false;
      this.failures++;
      (this.options.onError ?? defaultOnError)(err);
      return false;
    }
    this.unreported -= sending; // inferences counted while the request was out stay unreported
    this.periodStart = updateTime;
    this.failures = 0;
    this.accepted++;
    this.options.onReport?.(message);
    return true;
  }
}

function defaultOnError(error: unknown): void {
  console.warn(`LC report failed, will retry: ${error instanceof Error ? error.message : String(error)}`);
}
