/**
 * The weighted sum behind FedAvg and its relatives, `out = Σ_c coef_c · w_c` per layer, done with the
 * hand-assembled SIMD kernel on the main thread plus worker threads, all reading the same shared memory.
 *
 * Inputs already in the engine's arena are read in place (the fast path: decode client updates into
 * `engine.arena` when they arrive). Other inputs are copied into the arena first, which costs about as much
 * as the sum itself but is still quicker than a JS loop. Outputs are fresh Float32Arrays on their own
 * SharedArrayBuffers (so the worker threads can fill them): the caller owns them and never holds views into
 * reusable arena memory.
 */
import { availableParallelism } from 'node:os';
import { WeightArena } from './arena.js';
import { runClaimedChunks, type PlannedLayer, type WeightedSumPlan } from './chunk-runner.js';
import { weightedSumReference, type WeightedSumOutput } from './reference.js';
import { SpareOutputs } from './spare-outputs.js';
import { instantiateWeightedSum, type WeightedSumKernel } from './wasm-module.js';
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
}

const DEFAULT_CHUNK_FLOATS = 65536;
const DEFAULT_MIN_FLOATS_FOR_THREADS = 1 << 20;
const MAX_DEFAULT_THREADS = 4;
/** The arena's block alignment, which copies of outside inputs mirror (see inArena). */
const COPY_ALIGN = 64;

export class WeightedSumEngine {
  readonly arena: WeightArena;
  readonly threads: number;
  readonly backend: 'wasm' | 'js';
  private readonly chunkFloats: number;
  private readonly minFloatsForThreads: number;
  private readonly prepareOutputs: boolean;
  private kernel: WeightedSumKernel | undefined;
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
    const kernel = this.kernel;
    const arena = this.arena;
    const temporaries: Float32Array[] = [];
    const inArena = (data: Float32Array): Float32Array => {
      if (arena.contains(data)) return data;
      // The copy starts at the same address modulo 64 as the original: copying into shared memory, V8 goes word
      // by word only when both sides are equally aligned, and byte by byte otherwise (about three times slower;
      // the weights of a wire frame start at any multiple of 4). The kernel reads unaligned vectors anyway.
      const shift = (data.byteOffset % COPY_ALIGN) / 4;
      const block = arena.allocate(data.length + shift, false);
      temporaries.push(block);
      const copy = block.subarray(shift);
      copy.set(data);
      return copy;
    };
    try {
      const clientLayers = inputs.map((layers) => layers.map(inArena));
      const layerLengths = inputs[0]!.map((data) => data.length);
      const clientCount = inputs.length;
      // One table block: [counter, pad to 16 bytes][K coefficients][K addresses per layer]
      const tableFloats = 4 + clientCount * (1 + layerLengths.length);
      const tables = arena.allocate(tableFloats);
      temporaries.push(tables);
      const counter = tables.byteOffset;
      const coefTable = counter + 16;
      tables.set(coefficients, 4);
      const addresses = new Int32Array(tables.buffer, tables.byteOffset, tableFloats);
      const outputs = layerLengths.map((length) => new Float32Array(this.spareOutputs.take(length * 4) ?? new SharedArrayBuffer(length * 4)));
      const large = totalFloatsOf(layerLengths, clientCount) >= this.minFloatsForThreads;
      const pool = large ? this.workerPool() : undefined;
      const scratchBlocks = Array.from({ length: 1 + (pool?.size ?? 0) }, () => arena.allocate(this.chunkFloats, false));
      temporaries.push(...scratchBlocks);
      const layers: PlannedLayer[] = [];
      let totalChunks = 0;
      layerLengths.forEach((length, layer) => {
        const ptrTable = coefTable + 4 * clientCount * (1 + layer);
        for (let client = 0; client < clientCount; client++) {
          addresses[(ptrTable - counter) / 4 + client] = clientLayers[client]![layer]!.byteOffset;
        }
        layers.push({ ptrTable, output: outputs[layer]!, length, firstChunk: totalChunks });
        totalChunks += Math.ceil(length / this.chunkFloats);
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
      // Small jobs are not worth it: their outputs fault in quickly.
      if (large && this.prepareOutputs && !this.disposed) {
        if (pool === undefined) this.spareOutputs.prepare(layerLengths, this.spareOutputs.prefaultHere);
        else if (this.pool === pool) this.spareOutputs.prepare(layerLengths, (buffer) => pool.prefault(buffer));
      }
      return { layers: outputs, nonFinite: nonFiniteChunks > 0 };
    } finally {
      for (const block of temporaries) arena.release(block);
    }
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
