/**
 * Gathers concurrent inference requests into one estimator call. Edge workers send hard examples one at a
 * time; a big model answers a batch of 32 in little more time than one, so requests that arrive within
 * `windowMs` of the first waiting one (or while a batch is running) go through the estimator together, up to
 * `maxBatchSize` samples, and each caller gets its own rows back.
 *
 * The window is only waited while `expectingMore()` says other requests are on their way (the service counts
 * the requests whose bodies are still arriving): a lone request from a single edge worker then runs at once
 * instead of paying the window on every hard example.
 *
 * One batch runs at a time: the estimator is not assumed reentrant, and on a small machine running batches
 * back to back is what gives the throughput. Requests whose samples have different shapes are never mixed.
 */
import type { Tensor } from '../estimator.js';

export interface MicroBatcherOptions {
  /** Runs one batch [n, ...sample] and returns its outputs [n, ...]. */
  run: (batch: Tensor) => Promise<Tensor>;
  /** Most samples per estimator call (default 64). A single larger request still runs, alone. */
  maxBatchSize?: number;
  /** How long the first waiting request waits for company (default 2 ms; 0 = the same event-loop turn). */
  windowMs?: number;
  /** Most samples waiting; beyond it submit() rejects with QueueFullError (default 16 × maxBatchSize). */
  maxQueuedSamples?: number;
  /** Whether more requests are on their way, worth waiting the window for (default: always). */
  expectingMore?: () => boolean;
}

export interface MicroBatcherStats {
  requests: number;
  samples: number;
  batches: number;
  /** The most samples run in one estimator call. */
  largestBatch: number;
  /** Requests waiting now (not counting the running batch). */
  queuedRequests: number;
  queuedSamples: number;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class BatcherClosedError extends Error {
  override name = 'BatcherClosedError';
}

interface Pending {
  readonly input: Tensor;
  readonly samples: number;
  readonly sampleKey: string;
  resolve(output: Tensor): void;
  reject(error: unknown): void;
}

export const DEFAULT_MAX_BATCH_SIZE = 64;
export const DEFAULT_BATCH_WINDOW_MS = 2;

export class MicroBatcher {
  readonly maxBatchSize: number;
  readonly windowMs: number;
  readonly maxQueuedSamples: number;
  private readonly queue: Pending[] = [];
  private queuedSamples = 0;
  /** The wait for company of the first queued request, when one is on. */
  private wait: { cancel(): void } | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private counters = { requests: 0, samples: 0, batches: 0, largestBatch: 0 };

  constructor(private readonly options: MicroBatcherOptions) {
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) throw new RangeError(`maxBatchSize must be a positive integer, got ${this.maxBatchSize}`);
    this.windowMs = options.windowMs ?? DEFAULT_BATCH_WINDOW_MS;
    if (!(this.windowMs >= 0) || !Number.isFinite(this.windowMs)) throw new RangeError(`windowMs must be a non-negative number, got ${this.windowMs}`);
    this.maxQueuedSamples = options.maxQueuedSamples ?? 16 * this.maxBatchSize;
    if (!Number.isInteger(this.maxQueuedSamples) || this.maxQueuedSamples < 1) throw new RangeError(`maxQueuedSamples must be a positive integer, got ${this.maxQueuedSamples}`);
  }

  get stats(): MicroBatcherStats {
    return { ...this.counters, queuedRequests: this.queue.length, queuedSamples: this.queuedSamples };
  }

  /** Runs `input` ([n, ...sample], n ≥ 1) in some batch; resolves with its n output rows. */
  submit(input: Tensor): Promise<Tensor> {
    if (this.closed) return Promise.reject(new BatcherClosedError('the service is stopping'));
    const samples = input.shape[0];
    if (samples === undefined || samples < 1) return Promise.reject(new RangeError('a request needs at least one sample'));
    if (this.queuedSamples > 0 && this.queuedSamples + samples > this.maxQueuedSamples) {
      return Promise.reject(new QueueFullError(`${this.queuedSamples} samples are already waiting (limit ${this.maxQueuedSamples})`));
    }
    return new Promise<Tensor>((resolve, reject) => {
      this.queue.push({ input, samples, sampleKey: input.shape.slice(1).join('x'), resolve, reject });
      this.queuedSamples += samples;
      this.counters.requests++;
      this.schedule();
    });
  }

