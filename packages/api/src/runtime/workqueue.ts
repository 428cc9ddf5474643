/**
 * A work queue of object keys, as client-go's, used by the GM's controllers and the LC's managers: a key queued
 * many times is processed once; a key being processed is not processed concurrently and, if queued meanwhile, runs
 * again after; a failure retries with exponential backoff per key (reset on success), unless it is a
 * `TerminalError`, which no retry can fix; a processor asks for a later run by returning `{ requeueAfterMs }`.
 * A queue can start paused: keys accumulate (deduplicated) until `resume()`, so that nothing runs before the caches
 * it reads have synced.
 */
import { inReconcile } from './log.js';

export interface WorkQueueOptions {
  /** First retry delay; doubles per failure of the same key. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  concurrency?: number;
  /** Hold keys until resume() (a controller waits for its caches). */
  paused?: boolean;
  /** The queue's name in log lines (a controller's, a manager's). */
  name?: string;
}

/** What a run of a key may ask for. */
export interface ReconcileResult {
  /** Run again after this delay even without a change (time-based work; a wait with no event to end it). */
  requeueAfterMs?: number;
}

/** A failure no retry can fix (a spec that cannot work): logged once, the key is not retried until it changes. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export type KeyProcessor = (key: string) => Promise<ReconcileResult | void>;
/** `retryInMs` is undefined for a terminal error. */
export type KeyErrorHandler = (key: string, err: unknown, retryInMs: number | undefined) => void;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running = 0;
  private stopped = false;
  private paused: boolean;
  private idleWaiters: (() => void)[] = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly name: string;

  constructor(
    private readonly process: KeyProcessor,
    options: WorkQueueOptions = {},
    private readonly onError: KeyErrorHandler = () => undefined,
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.concurrency = options.concurrency ?? 1;
    this.paused = options.paused ?? false;
    this.name = options.name ?? 'queue';
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delayMs),
    );
  }

  /** Starts processing the keys held while paused. */
  resume(): void {
    this.paused = false;
    this.pump();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or running (timers for later retries aside). */
  idle(): Promise<void> {
    if ((this.queue.length === 0 || this.paused) && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.running < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      void this.run(key);
    }
    if ((this.queue.length === 0 || this.paused) && this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await inReconcile(this.name, key, () => this.process(key));
      this.failures.delete(key);
      if (result && result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      if (err instanceof TerminalError) {
        this.failures.delete(key);
        this.onError(key, err, undefined);
      } else {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1));
        this.onError(key, err, delay);
        this.addAfter(key, delay);
      }
    } finally {
      this.processing.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
