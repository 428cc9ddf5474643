/**
 * The Conv2DBackpropFilter kernel that tfjs-backend-wasm 4.22 lacks (the one gap that stops it training
 * convolutions), registered for the wasm backend. It computes the filter gradient as one GEMM:
 *   dW[(kh, kw, ci), co] = Σ_p col[p, (kh, kw, ci)] · dy[p, co],   p = (b, oy, ox)
 * where col is the im2col matrix of x. The im2col is written straight into the packed-panel layout the SIMD GEMM
 * of ../mlp/wasm reads (4 rows of colᵀ per panel, k = p major), so no separate transpose or packing pass is needed.
 * NHWC only (the layout tfjs layers use).
 */
import * as tf from '@tensorflow/tfjs';
import { KernelRuntime } from '../mlp/wasm/runtime.js';

interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** The parts of the wasm backend this kernel touches. */
interface WasmBackendLike {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let runtime: KernelRuntime | undefined;

/**
 * im2col straight into packed panels: packed[(q >> 2) * P * 4 + p * 4 + (q & 3)] = x[b, iy, ix, ci] with
 * q = (kh * FW + kw) * CI + ci, p = (b * OH + oy) * OW + ox, iy = oy*sh + kh - top, ix = ox*sw + kw - left.
 * Padding pixels stay 0 (the buffer is zeroed). This general version writes lanes one at a time.
 */
function im2colScattered(packed: Float32Array, xs: Float32Array, info: tf.backend_util.Conv2DInfo, P: number): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const q0 = (kh * filterWidth + kw) * inChannels;
      for (let b = 0; b < batchSize; b++) {
        for (let oy = 0; oy < outHeight; oy++) {
          const iy = oy * strideHeight + kh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let ox = 0; ox < outWidth; ox++) {
            const ix = ox * strideWidth + kw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const p = (b * outHeight + oy) * outWidth + ox;
            const src = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const q = q0 + ci;
              packed[(q >> 2) * P * 4 + p * 4 + (q & 3)] = xs[src + ci] as number;
            }
          }
        }
      }
    }
  }
}

/**
 * The same when CI is a multiple of 4: every panel then holds 4 channels of one (kh, kw), so each p writes 4
 * consecutive floats copied from 4 consecutive input channels, and a panel is filled front to back.
 */
function im2colPanels(packed: Float32Array, xs: Float32Array, info: tf.backend_util.Conv2DInfo, P: number): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let c0 = 0; c0 < inChannels; c0 += 4) {
        const panel = (((kh * filterWidth + kw) * inChannels + c0) >> 2) * P * 4;
        for (let b = 0; b < batchSize; b++) {
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * strideHeight + kh - top;
            if (iy < 0 || iy >= inHeight) continue;
            const row = (b * inHeight + iy) * inWidth;
            let dst = panel + (b * outHeight + oy) * outWidth * 4;
            for (let ox = 0; ox < outWidth; ox++, dst += 4) {
              const ix = ox * strideWidth + kw - left;
              if (ix < 0 || ix >= inWidth) continue;
              const src = (row + ix) * inChannels + c0;
              packed[dst] = xs[src] as number;
              packed[dst + 1] = xs[src + 1] as number;
              packed[dst + 2] = xs[src + 2] as number;
              packed[dst + 3] = xs[src + 3] as number;
            }
          }
        }
      }
    }
  }
}

function filterGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as FilterGradAttrs;
  const backend = args.backend as WasmBackendLike;
  if (attrs.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (sedna wasm kernel): only NHWC is supported, got ${attrs.dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const P = batchSize * outHeight * outWidth; // GEMM reduction length
  const Q = filterHeight * filterWidth * inChannels; // rows of dW
  const rt = (runtime ??= new KernelRuntime());
  const mark = rt.mark();
  try {
    const panels = Math.ceil(Q / 4);
    const pa = rt.alloc(panels * 4 * P);
    const dyPtr = rt.alloc(P * outChannels);
    const out = rt.alloc(Q * outChannels);
    const scratch = rt.alloc(32);
    const packed = rt.f32(pa, panels * 4 * P);
    packed.fill(0); // padding pixels and the rows past Q of the last panel
    const xs = backend.typedArrayFromHeap(x);
    if (inChannels % 4 === 0) im2colPanels(packed, xs, info, P);
    else im2colScattered(packed, xs, info, P);
    rt.f32(dyPtr, P * outChannels).set(backend.typedArrayFromHeap(dy));
    rt.kernels.gemm(Q, outChannels, P, pa, dyPtr, outChannels * 4, 32, out, outChannels, scratch);
    const result = backend.makeOutput([...attrs.filterShape], 'float32');
    backend.typedArrayFromHeap(result).set(rt.f32(out, Q * outChannels));
    return result;
  } finally {
    rt.release(mark);
  }
}

/** Registers the kernel for the wasm backend unless one is already there; returns whether it registered. */
export function registerWasmConvFilterGrad(): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return false;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: filterGrad as unknown as tf.KernelFunc });
  return true;
}
