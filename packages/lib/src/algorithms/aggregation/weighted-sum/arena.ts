/**
 * Float32 storage inside one shared WebAssembly memory, so the SIMD kernel (and worker threads running it)
 * read client weights where they already are. Inputs outside the arena cost the engine a staging copy in the
 * round (staged-runner.ts), so the aggregation server copies each client's update in when it arrives
 * (`adopt`, via server/arena-placement.ts); a decoder may also write straight into `allocate`d blocks.
 *
 * The memory is shared (a SharedArrayBuffer underneath), which also means growing it never detaches the
 * views handed out earlier: they keep pointing at the same bytes.
 */
import { wasm, type WasmMemory } from './wasm-api.js';
import { MAX_MEMORY_PAGES } from './wasm-module.js';

const PAGE_BYTES = 65536;
/**
 * Cache-line alignment: the kernel reads 64-byte rows, so aligned blocks never straddle lines needlessly. Copies
 * into shared memory go word by word only when source and target are equally aligned (V8 falls
 * back to a byte loop otherwise, about three times slower; weights in a wire frame start at any multiple of 4),
 * so `adopt` places its copy at the source's address modulo this.
 */
const ALIGN = 64;
/** Address 0 is never handed out, so a zero address can never be mistaken for a block. */
const RESERVED_BYTES = ALIGN;

interface Block {
  offset: number;
  bytes: number;
}

export interface ArenaOptions {
  /** Bytes to reserve up front (rounded up to whole 64 KiB pages); the arena grows on demand anyway. */
  initialBytes?: number;
}

export class WeightArena {
  readonly memory: WasmMemory;
  /** Every SharedArrayBuffer object `memory.buffer` has returned: views on any of them are ours. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Free blocks sorted by offset, never adjacent (adjacent ones are merged on release). */
  private readonly free: Block[] = [];
  /** Allocated blocks by the byte offset of the view handed out: how `release` finds the block and refuses foreign views. */
  private readonly allocated = new Map<number, Block>();

  constructor(options: ArenaOptions = {}) {
    const initialBytes = Math.max(options.initialBytes ?? 0, 0) + RESERVED_BYTES;
    const pages = Math.ceil(initialBytes / PAGE_BYTES);
    if (pages > MAX_MEMORY_PAGES) throw new RangeError(`WeightArena: initialBytes ${options.initialBytes} exceeds the 4 GiB wasm32 limit`);
    this.memory = new wasm.Memory({ initial: pages, maximum: MAX_MEMORY_PAGES, shared: true });
    this.buffers.add(this.memory.buffer);
    if (pages * PAGE_BYTES > RESERVED_BYTES) this.free.push({ offset: RESERVED_BYTES, bytes: pages * PAGE_BYTES - RESERVED_BYTES });
  }

  /** The current buffer (its length grows with the memory). */
  get buffer(): SharedArrayBuffer {
    const buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    this.buffers.add(buffer);
    return buffer;
  }

  get capacityBytes(): number {
    return this.memory.buffer.byteLength;
  }

  get allocatedBytes(): number {
    let total = 0;
    for (const block of this.allocated.values()) total += block.bytes;
    return total;
  }

  /**
   * A Float32Array of `length` floats inside the arena, zero-filled unless `zeroFill` is false (for outputs
   * that are overwritten anyway: skipping the fill saves a pass over the memory).
   */
  allocate(length: number, zeroFill = true): Float32Array {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`WeightArena.allocate: length must be a non-negative integer, got ${length}`);
    const view = this.place(length, 0);
    if (zeroFill) view.fill(0);
    return view;
  }

  /**
   * Copies `data` into the arena and returns the copy, which starts at the same address modulo 64 as `data` (so
   * the copy runs at memory speed; the kernel reads unaligned vectors anyway). Release the copy, as any block.
   */
  adopt(data: Float32Array): Float32Array {
    const copy = this.place(data.length, data.byteOffset % ALIGN);
    copy.set(data);
    return copy;
  }

  /** A view of `length` floats starting `shiftBytes` (a multiple of 4, < 64) into a fresh 64-aligned block. */
  private place(length: number, shiftBytes: number): Float32Array {
    const bytes = Math.max(ALIGN, Math.ceil((length * 4 + shiftBytes) / ALIGN) * ALIGN);
    const offset = this.take(bytes);
    this.allocated.set(offset + shiftBytes, { offset, bytes });
    return new Float32Array(this.buffer, offset + shiftBytes, length);
  }

  /** True when `data` is a view into this arena's memory (allocated here or not). */
  contains(data: ArrayBufferView): boolean {
    return this.buffers.has(data.buffer);
  }

  /** Returns a block from `allocate`/`adopt`. The view must not be used afterwards. */
  release(data: Float32Array): void {
    const block = this.contains(data) ? this.allocated.get(data.byteOffset) : undefined;
    if (block === undefined) throw new Error('WeightArena.release: this array was not allocated by this arena (or was already released)');
    this.allocated.delete(data.byteOffset);
    this.insertFree({ ...block });
  }

  private take(bytes: number): number {
    for (let index = 0; index < this.free.length; index++) {
      const block = this.free[index]!;
      if (block.bytes < bytes) continue;
      const offset = block.offset;
      if (block.bytes === bytes) this.free.splice(index, 1);
      else {
        block.offset += bytes;
        block.bytes -= bytes;
      }
      return offset;
    }
    this.grow(bytes);
    return this.take(bytes);
  }

  /** Grows by at least `bytes`, and by at least half the current size so repeated growth stays rare. */
  private grow(bytes: number): void {
    const current = this.memory.buffer.byteLength;
    const tail = this.free.at(-1);
    const tailFree = tail !== undefined && tail.offset + tail.bytes === current ? tail.bytes : 0;
    const wanted = Math.max(bytes - tailFree, Math.floor(current / 2));
    const maxPages = MAX_MEMORY_PAGES - current / PAGE_BYTES;
    const pages = Math.min(Math.ceil(wanted / PAGE_BYTES), maxPages);
    if (pages * PAGE_BYTES < bytes - tailFree) {
      throw new RangeError(`WeightArena: cannot allocate ${bytes} bytes: the wasm32 memory limit is 4 GiB and ${this.allocatedBytes} bytes are in use`);
    }
    try {
      this.memory.grow(pages);
    } catch (error) {
      throw new RangeError(`WeightArena: the system refused to grow the weight memory by ${pages * PAGE_BYTES} bytes: ${String(error)}`, { cause: error });
    }
    this.buffers.add(this.memory.buffer);
    this.insertFree({ offset: current, bytes: pages * PAGE_BYTES });
  }

  private insertFree(block: Block): void {
    let index = this.free.findIndex((candidate) => candidate.offset > block.offset);
    if (index === -1) index = this.free.length;
    this.free.splice(index, 0, block);
    const next = this.free[index + 1];
    if (next !== undefined && block.offset + block.bytes === next.offset) {
      block.bytes += next.bytes;
      this.free.splice(index + 1, 1);
    }
    const previous = this.free[index - 1];
    if (previous !== undefined && previous.offset + previous.bytes === block.offset) {
      previous.bytes += block.bytes;
      this.free.splice(index, 1);
    }
  }
}
