/**
 * A hand-assembled WebAssembly module with one SIMD kernel: the weighted sum of K float32 vectors.
 *
 * We assemble the bytes here instead of shipping a .wasm file so the module needs no build step and no
 * toolchain, and so every byte is explained next to the instruction it encodes. The text form is:
 *
 * ```wat
 * (module
 *   (import "env" "memory" (memory 1 65536 shared))
 *   (func (export "weighted_sum")
 *         (param $ptrs i32) (param $coefs i32) (param $k i32) (param $out i32) (param $i i32) (param $end i32)
 *         (result f32)
 *     (local $c i32) (local $p i32)
 *     (local $s v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $chk v128)
 *     (local.set $k (i32.shl (local.get $k) (i32.const 2)))       ;; clients -> bytes of the pointer table
 *     (local.set $i (i32.shl (local.get $i) (i32.const 2)))       ;; float index -> byte offset
 *     (local.set $end (i32.shl (local.get $end) (i32.const 2)))
 *     (block $done
 *       (loop $rows                                              ;; one row = 16 floats = 64 bytes
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
 *         (local.set $a0 (v128.const 0)) ... (local.set $a3 (v128.const 0))
 *         (local.set $c (i32.const 0))
 *         (loop $clients
 *           (local.set $p (i32.add (i32.load (i32.add (local.get $ptrs) (local.get $c))) (local.get $i)))
 *           (local.set $s (f32x4.splat (f32.load (i32.add (local.get $coefs) (local.get $c)))))
 *           (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $p)) (local.get $s))))
 *           ... the same for $a1, $a2, $a3 at offsets 16, 32, 48
 *           (local.set $c (i32.add (local.get $c) (i32.const 4)))
 *           (br_if $clients (i32.lt_u (local.get $c) (local.get $k))))
 *         (local.set $p (i32.add (local.get $out) (local.get $i)))
 *         (v128.store offset=0 (local.get $p) (local.get $a0)) ... offsets 16, 32, 48
 *         ;; x - x is 0 for a finite x and NaN for NaN or ±Infinity; NaN then sticks in $chk
 *         (local.set $chk (f32x4.add (local.get $chk) (f32x4.sub (local.get $a0) (local.get $a0))))
 *         ... the same for $a1, $a2, $a3
 *         (local.set $i (i32.add (local.get $i) (i32.const 64)))
 *         (br $rows)))
 *     (f32.add (f32.add (f32x4.extract_lane 0 (local.get $chk)) (f32x4.extract_lane 1 (local.get $chk)))
 *              (f32.add (f32x4.extract_lane 2 (local.get $chk)) (f32x4.extract_lane 3 (local.get $chk)))))
 * ```
 *
 * `out[j] = Σ_c coefs[c] · in_c[j]` for begin <= j < end, where `ptrs` is a table of K byte addresses (i32) of
 * the inputs' first floats and `coefs` a table of K float32 coefficients, both in the same memory. end - begin
 * must be a multiple of 16 (the caller does the tail in JS) and K >= 1. The sum runs over clients 0, 1, ...,
 * K-1 in that order. The result is 0 when every output written is finite and NaN otherwise: since every
 * coefficient is finite and >= 0, a NaN or an infinity in any input reaches the output (0·∞ is NaN too), so
 * this one flag tells whether any client sent a non-finite weight, without a second pass over the inputs.
 *
 * Why element-outer, client-inner: every input float is read once and every output float written once, so
 * the loop streams 4·K bytes in per 4 bytes out, which is what memory bandwidth rewards. Four accumulators
 * (one 64-byte cache line per client per row) amortize the loop bookkeeping.
 *
 * The memory is imported and shared so that worker threads can run the same kernel on the same weights. A second
 * variant of the module imports an unshared memory: one thread's own staging memory (staged-runner.ts).
 */

import { wasm, type WasmMemory, type WasmModule } from './wasm-api.js';

/** Opcodes used below (WebAssembly core spec plus the fixed-width SIMD instructions, standard since 2021). */
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  f32Load: 0x2a,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f32Add: 0x92,
  /** Prefix byte of every SIMD instruction; the SIMD opcode follows as an unsigned LEB128. */
  simd: 0xfd,
} as const;

