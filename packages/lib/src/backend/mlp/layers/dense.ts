/**
 * A dense layer: out = act(in · W + b), W [in x out] (tfjs layout). Forward packs the batch into 4-row panels and
 * reads W in place; the weight gradient inᵀ·dZ reads the batch in place as its transpose (gemm_s); the input
 * gradient dZ·Wᵀ packs both operands.
 */
import type { Activation } from '../../model-spec.js';
import { activationBackward, biasActivation } from './activation.js';
import { type Layer, type LayerContext, type Param, type ScratchNeeds, SLACK_FLOATS, allocateParam, pad4, pad8 } from './types.js';

export class DenseLayer implements Layer {
  readonly params: Param[];
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private readonly kernel: Param;
  private readonly bias: Param | undefined;
  private out = 0;

  constructor(
    private readonly ctx: LayerContext,
    readonly name: string,
    private readonly inSize: number,
    private readonly outSize: number,
    private readonly activation: Activation,
    useBias: boolean,
  ) {
    this.inputShape = [inSize];
    this.outputShape = [outSize];
    this.kernel = allocateParam(ctx.rt, `${name}/kernel`, [inSize, outSize], { fanIn: inSize, fanOut: outSize });
    this.bias = useBias ? allocateParam(ctx.rt, `${name}/bias`, [outSize], 'zeros') : undefined;
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  scratchNeeds(rows: number): ScratchNeeds {
    // forward: A = input [rows x in]; input gradient: A = dZ [rows x out], B = Wᵀ [out x in]
    return { packA: Math.max(pad4(rows) * this.inSize, pad4(rows) * this.outSize), packB: pad8(this.inSize) * this.outSize, zeros: this.outSize };
  }

  allocate(rows: number): void {
    this.out = this.ctx.rt.alloc(rows * this.outSize + SLACK_FLOATS);
  }

  forward(rows: number, input: number): number {
    const { rt, shared } = this.ctx;
    const k = rt.kernels;
    k.pack_a(rows, this.inSize, input, this.inSize, 1, shared.packA);
    k.gemm(rows, this.outSize, this.inSize, shared.packA, this.kernel.w, this.outSize * 4, 32, this.out, this.outSize, shared.tile);
    biasActivation(rt, this.activation, rows, this.outSize, this.out, this.bias?.w ?? shared.zeros);
    return this.out;
  }

  backward(rows: number, input: number, output: number, dOut: number, dIn: number | undefined): number | undefined {
    const { rt, shared } = this.ctx;
    const k = rt.kernels;
    const [I, O] = [this.inSize, this.outSize];
    activationBackward(rt, this.activation, rows * O, dOut, output);
    // dW = inputᵀ · dZ  [in x out], the batch read in place as its transpose
    k.gemm_s(I, O, rows, input, I * 4, 16, dOut, O * 4, 32, this.kernel.g, O, shared.tile);
    if (this.bias) k.col_sum(rows, O, dOut, this.bias.g);
    if (dIn === undefined) return undefined;
    // dInput = dZ · Wᵀ  [rows x in]
    k.pack_a(rows, O, dOut, O, 1, shared.packA);
    k.pack_b(O, I, this.kernel.w, 1, O, shared.packB);
    k.gemm(rows, I, O, shared.packA, shared.packB, 32, O * 32, dIn, I, shared.tile);
    return dIn;
  }
}
