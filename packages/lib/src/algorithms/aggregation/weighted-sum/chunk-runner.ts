/**
 * The work loop shared by the main thread and the worker threads of a weighted sum.
 *
 * A job is cut into chunks of `chunkFloats` floats (never crossing a layer). Every participating thread claims
 * the next chunk with an atomic increment until none is left, so a thread slowed by another process on a
 * shared core simply takes fewer chunks. The main thread resets the counter and waits for every worker's
 * reply before it starts the next job, so a claim can never belong to a stale job.
 *
 * The kernel writes a chunk into the thread's own small scratch block (it stays in cache) and the thread
 * then copies it into the output, a fresh SharedArrayBuffer: fresh memory costs a page fault per 4 KiB on
 * first write, about as much as the sum itself, and this way every thread faults in its own chunks.
 */
import type { WeightedSumKernel } from './wasm-module.js';

export interface PlannedLayer {
  /** Byte address of this layer's table of K input addresses (i32). */
  readonly ptrTable: number;
  /** This layer's output (on a SharedArrayBuffer, so workers write it too). */
  readonly output: Float32Array;
  /** Floats in the layer. */
  readonly length: number;
  /** Index of this layer's first chunk in the job. */
  readonly firstChunk: number;
}

/** Everything a thread needs to take part in one job; plain data, so it travels by postMessage. */
export interface WeightedSumPlan {
  readonly clientCount: number;
  /** Byte address of the K float32 coefficients. */
  readonly coefTable: number;
  /** Byte address of the Int32 claim counter (reset to 0 by the main thread before the job). */
  readonly counter: number;
  readonly chunkFloats: number;
  readonly totalChunks: number;
  readonly layers: readonly PlannedLayer[];
  /** Byte address of each thread's scratch block of chunkFloats floats; index 0 is the calling thread. */
  readonly scratch: readonly number[];
}

export interface ChunkReport {
  /** Chunks this thread computed. */
  readonly chunks: number;
  /** Of those, chunks with at least one non-finite output. */
  readonly nonFiniteChunks: number;
}

/**
 * Claims and computes chunks until the job is exhausted.
 *
 * This function is also sent to the worker threads as source text (`Function.prototype.toString`), so it
 * must stay self-contained: no imports, no helpers from this module, only its arguments and JS built-ins.
 */
export function runClaimedChunks(kernel: WeightedSumKernel, buffer: ArrayBufferLike, plan: WeightedSumPlan, slot: number): ChunkReport {
  const ints = new Int32Array(buffer);
  const floats = new Float32Array(buffer);
  const rowFloats = 16;
  const scratch = plan.scratch[slot]!;
  let chunks = 0;
  let nonFiniteChunks = 0;
  for (;;) {
    const chunk = Atomics.add(ints, plan.counter >> 2, 1);
    if (chunk >= plan.totalChunks) break;
    let layerIndex = plan.layers.length - 1;
    while (plan.layers[layerIndex]!.firstChunk > chunk) layerIndex--;
    const layer = plan.layers[layerIndex]!;
    const begin = (chunk - layer.firstChunk) * plan.chunkFloats;
    const end = Math.min(begin + plan.chunkFloats, layer.length);
    const vectorEnd = begin + Math.floor((end - begin) / rowFloats) * rowFloats;
    let check = 0;
    if (vectorEnd > begin) {
      // The kernel writes out + 4·j for j in [begin, vectorEnd); i32 address arithmetic wraps, so this
      // lands float `begin` at the start of the scratch block even when scratch < 4·begin.
      check = kernel(layer.ptrTable, plan.coefTable, plan.clientCount, scratch - 4 * begin, begin, vectorEnd);
      layer.output.set(new Float32Array(buffer, scratch, vectorEnd - begin), begin);
    }
    // The last few floats of a layer (fewer than one 16-float row) in plain JS.
    for (let index = vectorEnd; index < end; index++) {
      let sum = 0;
      for (let client = 0; client < plan.clientCount; client++) {
        const address = ints[(layer.ptrTable >> 2) + client]!;
        sum += floats[(address >> 2) + index]! * floats[(plan.coefTable >> 2) + client]!;
      }
      const stored = Math.fround(sum);
      layer.output[index] = stored;
      check += stored - stored;
    }
    chunks++;
    if (check !== 0) nonFiniteChunks++;
  }
  return { chunks, nonFiniteChunks };
}
