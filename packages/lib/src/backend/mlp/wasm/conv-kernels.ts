/**
 * The convolution and pooling kernels of the wasm trainer (../conv.ts, ../pool.ts), assembled like ./kernels.ts.
 * Images are NHWC float32; a convolution is lowered to GEMMs over its im2col matrix:
 *  - im2col writes col [B*OH*OW x KH*KW*C] row-major: row p = (b, oy, ox), column q = (kh, kw, c), the input
 *    pixel (oy*sh + kh - top, ox*sw + kw - left) or 0 where that falls in the padding. When the stride is 1 and a
 *    whole kernel row is inside the image, its KW*C floats are contiguous in x and copied in one run;
 *  - col2im is its adjoint: it adds every row of dcol back onto the pixels it came from (dx must start zeroed);
 *  - gather / scatter_add move values by an int32 index table (-1 = none): max pooling keeps the index of each
 *    window's maximum (window_argmax in ./kernels.ts), reads the maxima with gather and routes the gradient back
 *    with scatter_add;
 *  - add_into sums the partial weight gradients of a reduction split into cache-sized chunks.
 * Runs are moved four floats at a time (v128) with a scalar tail.
 */
import { FunctionBuilder, type Local, ValType } from './assembler.js';

const { i32, v128 } = ValType;

/** Emits: for n floats from src to dst (byte pointers, both advanced): dst = src (copy) or dst += src (add). */
function runLoop(f: FunctionBuilder, mode: 'copy' | 'add' | 'zero', n: Local, src: Local, dst: Local, i: Local, n4: Local, zero: Local): void {
  f.get(n).i32Const(2).i32ShrU().set(n4);
  f.forRange(i, n4, () => {
    f.get(dst);
    if (mode === 'copy') f.get(src).v128Load();
    else if (mode === 'add') f.get(dst).v128Load().get(src).v128Load().f32x4Add();
    else f.get(zero);
    f.v128Store();
    if (mode !== 'zero') f.inc(src, 16);
    f.inc(dst, 16);
  });
  f.get(n4).i32Const(2).i32Shl().set(i);
  f.block(() => {
    f.get(i).get(n).i32GeS().brIf(0);
    f.loop(() => {
      f.get(dst);
      if (mode === 'copy') f.get(src).f32Load();
      else if (mode === 'add') f.get(dst).f32Load().get(src).f32Load().f32Add();
      else f.f32Const(0);
      f.f32Store();
      if (mode !== 'zero') f.inc(src, 4);
      f.inc(dst, 4).inc(i, 1);
      f.get(i).get(n).i32LtS().brIf(0);
    });
  });
}

/**
 * im2col(x, col, B, H, W, C, OH, OW, KH, KW, sh, sw, top, left) and col2im(dcol, dx, ...same): one generator, as
 * col2im walks exactly the same pixels with the copy direction reversed and adds instead of stores.
 */
