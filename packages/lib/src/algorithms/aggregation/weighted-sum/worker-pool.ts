/**
 * Worker threads that run the SIMD weighted-sum kernel on the arena's shared memory.
 *
 * The worker program is a short script passed as text (`eval: true`) so it runs the same way from the
 * TypeScript sources (tests) and from the compiled package: there is no separate worker file to locate.
 * Workers are unref'd while idle, so an idle pool never keeps a process alive.
 */
import type { WasmMemory } from './wasm-api.js';
import { Worker } from 'node:worker_threads';
import { runClaimedChunks, type ChunkReport, type WeightedSumPlan } from './chunk-runner.js';
import { weightedSumModule } from './wasm-module.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const runClaimedChunks = ${runClaimedChunks.toString()};
const { memory, module } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports.weighted_sum;
parentPort.on('message', (job) => {
  if (job.prefault !== undefined) {
    // Touch one byte per 4 KiB page so the kernel maps the pages now, off the aggregation's critical path.
    const bytes = new Uint8Array(job.prefault);
    for (let offset = 0; offset < bytes.length; offset += 4096) bytes[offset] = 0;
    parentPort.postMessage({ id: job.id, prefaulted: true });
    return;
  }
  try {
    const report = runClaimedChunks(kernel, memory.buffer, job.plan, job.slot);
    parentPort.postMessage({ id: job.id, chunks: report.chunks, nonFiniteChunks: report.nonFiniteChunks });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.stack) || error) });
  }
});
`;

interface WorkerReply {
  id: number;
  prefaulted?: boolean;
  chunks?: number;
  nonFiniteChunks?: number;
  error?: string;
}

interface Pending {
  remaining: number;
  reports: ChunkReport[];
  resolve: (reports: ChunkReport[]) => void;
  reject: (error: Error) => void;
}

export class KernelWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly prefaults = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextWorker = 0;
  private outstanding = 0;
  private nextJobId = 1;
  private failure: Error | undefined;
  /** Set by terminate(): from then on the workers stay ref'd until they have exited. */
  private terminating = false;

  constructor(memory: WasmMemory, size: number) {
    const module = weightedSumModule();
    for (let index = 0; index < size; index++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, module }, name: `sedna-weighted-sum-${index}` });
      worker.unref();
      worker.on('message', (reply: WorkerReply) => this.onReply(reply));
      worker.on('error', (error) => this.fail(new Error(`weighted-sum worker ${index} failed: ${error.message}`)));
      worker.on('exit', (code) => this.fail(new Error(`weighted-sum worker ${index} exited (code ${code})`)));
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** False once a worker has failed or exited; the owner then replaces the pool. */
  get healthy(): boolean {
    return this.failure === undefined;
  }

  /**
   * Sends the plan to every worker. The returned promise settles when all of them have replied (each
   * replies once, after it found no chunk left to claim). Call it before the main thread joins in.
   */
  dispatch(plan: WeightedSumPlan): Promise<ChunkReport[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextJobId++;
    const done = new Promise<ChunkReport[]>((resolve, reject) => {
      this.pending.set(id, { remaining: this.workers.length, reports: [], resolve, reject });
    });
    this.updateRefs(1);
    this.workers.forEach((worker, index) => {
      // Slot 0 is the calling thread's scratch block; worker i uses slot i + 1.
      worker.postMessage({ id, plan, slot: index + 1 });
    });
    const settle = (): void => this.updateRefs(-1);
    done.then(settle, settle);
    return done;
  }

  /**
   * Has a worker touch every page of a fresh buffer, so that writing it later costs no page faults (they
   * cost about as much as the weighted sum itself). Runs after any job already queued on that worker.
   */
  prefault(buffer: SharedArrayBuffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextJobId++;
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    this.updateRefs(1);
    const done = new Promise<void>((resolve, reject) => {
      this.prefaults.set(id, { resolve, reject });
      worker.postMessage({ id, prefault: buffer });
    });
    const settle = (): void => this.updateRefs(-1);
    done.then(settle, settle);
    return done;
  }

  /** Workers keep the process alive exactly while some job or pre-fault is out. */
  private updateRefs(change: number): void {
    if (this.terminating) return;
    const before = this.outstanding;
    this.outstanding += change;
    if (before === 0 && this.outstanding > 0) for (const worker of this.workers) worker.ref();
    if (before > 0 && this.outstanding === 0) for (const worker of this.workers) worker.unref();
  }

  async terminate(): Promise<void> {
    // An idle worker is unref'd, and the exit that settles terminate() does not keep the event loop alive by
    // itself: a caller awaiting this at the end of a program (the lib bench's last step) saw the process end
    // with the await unsettled, exit code 13 and no message. Ref'd for good (the jobs failed below must not
    // unref them when they settle), the workers are waited for.
    this.terminating = true;
    for (const worker of this.workers) worker.ref();
    this.fail(new Error('weighted-sum worker pool terminated'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private onReply(reply: WorkerReply): void {
    const prefault = this.prefaults.get(reply.id);
    if (prefault !== undefined) {
      this.prefaults.delete(reply.id);
      prefault.resolve();
      return;
    }
    const job = this.pending.get(reply.id);
    if (job === undefined) return;
    if (reply.error !== undefined) {
      this.pending.delete(reply.id);
      job.reject(new Error(`weighted-sum worker error: ${reply.error}`));
      return;
    }
    job.reports.push({ chunks: reply.chunks ?? 0, nonFiniteChunks: reply.nonFiniteChunks ?? 0 });
    if (--job.remaining === 0) {
      this.pending.delete(reply.id);
      job.resolve(job.reports);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, prefault] of this.prefaults) {
      this.prefaults.delete(id);
      prefault.reject(error);
    }
    for (const [id, job] of this.pending) {
      this.pending.delete(id);
      job.reject(error);
    }
  }
}
