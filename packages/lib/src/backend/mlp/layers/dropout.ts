/**
 * Dropout (inverted, as in tfjs: kept values scaled by 1/(1-rate) while training, identity at inference) and
 * flatten (NHWC rows are already flat in memory: only the shape changes).
 */
import { type Layer, type LayerContext, type ScratchNeeds, SLACK_FLOATS } from './types.js';

const NO_SCRATCH: ScratchNeeds = { packA: 0, packB: 0, zeros: 0 };

export class DropoutLayer implements Layer {
  readonly params = [];
  readonly outputShape: readonly number[];
  private readonly size: number;
  private out = 0;
  private mask = new Float32Array(0);

  constructor(
    private readonly ctx: LayerContext,
    readonly name: string,
    readonly inputShape: readonly number[],
    private readonly rate: number,
  ) {
    this.outputShape = inputShape;
    this.size = inputShape.reduce((a, b) => a * b, 1);
  }

  scratchNeeds(): ScratchNeeds {
    return NO_SCRATCH;
  }

  allocate(rows: number): void {
    this.out = this.ctx.rt.alloc(rows * this.size + SLACK_FLOATS);
    this.mask = new Float32Array(rows * this.size);
  }

  forward(rows: number, input: number, training: boolean, random: () => number): number {
    if (!training) return input;
    const n = rows * this.size;
    const keep = 1 / (1 - this.rate);
    const mask = this.mask;
    for (let j = 0; j < n; j++) mask[j] = random() < this.rate ? 0 : keep;
    const x = this.ctx.rt.f32(input, n);
    const out = this.ctx.rt.f32(this.out, n);
    for (let j = 0; j < n; j++) out[j] = (x[j] as number) * (mask[j] as number);
    return this.out;
  }

  backward(rows: number, _input: number, _output: number, dOut: number, dIn: number | undefined): number | undefined {
    if (dIn === undefined) return undefined;
    const d = this.ctx.rt.f32(dOut, rows * this.size);
    for (let j = 0; j < d.length; j++) d[j] = (d[j] as number) * (this.mask[j] as number);
    return dOut;
  }
}

export class FlattenLayer implements Layer {
  readonly params = [];
  readonly outputShape: readonly number[];

  constructor(
    readonly name: string,
    readonly inputShape: readonly number[],
  ) {
    this.outputShape = [inputShape.reduce((a, b) => a * b, 1)];
  }

  scratchNeeds(): ScratchNeeds {
    return NO_SCRATCH;
  }

  allocate(): void {}

  forward(_rows: number, input: number): number {
    return input;
  }

  backward(_rows: number, _input: number, _output: number, dOut: number, dIn: number | undefined): number | undefined {
    return dIn === undefined ? undefined : dOut;
  }
}