  /** Refuses new requests, lets the running batch finish and fails the waiting ones. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelWait();
    for (const pending of this.queue.splice(0)) pending.reject(new BatcherClosedError('the service stopped before this request ran'));
    this.queuedSamples = 0;
    await this.running;
  }

  /** Looks again at whether to wait: call it when a request that was on its way will not come after all. */
  nudge(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.running !== undefined || this.queue.length === 0) return; // the running batch reschedules when done
    const waitForMore = this.queuedSamples < this.maxBatchSize && (this.options.expectingMore?.() ?? true);
    if (!waitForMore) {
      this.cancelWait();
      this.start();
      return;
    }
    if (this.wait !== undefined) return;
    const fire = (): void => {
      this.wait = undefined;
      this.start();
    };
    // setTimeout(0) would wait a whole millisecond; a zero window means "this turn of the event loop".
    if (this.windowMs === 0) {
      const immediate = setImmediate(fire);
      this.wait = { cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(fire, this.windowMs);
      this.wait = { cancel: () => clearTimeout(timer) };
    }
  }

  private cancelWait(): void {
    this.wait?.cancel();
    this.wait = undefined;
  }

  private start(): void {
    if (this.running !== undefined || this.queue.length === 0) return;
    const batch = this.takeBatch();
    this.running = this.runBatch(batch).finally(() => {
      this.running = undefined;
      // Requests that arrived during the batch have waited long enough: run them now.
      if (this.queue.length > 0 && !this.closed) setImmediate(() => this.start());
    });
  }

  /** The oldest request, then the next ones of the same sample shape that fit, in arrival order. */
  private takeBatch(): Pending[] {
    const first = this.queue[0] as Pending;
    const taken: Pending[] = [];
    let samples = 0;
    for (let i = 0; i < this.queue.length; ) {
      const pending = this.queue[i] as Pending;
      const fits = taken.length === 0 || (pending.sampleKey === first.sampleKey && samples + pending.samples <= this.maxBatchSize);
      if (fits) {
        taken.push(pending);
        samples += pending.samples;
        this.queue.splice(i, 1);
        if (samples >= this.maxBatchSize) break;
      } else {
        i++;
      }
    }
    this.queuedSamples -= samples;
    return taken;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const samples = batch.reduce((sum, p) => sum + p.samples, 0);
    this.counters.batches++;
    this.counters.samples += samples;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, samples);
    let output: Tensor;
    try {
      output = await this.options.run(batch.length === 1 ? (batch[0] as Pending).input : concatenate(batch, samples));
      if (output.shape[0] !== samples) throw new Error(`the estimator answered ${output.shape[0]} rows for a batch of ${samples} samples`);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    const rowShape = output.shape.slice(1);
    const perRow = rowShape.reduce((a, b) => a * b, 1);
    let row = 0;
    for (const pending of batch) {
      // slice, not subarray: each caller owns its rows.
      pending.resolve({ data: output.data.slice(row * perRow, (row + pending.samples) * perRow), shape: [pending.samples, ...rowShape] });
      row += pending.samples;
    }
  }
}

function concatenate(batch: readonly Pending[], samples: number): Tensor {
  const first = (batch[0] as Pending).input;
  const sampleShape = first.shape.slice(1);
  const perSample = sampleShape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(samples * perSample);
  let offset = 0;
  for (const pending of batch) {
    data.set(pending.input.data.subarray(0, pending.samples * perSample), offset);
    offset += pending.samples * perSample;
  }
  return { data, shape: [samples, ...sampleShape] };
}
