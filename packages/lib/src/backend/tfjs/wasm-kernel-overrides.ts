/**
 * Faster wasm-backend kernels for the ops that dominate a tfjs training step here (profiled on the benchmark CNN,
 * batch 64: Conv2DBackpropInput 31 ms, MaxPoolGrad 16 ms, BatchMatMul 13 ms of a 100 ms step). tfjs-backend-wasm
 * 4.22 runs these as plain scalar loops; these versions use the SIMD GEMM of ../mlp/wasm:
 *  - BatchMatMul (one matrix pair, float32): packed GEMM with any transposition; other cases go to tfjs's kernel;
 *  - Conv2DBackpropInput (NHWC): dcol = dy · Wᵀ as one GEMM, then col2im scatter-adds dcol into dx;
 *  - MaxPoolGrad: dy goes to the first maximum of each window (tfjs's tie rule); the maxima are found four
 *    channels at a time by the window_argmax SIMD kernel when the channel count is a multiple of 4.
 * Each replaces the registered wasm kernel, keeping its setup function so tfjs's own still initialises.
 * Views of the tfjs heap (typedArrayFromHeap) are taken only after the kernel's last makeOutput, which can grow
 * the heap and detach older views.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelRuntime } from '../mlp/wasm/runtime.js';

/** The parts of the wasm backend these kernels touch. */
interface WasmBackendLike {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

let runtime: KernelRuntime | undefined;
const rt = (): KernelRuntime => (runtime ??= new KernelRuntime());

/** C[M x N] = A · B in the runtime's memory; A and B given by element strides; returns C's address. */
function gemmStrided(r: KernelRuntime, M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number): number {
  const pa = r.alloc(Math.ceil(M / 4) * 4 * Math.max(K, 1));
  const pb = r.alloc(Math.ceil(N / 8) * 8 * Math.max(K, 1));
  const c = r.alloc(M * N);
  const scratch = r.alloc(32);
  r.kernels.pack_a(M, K, a, rsA, csA, pa);
  r.kernels.pack_b(K, N, b, rsB, csB, pb);
  r.kernels.gemm(M, N, K, pa, pb, 32, K * 32, c, N, scratch);
  return c;
}

function copyIn(r: KernelRuntime, values: Float32Array): number {
  const ptr = r.alloc(values.length);
  r.f32(ptr, values.length).set(values);
  return ptr;
}

function batchMatMul(original: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const single = (s: number[]): boolean => s.every((d) => d === 1);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2 || !single(outerA) || !single(outerB)) {
      return original(args as Parameters<tf.KernelFunc>[0]);
    }
    const [a0, a1] = a.shape.slice(-2) as [number, number];
    const [b0, b1] = b.shape.slice(-2) as [number, number];
    const [M, K] = transposeA ? [a1, a0] : [a0, a1];
    const [K2, N] = transposeB ? [b1, b0] : [b0, b1];
    if (K !== K2) return original(args as Parameters<tf.KernelFunc>[0]); // let tfjs report the shape error
    const backend = args.backend as WasmBackendLike;
    const r = rt();
    const mark = r.mark();
    try {
      const ap = copyIn(r, backend.typedArrayFromHeap(a));
      const bp = copyIn(r, backend.typedArrayFromHeap(b));
      // a stored [M, K] (rsA = K, csA = 1) or, transposed, [K, M] (rsA = 1, csA = M); b likewise
      const c = gemmStrided(r, M, N, K, ap, transposeA ? 1 : K, transposeA ? M : 1, bp, transposeB ? 1 : N, transposeB ? K : 1);
      const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), M, N];
      const out = backend.makeOutput(outShape, 'float32');
      backend.typedArrayFromHeap(out).set(r.f32(c, M * N));
      return out;
    } finally {
      r.release(mark);
    }
  };
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

