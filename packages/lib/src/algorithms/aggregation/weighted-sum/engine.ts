/**
 * The weighted sum behind FedAvg and its relatives, `out = Σ_c coef_c · w_c` per layer, done with the
 * hand-assembled SIMD kernel on the main thread plus worker threads, all reading the same shared memory.
 *
 * Two paths, both reading every input float from main memory once and writing every output float once:
 * - every input in the engine's arena (the aggregation server copies each update in as it arrives, see
 *   server/arena-placement.ts): the calling thread and the worker threads claim chunks and read the inputs in
 *   place (chunk-runner.ts);
 * - some input outside the arena (e.g. weights read in place in a wire frame): the calling thread copies one
 *   cache-sized chunk of each input at a time into its own wasm memory and runs the kernel on it
 *   (staged-runner.ts). No input is copied whole: that would read and write it once more and have the kernel
 *   read the copy back from main memory.
 * Both give bit-identical results. Outputs are fresh Float32Arrays on their own SharedArrayBuffers (so the
 * worker threads can fill them): the caller owns them and never holds views into reusable arena memory.
 */
import { availableParallelism } from 'node:os';
import { WeightArena } from './arena.js';
import { runClaimedChunks, type PlannedLayer, type WeightedSumPlan } from './chunk-runner.js';
import { StagingArea } from './staged-runner.js';
import { weightedSumReference, type WeightedSumOutput } from './reference.js';
import { SpareOutputs } from './spare-outputs.js';
import { KERNEL_ROW_FLOATS, instantiateWeightedSum, type WeightedSumKernel } from './wasm-module.js';
import { KernelWorkerPool } from './worker-pool.js';

export interface WeightedSumEngineOptions {
  /** Where inputs are read in place; a new arena by default. */
  arena?: WeightArena;
  /** Threads in all, the calling thread included (so 1 means no workers). Default: cores, at most 4. */
  threads?: number;
  /** Floats per claimed chunk (a multiple of 16). Default 65536 (256 KiB of output per chunk). */
  chunkFloats?: number;
  /** Jobs smaller than this many input floats run on the calling thread only. Default 1 M. */
  minFloatsForThreads?: number;
  /** `js` forces the plain-JS reference (for tests and for runtimes without wasm SIMD). */
  backend?: 'wasm' | 'js';
  /**
   * Prepare the next output buffers after a large job, between jobs (default true; see spare-outputs.ts).
   * False makes every job allocate and fault in its output while it runs (benchmarks report both).
   */
  prepareOutputs?: boolean;
  /**
   * Bytes through which inputs are staged, chunk by chunk, when some are outside the arena (all clients' chunks
   * and the output scratch together; see staged-runner.ts). Default 512 KiB, so that they stay in the L2 cache.
   */
  stagingBytes?: number;
}

const DEFAULT_CHUNK_FLOATS = 65536;
const DEFAULT_MIN_FLOATS_FOR_THREADS = 1 << 20;
const MAX_DEFAULT_THREADS = 4;
/**
 * Half of the 1 MiB of cache per core that /proc/cpuinfo reports on the project machine (server cores have 0.5-2 MiB
 * of L2), so that the staged chunks and the output scratch stay in it; 128 KiB to 1 MiB cost alike there (CPU time
 * of 10 x 10 M floats, measured under load).
 */
const DEFAULT_STAGING_BYTES = 512 * 1024;

