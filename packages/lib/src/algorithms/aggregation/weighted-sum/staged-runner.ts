/**
 * The weighted sum when some inputs are not in the arena (the kernel reads wasm memory only), on the calling
 * thread, without copying whole inputs first.
 *
 * Each layer is cut into chunks of `stageFloats` floats. Per chunk, the chunk of every input is copied into that
 * input's staging block (TypedArray.set), the kernel sums the staged chunks into a scratch block, and the scratch
 * is copied into the output. All blocks together are a few hundred KiB, so they stay in the core's cache: main
 * memory sees one read of every input and one write of the output. Copying whole inputs into the arena first would
 * read and write every input once more, and the kernel would then read the copies back from main memory.
 *
 * The blocks live in this thread's own wasm memory, not in the shared arena: V8 copies into a SharedArrayBuffer
 * word by word through relaxed atomics, into an ordinary ArrayBuffer with memmove, several times faster. Only this
 * thread can read the outside inputs anyway (they are not shared), so no worker threads take part.
 *
 * The arithmetic is the claimed-chunk path's (chunk-runner.ts): the same kernel, the same client order, the same
 * plain-JS tail, so a result does not depend on where its inputs were.
 */
import { wasm, type WasmMemory } from './wasm-api.js';
import { KERNEL_ROW_FLOATS, MAX_MEMORY_PAGES, instantiateWeightedSum, type WeightedSumKernel } from './wasm-module.js';

const PAGE_BYTES = 65536;
/** Block alignment: a cache line, and a staged chunk starts at its source's address modulo this (see run). */
const ALIGN_BYTES = 64;

const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;

/** Where one job's tables and blocks are in the staging memory (byte addresses). */
interface Layout {
  readonly coefTable: number;
  readonly ptrTable: number;
  /** One block per client of stageFloats floats plus one alignment shift (64 bytes). */
  readonly stageBlocks: readonly number[];
  readonly outScratch: number;
  readonly bytes: number;
}

function layoutOf(clientCount: number, stageFloats: number): Layout {
  const coefTable = ALIGN_BYTES;
  const ptrTable = coefTable + alignUp(4 * clientCount);
  const stageBytes = 4 * stageFloats + ALIGN_BYTES;
  let next = ptrTable + alignUp(4 * clientCount);
  const stageBlocks = Array.from({ length: clientCount }, () => {
    const block = next;
    next += stageBytes;
    return block;
  });
  return { coefTable, ptrTable, stageBlocks, outScratch: next, bytes: next + 4 * stageFloats };
}

export class StagingArea {
  private readonly memory: WasmMemory = new wasm.Memory({ initial: 1, maximum: MAX_MEMORY_PAGES });
  private readonly kernel: WeightedSumKernel = instantiateWeightedSum(this.memory);

  /**
   * `outputs[L] = Σ_c coefficients[c] · inputs[c][L]`, staging `stageFloats` floats (a multiple of 16) of every
   * input at a time. Returns the number of chunks with at least one non-finite output.
   */
  run(inputs: readonly (readonly Float32Array[])[], coefficients: readonly number[], outputs: readonly Float32Array[], stageFloats: number): number {
    const clientCount = inputs.length;
    const layout = layoutOf(clientCount, stageFloats);
    this.ensure(layout.bytes);
    // The memory may have grown: views are taken after that.
    const buffer = this.memory.buffer;
    const coefficientTable = new Float32Array(buffer, layout.coefTable, clientCount);
    coefficientTable.set(coefficients);
    const ptrSlots = new Int32Array(buffer, layout.ptrTable, clientCount);
    const scratch = new Float32Array(buffer, layout.outScratch, stageFloats);
    let nonFiniteChunks = 0;
    outputs.forEach((output, layer) => {
      const sources = inputs.map((layers) => layers[layer]!);
      // A staged chunk starts at its source's address modulo 64, so the copy needs no byte-by-byte head or tail;
      // chunk starts are multiples of 16 floats (64 bytes).
      const stages = sources.map((source, client) => {
        const address = layout.stageBlocks[client]! + (source.byteOffset % ALIGN_BYTES);
        return { address, view: new Float32Array(buffer, address, stageFloats) };
      });
      for (let begin = 0; begin < output.length; begin += stageFloats) {
        const end = Math.min(begin + stageFloats, output.length);
        stages.forEach((stage, client) => {
          stage.view.set(sources[client]!.subarray(begin, end));
          // The kernel reads address + 4·j for j in [begin, end); i32 arithmetic wraps, so this lands float
          // `begin` at the start of the staged chunk (the Int32Array store wraps the same way).
          ptrSlots[client] = stage.address - 4 * begin;
        });
        const vectorEnd = begin + Math.floor((end - begin) / KERNEL_ROW_FLOATS) * KERNEL_ROW_FLOATS;
        let check = 0;
        if (vectorEnd > begin) {
          check = this.kernel(layout.ptrTable, layout.coefTable, clientCount, layout.outScratch - 4 * begin, begin, vectorEnd);
          output.set(scratch.subarray(0, vectorEnd - begin), begin);
        }
        // The last few floats of a layer (fewer than one row), as chunk-runner.ts computes them.
        for (let index = vectorEnd; index < end; index++) {
          let sum = 0;
          for (let client = 0; client < clientCount; client++) sum += sources[client]![index]! * coefficientTable[client]!;
          const stored = Math.fround(sum);
          output[index] = stored;
          check += stored - stored;
        }
        if (check !== 0) nonFiniteChunks++;
      }
    });
    return nonFiniteChunks;
  }

  /** Grows the memory to at least `bytes`. */
  private ensure(bytes: number): void {
    const missing = Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE_BYTES);
    if (missing <= 0) return;
    try {
      this.memory.grow(missing);
    } catch (error) {
      throw new RangeError(`weighted sum: the staging memory cannot grow to ${bytes} bytes: ${String(error)}`, { cause: error });
    }
  }
}
