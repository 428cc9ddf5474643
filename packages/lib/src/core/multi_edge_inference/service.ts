/**
 * The multi-edge service base (the original's BaseService): items are put on a bounded queue, taken in batches of
 * `batch_size` (env, default 1) or whatever arrived within `timeoutMs` of the first, and processed one batch at a
 * time, or up to `concurrency` batches at once (a client that waits for each answer, as REST does, keeps several
 * requests in flight instead of queueing frames behind one slow answer). Unlike the original's unbounded deque, a full queue drops the new item and counts it: a camera that outruns
 * its network or broker loses frames, it does not buffer without bound.
 */
import type { Env } from '../../common/config.js';

export interface ServiceQueueOptions<T> {
  process: (batch: T[]) => Promise<void>;
  batchSize?: number;
  /** How long a partial batch waits for more (default 50 ms). */
  timeoutMs?: number;
  /** Most items waiting (default 64). */
  maxQueue?: number;
  /** Batches processed at once (default 1: in order). */
  concurrency?: number;
  onError?: (err: unknown, batch: T[]) => void;
}

export interface ServiceQueueStats {
  put: number;
  processed: number;
  dropped: number;
  failed: number;
  batches: number;
  queued: number;
}

export function batchSizeFromEnv(env: Env = process.env): number {
  const raw = env.batch_size ?? env.BATCH_SIZE;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`batch_size must be a positive integer; got ${JSON.stringify(raw)}`);
  return n;
}

export class ServiceQueue<T> {
  private readonly queue: T[] = [];
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly concurrency: number;
  /** Batches being processed. */
  private active = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly workers = new Set<Promise<void>>();
  private closed = false;
  readonly stats: ServiceQueueStats = { put: 0, processed: 0, dropped: 0, failed: 0, batches: 0, queued: 0 };

  constructor(private readonly options: ServiceQueueOptions<T>) {
    this.batchSize = options.batchSize ?? batchSizeFromEnv();
    this.timeoutMs = options.timeoutMs ?? 50;
    this.maxQueue = options.maxQueue ?? 64;
    this.concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new Error(`concurrency must be a positive integer; got ${options.concurrency}`);
  }

  /** Queues an item; false when it was dropped (queue full or closed). */
  put(item: T): boolean {
    this.stats.put++;
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.stats.dropped++;
      return false;
    }
    this.queue.push(item);
    this.stats.queued = this.queue.length;
    if (this.queue.length >= this.batchSize) this.kick();
    else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.timeoutMs);
    return true;
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.active < this.concurrency && this.queue.length > 0) {
      this.active++;
      const worker = this.work().finally(() => {
        this.active--;
        this.workers.delete(worker);
      });
      this.workers.add(worker);
    }
  }

  /** Takes batches until the queue is empty. */
  private async work(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      this.stats.queued = this.queue.length;
      try {
        await this.options.process(batch);
        this.stats.processed += batch.length;
      } catch (err) {
        this.stats.failed += batch.length;
        this.options.onError?.(err, batch);
      }
      this.stats.batches++;
    }
  }

  /** Processes what is queued, then resolves. */
  async drain(): Promise<void> {
    this.kick();
    await Promise.all([...this.workers]);
    if (this.queue.length > 0 || this.workers.size > 0) await this.drain();
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }
}