export class WeightedSumEngine {
  readonly arena: WeightArena;
  readonly threads: number;
  readonly backend: 'wasm' | 'js';
  private readonly chunkFloats: number;
  private readonly minFloatsForThreads: number;
  private readonly prepareOutputs: boolean;
  private readonly stagingBytes: number;
  private kernel: WeightedSumKernel | undefined;
  /** This thread's own memory for staging inputs outside the arena; made on first use. */
  private staging: StagingArea | undefined;
  private pool: KernelWorkerPool | undefined;
  private threadsDisabled = false;
  /** Pre-faulted output buffers, ready for the next job of the same shape. */
  private readonly spareOutputs = new SpareOutputs();
  /** Jobs run one at a time: they share the claim counter and the worker pool. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(options: WeightedSumEngineOptions = {}) {
    this.arena = options.arena ?? new WeightArena();
    this.threads = options.threads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS);
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`WeightedSumEngine: threads must be an integer >= 1, got ${options.threads}`);
    this.chunkFloats = options.chunkFloats ?? DEFAULT_CHUNK_FLOATS;
    if (!Number.isInteger(this.chunkFloats) || this.chunkFloats < 16 || this.chunkFloats % 16 !== 0) {
      throw new RangeError(`WeightedSumEngine: chunkFloats must be a positive multiple of 16, got ${options.chunkFloats}`);
    }
    this.minFloatsForThreads = options.minFloatsForThreads ?? DEFAULT_MIN_FLOATS_FOR_THREADS;
    this.backend = options.backend ?? 'wasm';
    this.prepareOutputs = options.prepareOutputs ?? true;
    this.stagingBytes = options.stagingBytes ?? DEFAULT_STAGING_BYTES;
    if (!Number.isInteger(this.stagingBytes) || this.stagingBytes < 1) {
      throw new RangeError(`WeightedSumEngine: stagingBytes must be a positive integer, got ${options.stagingBytes}`);
    }
  }

  /**
   * `out[L] = Σ_c coefficients[c] · inputs[c][L]`, inputs indexed [client][layer]. Coefficients must be
   * finite and >= 0 (what makes the kernel's non-finite flag exact); every client must have the same
   * layer lengths.
   */
  weightedSum(inputs: readonly (readonly Float32Array[])[], coefficients: readonly number[]): Promise<WeightedSumOutput> {
    checkArguments(inputs, coefficients);
    const job = this.queue.then(() => this.run(inputs, coefficients));
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Stops the worker threads. The engine cannot be used afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.spareOutputs.stop();
    await this.queue;
    await this.pool?.terminate();
    this.pool = undefined;
  }

  private async run(inputs: readonly (readonly Float32Array[])[], coefficients: readonly number[]): Promise<WeightedSumOutput> {
    if (this.disposed) throw new Error('WeightedSumEngine: used after dispose()');
    if (this.backend === 'js' || inputs.length === 0) return weightedSumReference(inputs, coefficients);
    this.kernel ??= instantiateWeightedSum(this.arena.memory);
    const layerLengths = inputs[0]!.map((data) => data.length);
    const outputs = layerLengths.map((length) => new Float32Array(this.spareOutputs.take(length * 4) ?? new SharedArrayBuffer(length * 4)));
    const large = totalFloatsOf(layerLengths, inputs.length) >= this.minFloatsForThreads;
    const nonFinite = inputs.every((layers) => layers.every((data) => this.arena.contains(data)))
      ? await this.runClaimed(this.kernel, inputs, coefficients, outputs, large)
      : this.runStaged(inputs, coefficients, outputs);
    // Small jobs are not worth it: their outputs fault in quickly.
    if (large && this.prepareOutputs && !this.disposed) {
      const pool = this.workerPool();
      this.spareOutputs.prepare(layerLengths, pool === undefined ? this.spareOutputs.prefaultHere : (buffer) => pool.prefault(buffer));
    }
    return { layers: outputs, nonFinite };
  }

  /** Every input is in the arena: the calling thread and the workers claim chunks and read the inputs in place. */
  private async runClaimed(
    kernel: WeightedSumKernel,
    inputs: readonly (readonly Float32Array[])[],
    coefficients: readonly number[],
    outputs: readonly Float32Array[],
    large: boolean,
  ): Promise<boolean> {
    const arena = this.arena;
    const temporaries: Float32Array[] = [];
    try {
      const clientCount = inputs.length;
      // One table block: [counter, pad to 16 bytes][K coefficients][K addresses per layer]
      const tableFloats = 4 + clientCount * (1 + outputs.length);
      const tables = arena.allocate(tableFloats);
      temporaries.push(tables);
      const counter = tables.byteOffset;
      const coefTable = counter + 16;
      tables.set(coefficients, 4);
      const addresses = new Int32Array(tables.buffer, tables.byteOffset, tableFloats);
      const pool = large ? this.workerPool() : undefined;
      const scratchBlocks = Array.from({ length: 1 + (pool?.size ?? 0) }, () => arena.allocate(this.chunkFloats, false));
      temporaries.push(...scratchBlocks);
      const layers: PlannedLayer[] = [];
      let totalChunks = 0;
      outputs.forEach((output, layer) => {
        const ptrTable = coefTable + 4 * clientCount * (1 + layer);
        for (let client = 0; client < clientCount; client++) addresses[(ptrTable - counter) / 4 + client] = inputs[client]![layer]!.byteOffset;
        layers.push({ ptrTable, output, length: output.length, firstChunk: totalChunks });
        totalChunks += Math.ceil(output.length / this.chunkFloats);
      });
      const scratch = scratchBlocks.map((block) => block.byteOffset);
      const plan: WeightedSumPlan = { clientCount, coefTable, counter, chunkFloats: this.chunkFloats, totalChunks, layers, scratch };

      Atomics.store(addresses, 0, 0);
      const workerReports = pool?.dispatch(plan);
      let nonFiniteChunks = 0;
      let mainChunks = 0;
      let failure: { error: unknown } | undefined;
      try {
        const report = runClaimedChunks(kernel, arena.buffer, plan, 0);
        mainChunks = report.chunks;
        nonFiniteChunks += report.nonFiniteChunks;
      } catch (error) {
        failure = { error };
      }
      // Even when this thread failed, wait for the workers before the memory is released.
      if (workerReports !== undefined) {
        try {
          for (const report of await workerReports) nonFiniteChunks += report.nonFiniteChunks;
        } catch (error) {
          await this.replacePool();
          // A worker that failed before claiming any chunk left all of them to this thread: the result is
          // complete. That happens when the worker script cannot run at all (for instance under code
          // instrumentation), so this engine stops using threads instead of failing every call.
          if (failure === undefined && mainChunks === plan.totalChunks) this.disableThreads(error);
          else failure ??= { error };
        }
      }
      if (failure !== undefined) throw failure.error;
      return nonFiniteChunks > 0;
    } finally {
      for (const block of temporaries) arena.release(block);
    }
  }

