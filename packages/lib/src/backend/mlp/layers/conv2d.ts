/**
 * A 2-D convolution (NHWC input, HWIO kernel as in tfjs, any stride, 'valid' or 'same' padding), lowered to GEMMs
 * over the im2col matrix col [P x Q], P = rows*OH*OW output pixels, Q = KH*KW*C taps:
 *   forward      out[P x CO] = col · W           (col packed into 4-row panels, W [Q x CO] read in place)
 *   weight grad  dW[Q x CO]  = colᵀ · dY         (both read in place: gemm_s, over chunks of rows that stay in
 *                                                 the L2 cache, summed: streaming all of col per column block
 *                                                 ran at half the GEMM's speed)
 *   input grad   dcol[P x Q] = dY · Wᵀ, then col2im adds dcol back onto the input pixels.
 * col is kept from the forward pass for the weight gradient and then reused for dcol.
 */
import type { Activation } from '../../model-spec.js';
import { activationBackward, biasActivation } from './activation.js';
import { type Layer, type LayerContext, type Param, type ScratchNeeds, SLACK_FLOATS, allocateParam, pad4, pad8 } from './types.js';

/** Sizes of one convolution or pooling window walk (input H x W x C, output OH x OW, window KH x KW). */
export interface WindowGeometry {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly OH: number;
  readonly OW: number;
  readonly KH: number;
  readonly KW: number;
  readonly sh: number;
  readonly sw: number;
  /** Padding rows above and columns left of the image ('same'), 0 for 'valid'. */
  readonly top: number;
  readonly left: number;
}

/** Bytes of col and dY rows one weight-gradient chunk reads (a chunk is re-read once per 8 output channels). */
const CHUNK_BYTES = 192 * 1024;

export class Conv2DLayer implements Layer {
  readonly params: Param[];
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly kernel: Param;
  private readonly bias: Param | undefined;
  private readonly Q: number;
  private col = 0;
  private out = 0;
  /** One chunk's partial weight gradient. */
  private partial = 0;

  constructor(
    private readonly ctx: LayerContext,
    readonly name: string,
    private readonly g: WindowGeometry,
    private readonly filters: number,
    private readonly activation: Activation,
    useBias: boolean,
  ) {
    this.inputShape = [g.H, g.W, g.C];
    this.outputShape = [g.OH, g.OW, filters];
    this.Q = g.KH * g.KW * g.C;
    this.kernel = allocateParam(ctx.rt, `${name}/kernel`, [g.KH, g.KW, g.C, filters], { fanIn: this.Q, fanOut: g.KH * g.KW * filters });
    this.bias = useBias ? allocateParam(ctx.rt, `${name}/bias`, [filters], 'zeros') : undefined;
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  private pixels(rows: number): number {
    return rows * this.g.OH * this.g.OW;
  }

  scratchNeeds(rows: number): ScratchNeeds {
    const P = this.pixels(rows);
    return { packA: pad4(P) * Math.max(this.Q, this.filters), packB: pad8(this.Q) * this.filters, zeros: this.filters };
  }

  allocate(rows: number): void {
    this.col = this.ctx.rt.alloc(this.pixels(rows) * this.Q + SLACK_FLOATS);
    this.out = this.ctx.rt.alloc(this.pixels(rows) * this.filters + SLACK_FLOATS);
    this.partial = this.ctx.rt.alloc(this.Q * this.filters);
  }

  private walk(kernel: 'im2col' | 'col2im', rows: number, image: number): void {
    const g = this.g;
    const [from, to] = kernel === 'im2col' ? [image, this.col] : [this.col, image];
    this.ctx.rt.kernels[kernel](from, to, rows, g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw, g.top, g.left);
  }

  forward(rows: number, input: number): number {
    const { rt, shared } = this.ctx;
    const k = rt.kernels;
    const [P, Q, CO] = [this.pixels(rows), this.Q, this.filters];
    this.walk('im2col', rows, input);
    k.pack_a(P, Q, this.col, Q, 1, shared.packA);
    k.gemm(P, CO, Q, shared.packA, this.kernel.w, CO * 4, 32, this.out, CO, shared.tile);
    biasActivation(rt, this.activation, P, CO, this.out, this.bias?.w ?? shared.zeros);
    return this.out;
  }

  backward(rows: number, _input: number, output: number, dOut: number, dIn: number | undefined): number | undefined {
    const { rt, shared } = this.ctx;
    const k = rt.kernels;
    const [P, Q, CO] = [this.pixels(rows), this.Q, this.filters];
    activationBackward(rt, this.activation, P * CO, dOut, output);
    // dW = colᵀ · dY  [Q x CO]: col's rows are the reduction, read in place as the transpose
    const chunk = Math.max(64, Math.floor(CHUNK_BYTES / ((Q + CO) * 4)));
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const target = p0 === 0 ? this.kernel.g : this.partial;
      k.gemm_s(Q, CO, Math.min(chunk, P - p0), this.col + p0 * Q * 4, Q * 4, 16, dOut + p0 * CO * 4, CO * 4, 32, target, CO, shared.tile);
      if (p0 > 0) k.add_into(Q * CO, this.kernel.g, this.partial);
    }
    if (this.bias) k.col_sum(P, CO, dOut, this.bias.g);
    if (dIn === undefined) return undefined;
    // dcol = dY · Wᵀ  [P x Q], into col (no longer needed), then scatter-added onto the input pixels
    k.pack_a(P, CO, dOut, CO, 1, shared.packA);
    k.pack_b(CO, Q, this.kernel.w, 1, CO, shared.packB);
    k.gemm(P, Q, CO, shared.packA, shared.packB, 32, CO * 32, this.col, Q, shared.tile);
    rt.f32(dIn, rows * this.g.H * this.g.W * this.g.C).fill(0);
    this.walk('col2im', rows, dIn);
    return dIn;
  }
}