function conv2DBackpropInput(original: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    if (attrs.dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original(args as Parameters<tf.KernelFunc>[0]);
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const P = batchSize * outHeight * outWidth;
    const Q = filterHeight * filterWidth * inChannels;
    const backend = args.backend as WasmBackendLike;
    const r = rt();
    const mark = r.mark();
    try {
      const dyp = copyIn(r, backend.typedArrayFromHeap(dy));
      const wp = copyIn(r, backend.typedArrayFromHeap(filter));
      // dcol[p, q] = Σ_co dy[p, co] · W[q, co]  (W as [Q x CO]; B = Wᵀ: element (co, q) at q*CO + co)
      const dcol = r.f32(gemmStrided(r, P, Q, outChannels, dyp, outChannels, 1, wp, 1, outChannels), P * Q);
      const out = backend.makeOutput([...attrs.inputShape], 'float32');
      const dx = backend.typedArrayFromHeap(out);
      dx.fill(0);
      for (let b = 0; b < batchSize; b++) {
        for (let oy = 0; oy < outHeight; oy++) {
          for (let ox = 0; ox < outWidth; ox++) {
            let q = 0;
            const p = (b * outHeight + oy) * outWidth + ox;
            for (let kh = 0; kh < filterHeight; kh++) {
              const iy = oy * strideHeight + kh - top;
              for (let kw = 0; kw < filterWidth; kw++, q += inChannels) {
                const ix = ox * strideWidth + kw - left;
                if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) continue;
                const dst = ((b * inHeight + iy) * inWidth + ix) * inChannels;
                const src = p * Q + q;
                for (let ci = 0; ci < inChannels; ci++) dx[dst + ci] = (dx[dst + ci] as number) + (dcol[src + ci] as number);
              }
            }
          }
        }
      }
      return out;
    } finally {
      r.release(mark);
    }
  };
}

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad(original: tf.KernelFunc) {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    if (dy.dtype !== 'float32' || input.dtype !== 'float32') return original(args as Parameters<tf.KernelFunc>[0]);
    const attrs = args.attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const backend = args.backend as WasmBackendLike;
    // makeOutput may grow the wasm heap, which detaches every view taken before it: views come after
    const out = backend.makeOutput([...input.shape], 'float32');
    const x = backend.typedArrayFromHeap(input);
    const g = backend.typedArrayFromHeap(dy);
    const dx = backend.typedArrayFromHeap(out);
    dx.fill(0);
    if (inChannels % 4 === 0) {
      // SIMD: the first maximum of every window and channel, four channels at a time, then a scalar scatter
      const r = rt();
      const mark = r.mark();
      try {
        const xp = copyIn(r, x);
        const count = batchSize * outHeight * outWidth * inChannels;
        const idx = r.alloc(count);
        r.kernels.window_argmax(xp, idx, batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, top, left);
        const at = r.i32(idx, count);
        for (let i = 0; i < count; i++) {
          const k = at[i] as number;
          if (k >= 0) dx[k] = (dx[k] as number) + (g[i] as number);
        }
      } finally {
        r.release(mark);
      }
      return out;
    }
    // Per window: scan its pixels in row-major order with the channels innermost (contiguous in NHWC), keeping
    // each channel's first maximum; then route dy there.
    const best = new Float32Array(inChannels);
    const at = new Int32Array(inChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - top;
        const yStart = Math.max(0, y0);
        const yEnd = Math.min(inHeight, y0 + filterHeight);
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * strideWidth - left;
          const xStart = Math.max(0, x0);
          const xEnd = Math.min(inWidth, x0 + filterWidth);
          best.fill(-Infinity);
          at.fill(-1);
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const base = ((b * inHeight + iy) * inWidth + ix) * inChannels;
              for (let c = 0; c < inChannels; c++) {
                const v = x[base + c] as number;
                if (v > (best[c] as number)) {
                  best[c] = v;
                  at[c] = base + c;
                }
              }
            }
          }
          const gBase = ((b * outHeight + oy) * outWidth + ox) * inChannels;
          for (let c = 0; c < inChannels; c++) {
            const idx = at[c] as number;
            if (idx >= 0) dx[idx] = (dx[idx] as number) + (g[gBase + c] as number);
          }
        }
      }
    }
    return out;
  };
}

const OVERRIDES: Record<string, (original: tf.KernelFunc) => (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  BatchMatMul: batchMatMul,
  Conv2DBackpropInput: conv2DBackpropInput,
  MaxPoolGrad: maxPoolGrad,
};

const installed = new Set<string>();

/** Replaces the wasm kernels listed above (once per process); returns the names replaced now. */
export function installWasmKernelOverrides(): string[] {
  const done: string[] = [];
  for (const [name, make] of Object.entries(OVERRIDES)) {
    if (installed.has(name)) continue;
    const original = tf.getKernel(name, 'wasm');
    if (original === undefined) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: make(original.kernelFunc) as unknown as tf.KernelFunc,
      ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
      ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    });
    installed.add(name);
    done.push(name);
  }
  return done;
}