  /** Some input is outside the arena: the calling thread stages chunks of every input (staged-runner.ts). */
  private runStaged(inputs: readonly (readonly Float32Array[])[], coefficients: readonly number[], outputs: readonly Float32Array[]): boolean {
    // The staging blocks of every input plus the output scratch fit in stagingBytes.
    const rows = Math.floor(this.stagingBytes / 4 / (inputs.length + 1) / KERNEL_ROW_FLOATS);
    this.staging ??= new StagingArea();
    return this.staging.run(inputs, coefficients, outputs, Math.max(1, rows) * KERNEL_ROW_FLOATS) > 0;
  }

  /**
   * Resolves when the background preparation started by earlier jobs is done. Benchmarks use it to model
   * the gap between federated rounds; servers need not call it.
   */
  async whenIdle(): Promise<void> {
    await this.queue;
    await this.spareOutputs.settled();
  }

  private disableThreads(error: unknown): void {
    this.threadsDisabled = true;
    process.emitWarning(`weighted sum: worker threads failed, continuing on one thread: ${String(error)}`, 'SednaPerformanceWarning');
  }

  private workerPool(): KernelWorkerPool | undefined {
    if (this.threads <= 1 || this.threadsDisabled) return undefined;
    if (this.pool !== undefined && !this.pool.healthy) void this.replacePool();
    this.pool ??= new KernelWorkerPool(this.arena.memory, this.threads - 1);
    return this.pool;
  }

  private async replacePool(): Promise<void> {
    const broken = this.pool;
    this.pool = undefined;
    await broken?.terminate();
  }
}

function totalFloatsOf(layerLengths: readonly number[], clientCount: number): number {
  return layerLengths.reduce((sum, length) => sum + length, 0) * clientCount;
}

function checkArguments(inputs: readonly (readonly Float32Array[])[], coefficients: readonly number[]): void {
  if (coefficients.length !== inputs.length) {
    throw new RangeError(`weightedSum: ${inputs.length} inputs but ${coefficients.length} coefficients`);
  }
  coefficients.forEach((coefficient, client) => {
    if (!Number.isFinite(coefficient) || coefficient < 0) throw new RangeError(`weightedSum: coefficient ${client} must be finite and >= 0, got ${coefficient}`);
  });
  const first = inputs[0];
  inputs.forEach((layers, client) => {
    if (layers.length !== first!.length) throw new RangeError(`weightedSum: input ${client} has ${layers.length} layers, input 0 has ${first!.length}`);
    layers.forEach((data, layer) => {
      if (data.length !== first![layer]!.length) {
        throw new RangeError(`weightedSum: input ${client} layer ${layer} has ${data.length} floats, input 0 has ${first![layer]!.length}`);
      }
    });
  });
}

let shared: WeightedSumEngine | undefined;

/** The process-wide engine the built-in strategies use unless they are given one. */
export function defaultWeightedSumEngine(): WeightedSumEngine {
  shared ??= new WeightedSumEngine();
  return shared;
}

/** Stops the process-wide engine's threads; the next use creates a fresh engine. */
export async function disposeDefaultWeightedSumEngine(): Promise<void> {
  const engine = shared;
  shared = undefined;
  await engine?.dispose();
}
