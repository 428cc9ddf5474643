/**
 * Kubernetes Events from a worker, through its ordinary report to the LC (`events` in the report body): a flow unit
 * that failed on an item, a model swapped in. Repeats of one event (same type, reason and message) within a period
 * are summed into one with a `count`, so a unit failing on every frame of a 30 fps stream costs one report per
 * period, not one per frame. The LC forwards them and the GM records them as Events on the worker's Pod
 * (`kubectl describe pod` shows them, with their count).
 *
 * A report the LC did not take keeps its events for the next attempt (counts add up); `stop()` sends what is
 * left, so the last events of a run are not lost when the worker ends.
 */
import type { Env } from '../common/config.js';
import { LCClient } from './lc-client.js';
import { lcPeriodMsFromEnv } from './lc-reporter.js';
import { workerIdentityFromEnv, type OwnerKind, type WorkerEvent, type WorkerIdentity, type WorkerMessage } from './message.js';
import { WORKER_ENV } from '@sedna/api/contracts';

/** Distinct events kept while the LC is unreachable; more are counted as dropped (an Event is a note, not a log). */
const MAX_PENDING = 100;
const MAX_MESSAGE = 1024;

export interface WorkerEventReporterOptions {
  client: LCClient;
  identity: WorkerIdentity;
  /** How often pending events are sent (default LC_PERIOD, at most 10 s: an Event is wanted while it matters). */
  periodMs?: number;
  onError?: (error: unknown) => void;
}

export class WorkerEventReporter {
  private readonly pending = new Map<string, WorkerEvent>();
  private readonly periodMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private dropped = 0;
  private sent = 0;

  constructor(private readonly options: WorkerEventReporterOptions) {
    this.periodMs = options.periodMs ?? Math.min(10_000, lcPeriodMsFromEnv());
    if (!(this.periodMs > 0)) throw new Error(`event report period must be positive; got ${this.periodMs} ms`);
  }

  /** Events the LC accepted so far (each with its count). */
  get eventsSent(): number {
    return this.sent;
  }

  /** One occurrence; sent with the next report. `reason` is UpperCamelCase, as Kubernetes reasons are. */
  record(type: WorkerEvent['type'], reason: string, message: string): void {
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const key = `${type}\u0000${reason}\u0000${text}`;
    const known = this.pending.get(key);
    if (known) known.count++;
    else if (this.pending.size < MAX_PENDING) this.pending.set(key, { type, reason, message: text, count: 1 });
    else this.dropped++;
    this.timer ??= setTimeout(() => void this.send(), this.periodMs);
    // Pending events alone must not keep a finished worker alive: stop() sends them.
    this.timer.unref();
  }

  /** Sends what is pending now; resolves when the LC took it (or the attempt failed: then it stays pending). */
  async flush(): Promise<void> {
    await this.sending;
    await this.send();
  }

  /** The last report: what is pending is sent before the worker ends. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private send(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending) return this.sending;
    if (this.pending.size === 0 && this.dropped === 0) return Promise.resolve();
    const events = [...this.pending.values()];
    if (this.dropped > 0) events.push({ type: 'Warning', reason: 'EventsDropped', message: `${this.dropped} event(s) of other kinds were left out while the local controller was unreachable`, count: 1 });
    this.pending.clear();
    const dropped = this.dropped;
    this.dropped = 0;
    const message: WorkerMessage = { ...this.options.identity, kind: 'inference', status: 'running', events };
    this.sending = this.options.client
      .send(message.name, message, { retry: { attempts: 1 } })
      .then(
        () => {
          this.sent += events.length;
        },
        (error: unknown) => {
          // Back into pending, merged with what came meanwhile; the next period tries again.
          for (const e of events) {
            if (e.reason === 'EventsDropped') continue;
            const key = `${e.type}\u0000${e.reason}\u0000${e.message}`;
            const known = this.pending.get(key);
            if (known) known.count += e.count;
            else if (this.pending.size < MAX_PENDING) this.pending.set(key, e);
            else this.dropped += e.count;
          }
          this.dropped += dropped;
          (this.options.onError ?? ((e) => console.warn(`event report failed, will retry: ${(e as Error).message}`)))(error);
          this.timer ??= setTimeout(() => void this.send(), this.periodMs);
          this.timer.unref();
        },
      )
      .finally(() => {
        this.sending = undefined;
      });
    return this.sending;
  }
}

/**
 * A reporter for this worker when it has an LC to report to (LC_SERVER and JOB_NAME or SERVICE_NAME set). The owner
 * kind defaults to the original's `default`: the LC takes the kind from the worker's Pod.
 */
export function workerEventReporterFromEnv(env: Env = process.env, options: { ownerKind?: OwnerKind; onError?: (error: unknown) => void } = {}): WorkerEventReporter | undefined {
  if (!env[WORKER_ENV.LC_SERVER] || !(env[WORKER_ENV.JOB_NAME] || env[WORKER_ENV.SERVICE_NAME])) return undefined;
  return new WorkerEventReporter({
    client: LCClient.fromEnv(env),
    identity: workerIdentityFromEnv(options.ownerKind ?? 'default', env),
    periodMs: Math.min(10_000, lcPeriodMsFromEnv(env)),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