const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
} as const;

const TYPE = { i32: 0x7f, f32: 0x7d, v128: 0x7b, func: 0x60, emptyBlock: 0x40 } as const;

function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

/** Signed LEB128, for i32.const immediates. */
function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const signBitSet = (byte & 0x40) !== 0;
    if ((rest === 0 && !signBitSet) || (rest === -1 && signBitSet)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

function utf8Name(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...unsignedLeb128(bytes.length), ...bytes];
}

/** A section is its id, its byte length, then its content. */
function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb128(content.length), ...content];
}

/** A vector (list) in the binary format: its element count, then the elements. */
function vector(items: number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

// Local indices: the six parameters first, then the declared locals in declaration order.
const PTRS = 0;
const COEFS = 1;
const K = 2;
const OUT = 3;
const I = 4;
const END = 5;
const C = 6;
const P = 7;
const S = 8;
const ACC = [9, 10, 11, 12] as const;
const CHK = 13;

const get = (local: number): number[] => [OP.localGet, local];
const set = (local: number): number[] => [OP.localSet, local];
const i32Const = (value: number): number[] => [OP.i32Const, ...signedLeb128(value)];
const simd = (opcode: number): number[] => [OP.simd, ...unsignedLeb128(opcode)];
/** memarg: log2 of the alignment hint, then the static offset. 16-byte hint for v128, 4-byte for scalars. */
const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...unsignedLeb128(offset)];
const toBytes = (local: number): number[] => [...get(local), ...i32Const(2), OP.i32Shl, ...set(local)];

function kernelBody(): number[] {
  const zeroVector = [...simd(SIMD.v128Const), ...new Array<number>(16).fill(0)];
  const accumulate = (lane: number): number[] => [
    ...get(ACC[lane]!),
    ...get(P), ...simd(SIMD.v128Load), ...memarg(4, lane * 16),
    ...get(S), ...simd(SIMD.f32x4Mul),
    ...simd(SIMD.f32x4Add),
    ...set(ACC[lane]!),
  ];
  const store = (lane: number): number[] => [...get(P), ...get(ACC[lane]!), ...simd(SIMD.v128Store), ...memarg(4, lane * 16)];
  const check = (lane: number): number[] => [
    ...get(CHK), ...get(ACC[lane]!), ...get(ACC[lane]!), ...simd(SIMD.f32x4Sub), ...simd(SIMD.f32x4Add), ...set(CHK),
  ];
  const lane = (index: number): number[] => [...get(CHK), ...simd(SIMD.f32x4ExtractLane), index];
  const code = [
    ...toBytes(K), ...toBytes(I), ...toBytes(END),
    OP.block, TYPE.emptyBlock,
    OP.loop, TYPE.emptyBlock,
    // br_if $done (i >= end): relative depth 1 leaves the block
    ...get(I), ...get(END), OP.i32GeU, OP.brIf, 1,
    ...ACC.flatMap((acc) => [...zeroVector, ...set(acc)]),
    ...i32Const(0), ...set(C),
    OP.loop, TYPE.emptyBlock,
    // p = load32(ptrs + c) + i
    ...get(PTRS), ...get(C), OP.i32Add, OP.i32Load, ...memarg(2, 0), ...get(I), OP.i32Add, ...set(P),
    // s = splat(loadf32(coefs + c))
    ...get(COEFS), ...get(C), OP.i32Add, OP.f32Load, ...memarg(2, 0), ...simd(SIMD.f32x4Splat), ...set(S),
    ...accumulate(0), ...accumulate(1), ...accumulate(2), ...accumulate(3),
    // c += 4; br_if $clients (c < k): relative depth 0 repeats the inner loop
    ...get(C), ...i32Const(4), OP.i32Add, ...set(C),
    ...get(C), ...get(K), OP.i32LtU, OP.brIf, 0,
    OP.end,
    // p = out + i; store the four accumulators, fold them into the finiteness check
    ...get(OUT), ...get(I), OP.i32Add, ...set(P),
    ...store(0), ...store(1), ...store(2), ...store(3),
    ...check(0), ...check(1), ...check(2), ...check(3),
    // i += 64; br $rows: relative depth 0 is the outer loop
    ...get(I), ...i32Const(64), OP.i32Add, ...set(I),
    OP.br, 0,
    OP.end,
    OP.end,
    // the result: the sum of chk's four lanes
    ...lane(0), ...lane(1), OP.f32Add, ...lane(2), ...lane(3), OP.f32Add, OP.f32Add,
    OP.end, // end of the function body
  ];
  // Local declarations, as groups of (count, type): 2 i32 ($c $p), 6 v128 ($s $a0..$a3 $chk).
  const locals = vector([
    [2, TYPE.i32],
    [6, TYPE.v128],
  ]);
  const body = [...locals, ...code];
  return [...unsignedLeb128(body.length), ...body];
}