function im2colKernel(direction: 'im2col' | 'col2im'): FunctionBuilder {
  const f = new FunctionBuilder(direction, Array(14).fill(i32) as ValType[]);
  const [first, second, B, H, W, C, OH, OW, KH, KW, sh, sw, top, left] = f.params as Local[] as [
    Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local,
  ];
  // im2col(x, col, ...), col2im(dcol, dx, ...): x stands for the image side (x or dx), col for dcol
  const [x, col] = direction === 'im2col' ? [first, second] : [second, first];
  const [b, oy, ox, kh, kw, iy, ix, cp, xp, i, n4, rowRun, contiguous, rowInside, srcRow, dstRow, rowBytes] = Array.from({ length: 17 }, () =>
    f.local(i32),
  ) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const zero = f.local(v128);
  f.f32Const(0).f32x4Splat().set(zero);
  f.get(KW).get(C).i32Mul().set(rowRun);
  // bytes of one col row (Q = KH*KW*C floats)
  f.get(KH).get(rowRun).i32Mul().i32Const(2).i32Shl().set(rowBytes);
  // a kernel row is one contiguous run of x when the horizontal stride is 1
  f.get(sw).i32Const(1).i32Sub().i32Eqz().set(contiguous);
  // Moves `n` floats between x at xp and col at cp; cp always advances by n floats (zeros for padding in im2col).
  const move = (n: Local, inside: boolean): void => {
    if (direction === 'im2col') {
      if (inside) runLoop(f, 'copy', n, xp, cp, i, n4, zero);
      else runLoop(f, 'zero', n, xp, cp, i, n4, zero);
    } else if (inside) {
      runLoop(f, 'add', n, cp, xp, i, n4, zero);
    } else {
      f.get(cp).get(n).i32Const(2).i32Shl().i32Add().set(cp);
    }
  };
  // Kernel row kh of every output pixel of an image row (b, oy): the input row iy and its address are the same for
  // all of them, so they are worked out once; each pixel's run starts ox*sw pixels further along it.
  f.forRange(b, B, () => {
    f.forRange(oy, OH, () => {
      f.forRange(kh, KH, () => {
        f.get(oy).get(sh).i32Mul().get(kh).i32Add().get(top).i32Sub().set(iy);
        f.get(iy).get(H).i32LtU().set(rowInside);
        f.get(x).get(b).get(H).i32Mul().get(iy).i32Add().get(W).i32Mul().get(C).i32Mul().i32Const(2).i32Shl().i32Add().set(srcRow);
        // dstRow = col + ((b*OH + oy)*OW*Q + kh*KW*C) * 4
        f.get(col).get(b).get(OH).i32Mul().get(oy).i32Add().get(OW).i32Mul().get(rowBytes).i32Mul().i32Add();
        f.get(kh).get(rowRun).i32Mul().i32Const(2).i32Shl().i32Add().set(dstRow);
        f.i32Const(0).get(left).i32Sub().set(ix);
        f.forRange(ox, OW, () => {
          f.get(dstRow).set(cp);
          // whole kernel row inside and contiguous: 0 <= iy < H, 0 <= ix, ix + KW <= W
          f.get(contiguous).get(rowInside).i32And().get(ix).i32Const(0).i32GeS().i32And().get(ix).get(KW).i32Add().get(W).i32GtS().i32Eqz().i32And();
          f.ifThen(
            () => {
              f.get(srcRow).get(ix).get(C).i32Mul().i32Const(2).i32Shl().i32Add().set(xp);
              if (direction === 'im2col') runLoop(f, 'copy', rowRun, xp, cp, i, n4, zero);
              else runLoop(f, 'add', rowRun, cp, xp, i, n4, zero);
            },
            () => {
              f.forRange(kw, KW, () => {
                f.get(rowInside).get(ix).get(kw).i32Add().get(W).i32LtU().i32And().ifThen(
                  () => {
                    f.get(srcRow).get(ix).get(kw).i32Add().get(C).i32Mul().i32Const(2).i32Shl().i32Add().set(xp);
                    move(C, true);
                  },
                  () => move(C, false),
                );
              });
            },
          );
          f.addTo(dstRow, rowBytes);
          f.addTo(ix, sw);
        });
      });
    });
  });
  return f;
}

function gather(): FunctionBuilder {
  // gather(n, src, idx, dst): dst[i] = idx[i] >= 0 ? src[idx[i]] : 0
  const f = new FunctionBuilder('gather', [i32, i32, i32, i32]);
  const [n, src, idx, dst] = f.params as [Local, Local, Local, Local];
  const i = f.local(i32);
  const at = f.local(i32);
  f.forRange(i, n, () => {
    f.get(idx).i32Load().set(at);
    f.get(dst);
    f.get(at).i32Const(0).i32GeS().ifResult(
      ValType.f32,
      () => f.get(src).get(at).i32Const(2).i32Shl().i32Add().f32Load(),
      () => f.f32Const(0),
    );
    f.f32Store();
    f.inc(idx, 4).inc(dst, 4);
  });
  return f;
}

function scatterAdd(): FunctionBuilder {
  // scatter_add(n, src, idx, dst): dst[idx[i]] += src[i] where idx[i] >= 0
  const f = new FunctionBuilder('scatter_add', [i32, i32, i32, i32]);
  const [n, src, idx, dst] = f.params as [Local, Local, Local, Local];
  const i = f.local(i32);
  const p = f.local(i32);
  f.forRange(i, n, () => {
    f.get(idx).i32Load().set(p);
    f.get(p).i32Const(0).i32GeS().ifThen(() => {
      f.get(dst).get(p).i32Const(2).i32Shl().i32Add().set(p);
      f.get(p).get(p).f32Load().get(src).f32Load().f32Add().f32Store();
    });
    f.inc(idx, 4).inc(src, 4);
  });
  return f;
}

function addInto(): FunctionBuilder {
  // add_into(n, dst, src): dst[i] += src[i] (sums the partial products of a weight gradient computed in chunks)
  const f = new FunctionBuilder('add_into', [i32, i32, i32]);
  const [n, dst, src] = f.params as [Local, Local, Local];
  runLoop(f, 'add', n, src, dst, f.local(i32), f.local(i32), f.local(v128));
  return f;
}

export function convKernelFunctions(): FunctionBuilder[] {
  return [im2colKernel('im2col'), im2colKernel('col2im'), gather(), scatterAdd(), addInto()];
}

/** The exported convolution kernels; see the module comment. */
export interface ConvKernels {
  im2col(x: number, col: number, B: number, H: number, W: number, C: number, OH: number, OW: number, KH: number, KW: number, sh: number, sw: number, top: number, left: number): void;
  col2im(dcol: number, dx: number, B: number, H: number, W: number, C: number, OH: number, OW: number, KH: number, KW: number, sh: number, sw: number, top: number, left: number): void;
  gather(n: number, src: number, idx: number, dst: number): void;
  scatter_add(n: number, src: number, idx: number, dst: number): void;
  add_into(n: number, dst: number, src: number): void;
}
