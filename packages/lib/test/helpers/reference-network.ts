/**
 * A plain JavaScript (float64) forward pass and loss of a ModelSpec with tfjs-layout weights, written straight from
 * the layer definitions with no lowering to GEMMs: the reference the wasm trainer's outputs and gradients are
 * checked against (numerical gradients by central differences). Test use only.
 */
import { type Activation, type ModelSpec, pair, resolveLayers, samePadding, sizeOf } from '../../src/backend/model-spec.js';

function activate(v: Float64Array, activation: Activation, width: number): void {
  for (let i = 0; i < v.length; i++) {
    const z = v[i] as number;
    if (activation === 'relu') v[i] = Math.max(0, z);
    else if (activation === 'sigmoid') v[i] = 1 / (1 + Math.exp(-z));
    else if (activation === 'tanh') v[i] = Math.tanh(z);
  }
  if (activation !== 'softmax') return;
  for (let base = 0; base < v.length; base += width) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, v[base + j] as number);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += Math.exp((v[base + j] as number) - max);
    for (let j = 0; j < width; j++) v[base + j] = Math.exp((v[base + j] as number) - max) / sum;
  }
}

/** Outputs of the model for n samples (dropout is the identity, as at inference). */
export function referenceForward(spec: ModelSpec, weights: readonly ArrayLike<number>[], x: ArrayLike<number>, n: number): Float64Array {
  let data = Float64Array.from(x);
  let w = 0;
  for (const layer of resolveLayers(spec)) {
    const l = layer.spec;
    const out = new Float64Array(n * sizeOf(layer.outputShape));
    if (l.type === 'dense') {
      const [I, O] = [layer.inputShape[0] as number, l.units];
      const kernel = weights[w++] as ArrayLike<number>;
      const bias = l.useBias === false ? undefined : (weights[w++] as ArrayLike<number>);
      for (let r = 0; r < n; r++)
        for (let j = 0; j < O; j++) {
          let s = bias ? (bias[j] as number) : 0;
          for (let i = 0; i < I; i++) s += (data[r * I + i] as number) * (kernel[i * O + j] as number);
          out[r * O + j] = s;
        }
      activate(out, l.activation ?? 'linear', O);
    } else if (l.type === 'conv2d' || l.type === 'maxPooling2d') {
      const [H, W, C] = layer.inputShape as [number, number, number];
      const [OH, OW, CO] = layer.outputShape as [number, number, number];
      const [KH, KW] = l.type === 'conv2d' ? pair(l.kernelSize) : pair(l.poolSize ?? 2);
      const [sh, sw] = l.type === 'conv2d' ? pair(l.strides ?? 1) : pair(l.strides ?? l.poolSize ?? 2);
      const same = (l.padding ?? 'valid') === 'same';
      const top = same ? samePadding(H, KH, sh)[0] : 0;
      const left = same ? samePadding(W, KW, sw)[0] : 0;
      const kernel = l.type === 'conv2d' ? (weights[w++] as ArrayLike<number>) : undefined;
      const bias = l.type === 'conv2d' && l.useBias !== false ? (weights[w++] as ArrayLike<number>) : undefined;
      for (let b = 0; b < n; b++)
        for (let oy = 0; oy < OH; oy++)
          for (let ox = 0; ox < OW; ox++)
            for (let co = 0; co < CO; co++) {
              let s = kernel ? (bias ? (bias[co] as number) : 0) : -Infinity;
              for (let kh = 0; kh < KH; kh++)
                for (let kw = 0; kw < KW; kw++) {
                  const [iy, ix] = [oy * sh + kh - top, ox * sw + kw - left];
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  if (kernel === undefined) {
                    s = Math.max(s, data[((b * H + iy) * W + ix) * C + co] as number);
                    continue;
                  }
                  for (let ci = 0; ci < C; ci++) s += (data[((b * H + iy) * W + ix) * C + ci] as number) * (kernel[((kh * KW + kw) * C + ci) * CO + co] as number);
                }
              out[((b * OH + oy) * OW + ox) * CO + co] = s;
            }
      if (l.type === 'conv2d') activate(out, l.activation ?? 'linear', CO);
    } else if (l.type === 'flatten' || l.type === 'dropout') {
      out.set(data);
    } else {
      throw new Error(`referenceForward: ${l.type} is not modelled`);
    }
    data = out;
  }
  return data;
}

/** Mean softmax cross-entropy (on probabilities after a softmax last layer, else on logits). */
export function referenceLoss(spec: ModelSpec, weights: readonly ArrayLike<number>[], x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  const out = referenceForward(spec, weights, x, n);
  const classes = out.length / n;
  const last = spec.layers[spec.layers.length - 1];
  const probabilities = last?.type === 'dense' && last.activation === 'softmax';
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const row = out.subarray(r * classes, (r + 1) * classes);
    const label = y[r] as number;
    if (probabilities) {
      loss -= Math.log(row[label] as number);
      continue;
    }
    const max = Math.max(...row);
    loss -= (row[label] as number) - max - Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  }
  return loss / n;
}

/** d loss / d weight for every weight, by central differences of referenceLoss (step h). */
export function numericalGradients(spec: ModelSpec, weights: readonly ArrayLike<number>[], x: ArrayLike<number>, y: ArrayLike<number>, n: number, h = 1e-4): Float64Array[] {
  const w = weights.map((t) => Float64Array.from(t));
  return w.map((tensor) => {
    const g = new Float64Array(tensor.length);
    for (let i = 0; i < tensor.length; i++) {
      const keep = tensor[i] as number;
      tensor[i] = keep + h;
      const up = referenceLoss(spec, w, x, y, n);
      tensor[i] = keep - h;
      const down = referenceLoss(spec, w, x, y, n);
      tensor[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  });
}
