/**
 * A tiny WebAssembly assembler: just enough of the binary format (core 1.0 + the 128-bit SIMD proposal that
 * V8 ships by default) to emit the MLP kernels of ./kernels.ts from TypeScript, without a toolchain. Each method
 * appends one instruction's bytes; structured helpers (block, loop, ifThen) close what they open.
 *
 * Binary format reference: sections are `id, size (LEB128), contents`; a function body is
 * `size, local declarations, instructions, end (0x0b)`. SIMD instructions are the prefix 0xfd followed by their
 * opcode as unsigned LEB128.
 */

export const ValType = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** A local variable (or parameter) of the function being assembled. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** Builds one function body. Parameters are locals 0..n-1; declare more with local(). */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly extraLocals: ValType[] = [];
  readonly params: Local[];

  constructor(
    readonly exportName: string,
    paramTypes: readonly ValType[],
    readonly resultTypes: readonly ValType[] = [],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  get paramTypes(): ValType[] {
    return this.params.map((p) => p.type);
  }

  local(type: ValType): Local {
    this.extraLocals.push(type);
    return { index: this.params.length + this.extraLocals.length - 1, type };
  }

  /** Local declarations, one entry per local (the format allows run-length groups; one each is simplest). */
  localDecls(out: number[]): void {
    uleb(this.extraLocals.length, out);
    for (const t of this.extraLocals) {
      out.push(1, t);
    }
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    return this;
  }

  private memarg(alignLog2: number, offset: number): this {
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
    return this;
  }

  // control
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  ifThen(then: () => void, otherwise?: () => void): this {
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  /** if/else that leaves one value of `type` on the stack. */
  ifResult(type: ValType, then: () => void, otherwise: () => void): this {
    this.op(0x04, type);
    then();
    this.op(0x05);
    otherwise();
    return this.op(0x0b);
  }
  /** Branch to the enclosing label `depth` levels out (0 = innermost). */
  br(depth: number): this {
    this.op(0x0c);
    uleb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    uleb(depth, this.code);
    return this;
  }
  select(): this {
    return this.op(0x1b);
  }

  // locals
  get(l: Local): this {
    this.op(0x20);
    uleb(l.index, this.code);
    return this;
  }
  set(l: Local): this {
    this.op(0x21);
    uleb(l.index, this.code);
    return this;
  }
  tee(l: Local): this {
    this.op(0x22);
    uleb(l.index, this.code);
    return this;
  }

  // i32
  i32Const(v: number): this {
    this.op(0x41);
    sleb(v, this.code);
    return this;
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  /** Unsigned <: one compare checks 0 <= a < b for a signed a. */
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }
  i32And(): this {
    return this.op(0x71);
  }

  i32Load(offset = 0): this {
    return this.op(0x28).memarg(2, offset);
  }
  i32Store(offset = 0): this {
    return this.op(0x36).memarg(2, offset);
  }

  // f32
  f32Const(v: number): this {
    this.op(0x43);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.op(...b);
  }
  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(2, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38).memarg(2, offset);
  }
  f32Gt(): this {
    return this.op(0x5e);
  }
  f32Sqrt(): this {
    return this.op(0x91);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Sub(): this {
    return this.op(0x93);
  }
  f32Mul(): this {
    return this.op(0x94);
  }
  f32Div(): this {
    return this.op(0x95);
  }
  f32Max(): this {
    return this.op(0x97);
  }

  // v128 / f32x4
  v128Load(offset = 0): this {
    return this.simd(0x00).memarg(4, offset);
  }
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09).memarg(2, offset);
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b).memarg(4, offset);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  /** v128.const with four i32 lanes. */
  v128ConstI32x4(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0c);
    const b = new Uint8Array(16);
    const view = new DataView(b.buffer);
    lanes.forEach((v, i) => view.setInt32(i * 4, v, true));
    return this.op(...b);
  }
  /** v128.bitselect(a, b, mask): bits of a where mask is 1, of b elsewhere. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  /** i8x16.shuffle by 32-bit lanes: lane i of the result is lane lanes[i] of a (0-3) or of b (4-7). */
  f32x4Shuffle(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0d);
    for (const l of lanes) this.op(l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3);
    return this;
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }

  // small patterns used everywhere
  /** local += delta (an i32 constant). */
  inc(l: Local, delta: number): this {
    return this.get(l).i32Const(delta).i32Add().set(l);
  }
  /** local += other local. */
  addTo(l: Local, other: Local): this {
    return this.get(l).get(other).i32Add().set(l);
  }
  /**
   * for (counter = 0; counter < limit; counter++) body — the body must not branch out of the loop itself;
   * a zero limit runs no iteration.
   */
  forRange(counter: Local, limit: Local, body: () => void): this {
    this.i32Const(0).set(counter);
    return this.block(() => {
      this.get(counter).get(limit).i32GeS().brIf(0);
      this.loop(() => {
        body();
        this.inc(counter, 1);
        this.get(counter).get(limit).i32LtS().brIf(0);
      });
    });
  }
}

/** Assembles functions into a module that imports its memory as env.memory and exports every function. */
export function assembleModule(functions: readonly FunctionBuilder[]): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]): void => {
    out.push(id);
    uleb(body.length, out);
    out.push(...body);
  };
  // type section: one signature per function (duplicates are allowed and keep indices trivial)
  const types: number[] = [];
  uleb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    uleb(f.paramTypes.length, types);
    types.push(...f.paramTypes);
    uleb(f.resultTypes.length, types);
    types.push(...f.resultTypes);
  }
  section(1, types);
  // import section: env.memory, a memory with a minimum of 1 page and no maximum
  const imports: number[] = [];
  uleb(1, imports);
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, 0x00);
  uleb(1, imports);
  section(2, imports);
  // function section: function i has type i
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  functions.forEach((_, i) => uleb(i, funcs));
  section(3, funcs);
  // export section
  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.exportName, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports);
  // code section
  const code: number[] = [];
  uleb(functions.length, code);
  for (const f of functions) {
    const body: number[] = [];
    f.localDecls(body);
    body.push(...f.code, 0x0b);
    uleb(body.length, code);
    code.push(...body);
  }
  section(10, code);
  return Uint8Array.from(out);
}
