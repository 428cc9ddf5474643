/**
 * What every layer of the wasm trainer implements, and what they share. A layer works on buffers in the
 * runtime's WebAssembly memory (byte addresses); a batch is `rows` samples of its input shape, row-major (images
 * NHWC, as in tfjs), so flatten changes nothing in memory.
 */
import type { KernelRuntime } from '../wasm/runtime.js';

/** A trainable tensor in tfjs layout and naming, with its gradient and Adam moments next to it. */
export interface Param {
  /** tfjs weight name: `<layer>/kernel` or `<layer>/bias`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  readonly w: number;
  readonly g: number;
  readonly m: number;
  readonly v: number;
  /** Glorot-uniform fans for kernels (tfjs's default initialiser); biases start at zero. */
  readonly init: { fanIn: number; fanOut: number } | 'zeros';
}

/**
 * Buffers every layer borrows during one call (sized for the largest user at workspace allocation): the GEMM
 * packing panels, the 4x8 tile for edge tiles, and a row of zeros standing in for an absent bias.
 */
export interface SharedBuffers {
  packA: number;
  packB: number;
  tile: number;
  zeros: number;
}

export interface LayerContext {
  readonly rt: KernelRuntime;
  readonly shared: SharedBuffers;
}

/** Floats a layer needs in the shared buffers for a batch of `rows`. */
export interface ScratchNeeds {
  packA: number;
  packB: number;
  zeros: number;
}

/** Floats kept readable past every activation and gradient buffer: the GEMMs read up to 7 past a row's end. */
export const SLACK_FLOATS = 16;

export interface Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly params: readonly Param[];
  scratchNeeds(rows: number): ScratchNeeds;
  /** Lays out this layer's own per-batch buffers (after the runtime's workspace mark). */
  allocate(rows: number): void;
  /** Runs the layer on `rows` samples at `input`; returns where its output is (its own buffer, or `input`). */
  forward(rows: number, input: number, training: boolean, random: () => number): number;
  /**
   * Given dOut (the loss gradient at this layer's output, which the layer may overwrite), accumulates nothing:
   * writes the parameter gradients, and the input gradient to `dIn` when one is asked for. Returns where the input
   * gradient is (`dIn`, or `dOut` for layers that work in place), or undefined when none was asked for.
   */
  backward(rows: number, input: number, output: number, dOut: number, dIn: number | undefined): number | undefined;
}

/** Allocates a parameter (value, gradient, moments), each with GEMM slack. */
export function allocateParam(rt: KernelRuntime, name: string, shape: readonly number[], init: Param['init']): Param {
  const size = shape.reduce((a, b) => a * b, 1);
  const alloc = (): number => rt.alloc(size + SLACK_FLOATS);
  return { name, shape, size, w: alloc(), g: alloc(), m: alloc(), v: alloc(), init };
}

export const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
export const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