/** Largest shared memory the module accepts: 65536 pages of 64 KiB = 4 GiB, the wasm32 limit. */
export const MAX_MEMORY_PAGES = 65536;

/**
 * Which memory the module imports: `shared` (the arena, read by the worker threads too) or `private` (one thread's
 * own memory, see staged-runner.ts: copies into a SharedArrayBuffer go word by word through V8's relaxed-atomic
 * copy, copies into an ordinary ArrayBuffer are a plain memmove).
 */
export type KernelMemory = 'shared' | 'private';

/** The bytes of the module. */
export function weightedSumModuleBytes(memory: KernelMemory = 'shared'): Uint8Array {
  const magicAndVersion = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // type section (id 1): one type, func (i32 × 6) -> (f32)
  const params = [TYPE.i32, TYPE.i32, TYPE.i32, TYPE.i32, TYPE.i32, TYPE.i32].map((type) => [type]);
  const types = section(1, vector([[TYPE.func, ...vector(params), ...vector([[TYPE.f32]])]]));
  // import section (id 2): "env" "memory", kind 2 (memory), limits flag 3 (has max, shared) or 1 (has max), min 1,
  // max 65536
  const limitsFlag = memory === 'shared' ? 0x03 : 0x01;
  const imports = section(
    2,
    vector([[...utf8Name('env'), ...utf8Name('memory'), 0x02, limitsFlag, ...unsignedLeb128(1), ...unsignedLeb128(MAX_MEMORY_PAGES)]]),
  );
  // function section (id 3): one function of type 0
  const functions = section(3, vector([[0]]));
  // export section (id 7): "weighted_sum", kind 0 (function), index 0
  const exports = section(7, vector([[...utf8Name('weighted_sum'), 0x00, 0]]));
  // code section (id 10): one body
  const code = section(10, vector([kernelBody()]));
  return Uint8Array.from([...magicAndVersion, ...types, ...imports, ...functions, ...exports, ...code]);
}

/**
 * The kernel as seen from JS: byte addresses of the pointer table, the coefficient table and the output,
 * the client count, and the float range [begin, end). Returns 0 when all outputs are finite, NaN otherwise.
 */
export type WeightedSumKernel = (ptrTable: number, coefTable: number, clientCount: number, out: number, begin: number, end: number) => number;

/** Floats the kernel handles per row; (end - begin) must be a multiple of it. */
export const KERNEL_ROW_FLOATS = 16;

const compiled = new Map<KernelMemory, WasmModule>();

/** Compiles the module once per thread. Throws a clear error on a runtime without wasm SIMD or threads. */
export function weightedSumModule(memory: KernelMemory = 'shared'): WasmModule {
  let module = compiled.get(memory);
  if (module === undefined) {
    try {
      module = new wasm.Module(weightedSumModuleBytes(memory));
    } catch (error) {
      throw new Error(`this runtime cannot compile the SIMD weighted-sum kernel (it needs wasm SIMD and shared memory): ${String(error)}`, {
        cause: error,
      });
    }
    compiled.set(memory, module);
  }
  return module;
}

/** The kernel on `memory`, shared (the arena's) or not (a thread's own). */
export function instantiateWeightedSum(memory: WasmMemory): WeightedSumKernel {
  const kind: KernelMemory = memory.buffer instanceof SharedArrayBuffer ? 'shared' : 'private';
  const instance = new wasm.Instance(weightedSumModule(kind), { env: { memory } });
  return instance.exports['weighted_sum'] as WeightedSumKernel;
}
