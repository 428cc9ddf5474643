/**
 * 2-D max pooling (NHWC, any window, stride and padding). The forward pass keeps the index of each window's first
 * maximum (tfjs's tie rule; the window_argmax SIMD kernel when the channels are a multiple of 4), reads the maxima
 * through it, and the backward pass routes each gradient to that index.
 */
import type { WindowGeometry } from './conv2d.js';
import { type Layer, type LayerContext, type ScratchNeeds, SLACK_FLOATS } from './types.js';

export class MaxPoolLayer implements Layer {
  readonly params = [];
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  private out = 0;
  private argmax = 0;

  constructor(
    private readonly ctx: LayerContext,
    readonly name: string,
    private readonly g: WindowGeometry,
  ) {
    this.inputShape = [g.H, g.W, g.C];
    this.outputShape = [g.OH, g.OW, g.C];
  }

  private outputs(rows: number): number {
    return rows * this.g.OH * this.g.OW * this.g.C;
  }

  scratchNeeds(): ScratchNeeds {
    return { packA: 0, packB: 0, zeros: 0 };
  }

  allocate(rows: number): void {
    this.out = this.ctx.rt.alloc(this.outputs(rows) + SLACK_FLOATS);
    this.argmax = this.ctx.rt.alloc(this.outputs(rows));
  }

  forward(rows: number, input: number): number {
    const { rt } = this.ctx;
    const g = this.g;
    if (g.C % 4 === 0) rt.kernels.window_argmax(input, this.argmax, rows, g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw, g.top, g.left);
    else this.argmaxInJs(rows, input);
    rt.kernels.gather(this.outputs(rows), input, this.argmax, this.out);
    return this.out;
  }

  /** The same indices as window_argmax, a channel at a time (channel counts that are not a multiple of 4). */
  private argmaxInJs(rows: number, input: number): void {
    const g = this.g;
    const x = this.ctx.rt.f32(input, rows * g.H * g.W * g.C);
    const at = this.ctx.rt.i32(this.argmax, this.outputs(rows));
    let o = 0;
    for (let b = 0; b < rows; b++) {
      for (let oy = 0; oy < g.OH; oy++) {
        const y0 = oy * g.sh - g.top;
        for (let ox = 0; ox < g.OW; ox++) {
          const x0 = ox * g.sw - g.left;
          for (let c = 0; c < g.C; c++, o++) {
            let best = -Infinity;
            let index = -1;
            for (let iy = Math.max(0, y0); iy < Math.min(g.H, y0 + g.KH); iy++) {
              for (let ix = Math.max(0, x0); ix < Math.min(g.W, x0 + g.KW); ix++) {
                const k = ((b * g.H + iy) * g.W + ix) * g.C + c;
                if ((x[k] as number) > best) {
                  best = x[k] as number;
                  index = k;
                }
              }
            }
            at[o] = index;
          }
        }
      }
    }
  }

  backward(rows: number, _input: number, _output: number, dOut: number, dIn: number | undefined): number | undefined {
    if (dIn === undefined) return undefined;
    const g = this.g;
    this.ctx.rt.f32(dIn, rows * g.H * g.W * g.C).fill(0);
    this.ctx.rt.kernels.scatter_add(this.outputs(rows), dOut, this.argmax, dIn);
    return dIn;
  }
}
