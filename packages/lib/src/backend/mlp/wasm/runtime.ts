/**
 * Instantiates the kernel module over a growable memory and hands out float32 buffers in it (a bump allocator:
 * a trainer lays out its buffers once per batch size and reuses them every step).
 */
import { type Kernels, kernelModuleBytes } from './kernels.js';

// The project's TypeScript lib (ES2023, no DOM) declares no WebAssembly globals; these are the few members used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE_BYTES = 65536;
let compiled: object | undefined;

function compiledModule(): object {
  if (wasm === undefined) throw new Error('WebAssembly is not available in this runtime');
  try {
    return (compiled ??= new wasm.Module(kernelModuleBytes()));
  } catch (e) {
    throw new Error(`the MLP kernels need WebAssembly SIMD, which this runtime rejected: ${(e as Error).message}`, { cause: e });
  }
}

export class KernelRuntime {
  readonly kernels: Kernels;
  private readonly memory: WasmMemory;
  private top = 64; // address 0 stays unused so a zero pointer is always a bug

  constructor() {
    const module = compiledModule();
    this.memory = new (wasm as WasmApi).Memory({ initial: 16 });
    const instance = new (wasm as WasmApi).Instance(module, { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as Kernels;
  }

  /** Current allocation mark, to release everything allocated after it with release(). */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Reserves room for `floats` float32 values, 64-byte aligned (a cache line); returns the byte address. */
  alloc(floats: number): number {
    const ptr = (this.top + 63) & ~63;
    const end = ptr + floats * 4;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    this.top = end;
    return ptr;
  }

  /** A view of `length` int32 values at `ptr` (same rules as f32). */
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  /** A view of `length` floats at `ptr`; take a fresh one after any alloc (growth detaches old views). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
}
