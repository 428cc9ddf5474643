/**
 * A dense network living in WebAssembly memory: forward pass, softmax cross-entropy backward pass and the
 * optimizer step, with the heavy work in the SIMD kernels of ./wasm. Layout follows tfjs (kernel [in, out]), so
 * weights move freely between this and the tfjs estimator and export through the same ONNX exporter.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { type Activation, type ModelSpec, layerName, sizeOf } from '../model-spec.js';
import type { OptimizerName } from '../train-options.js';
import { KernelRuntime } from './wasm/runtime.js';

export class MlpSpecError extends Error {
  override name = 'MlpSpecError';
}

interface DenseLayer {
  readonly name: string;
  readonly inSize: number;
  readonly outSize: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  /** Dropout rates applied, in order, to this layer's output while training. */
  readonly dropoutAfter: number[];
  // parameter buffers (byte addresses), allocated once
  readonly w: number;
  readonly b: number;
  readonly gw: number;
  readonly gb: number;
  readonly mw: number;
  readonly vw: number;
  readonly mb: number;
  readonly vb: number;
}

/** Per-batch-size buffers, laid out after the parameters. */
interface Workspace {
  batch: number;
  /** acts[0] is the input batch; acts[l] the output of dense layer l (after its activation). */
  acts: number[];
  /** After dropout, where a layer has any: the next layer's input. */
  dropped: (number | undefined)[];
  masks: (Float32Array | undefined)[];
  grad: [number, number];
  packA: number;
  packB: number;
  scratch: number;
  zeros: number;
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Reads which dense layers a spec describes; throws for layers this backend does not train. */
export function describeLayers(spec: ModelSpec): Omit<DenseLayer, 'w' | 'b' | 'gw' | 'gb' | 'mw' | 'vw' | 'mb' | 'vb'>[] {
  let width = sizeOf(spec.inputShape);
  const layers: Omit<DenseLayer, 'w' | 'b' | 'gw' | 'gb' | 'mw' | 'vw' | 'mb' | 'vb'>[] = [];
  const inputDropout: number[] = [];
  spec.layers.forEach((layer, i) => {
    switch (layer.type) {
      case 'dense': {
        const activation = layer.activation ?? 'linear';
        if (activation === 'softmax' && i !== spec.layers.length - 1) {
          throw new MlpSpecError(`spec.layers[${i}]: the mlp backend supports softmax on the last layer only`);
        }
        layers.push({ name: layerName(layer, i), inSize: width, outSize: layer.units, activation, useBias: layer.useBias !== false, dropoutAfter: [] });
        width = layer.units;
        break;
      }
      case 'dropout':
        (layers.length === 0 ? inputDropout : (layers[layers.length - 1] as DenseLayer).dropoutAfter).push(layer.rate);
        break;
      case 'flatten':
        if (layers.length > 0) throw new MlpSpecError(`spec.layers[${i}]: flatten after a dense layer is meaningless here`);
        break;
      default:
        throw new MlpSpecError(`spec.layers[${i}]: the mlp backend trains dense, dropout and flatten layers only; use the tfjs backend for ${layer.type}`);
    }
  });
  if (layers.length === 0) throw new MlpSpecError('spec has no dense layer');
  if (inputDropout.length > 0) throw new MlpSpecError('spec: dropout before the first dense layer is not supported by the mlp backend');
  return layers;
}

/** Whether the mlp backend can train this spec (dense/dropout/flatten only, softmax last). */
export function mlpSupports(spec: ModelSpec): boolean {
  try {
    describeLayers(spec);
    return true;
  } catch {
    return false;
  }
}

export class DenseNetwork {
  readonly layers: DenseLayer[];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly rt = new KernelRuntime();
  private readonly workspaceMark: number;
  private workspace: Workspace | undefined;
  private adamStep = 0;

  constructor(readonly spec: ModelSpec) {
    const described = describeLayers(spec);
    this.layers = described.map((l) => {
      const nw = l.inSize * l.outSize;
      const nb = l.outSize;
      return {
        ...l,
        w: this.rt.alloc(nw),
        b: this.rt.alloc(nb),
        gw: this.rt.alloc(nw),
        gb: this.rt.alloc(nb),
        mw: this.rt.alloc(nw),
        vw: this.rt.alloc(nw),
        mb: this.rt.alloc(nb),
        vb: this.rt.alloc(nb),
      };
    });
    this.inputSize = sizeOf(spec.inputShape);
    this.outputSize = (this.layers[this.layers.length - 1] as DenseLayer).outSize;
    this.workspaceMark = this.rt.mark();
  }

  /** Glorot-uniform kernels and zero biases (the tfjs defaults). */
  initialise(random: () => number): void {
    for (const l of this.layers) {
      const limit = Math.sqrt(6 / (l.inSize + l.outSize));
      const w = this.rt.f32(l.w, l.inSize * l.outSize);
      for (let i = 0; i < w.length; i++) w[i] = (random() * 2 - 1) * limit;
      this.rt.f32(l.b, l.outSize).fill(0);
    }
    this.resetOptimizer();
  }

  /** Forgets Adam's moments and step count. */
  resetOptimizer(): void {
    // Only Adam writes the moments, and it counts its steps: before its first step they are still the fresh
    // memory's zeros (clearing them anyway touched megabytes for every estimator built only to load a model).
    if (this.adamStep === 0) return;
    for (const l of this.layers) {
      this.rt.f32(l.mw, l.inSize * l.outSize).fill(0);
      this.rt.f32(l.vw, l.inSize * l.outSize).fill(0);
      this.rt.f32(l.mb, l.outSize).fill(0);
      this.rt.f32(l.vb, l.outSize).fill(0);
    }
    this.adamStep = 0;
  }

  getWeights(): WeightTensor[] {
    return this.layers.flatMap((l) => {
      const out: WeightTensor[] = [{ name: `${l.name}/kernel`, shape: [l.inSize, l.outSize], data: this.rt.f32(l.w, l.inSize * l.outSize).slice() }];
      if (l.useBias) out.push({ name: `${l.name}/bias`, shape: [l.outSize], data: this.rt.f32(l.b, l.outSize).slice() });
      return out;
    });
  }

  /** Copies weights in (shapes already checked against the spec). */
  setWeights(weights: readonly WeightTensor[]): void {
    let i = 0;
    for (const l of this.layers) {
      this.rt.f32(l.w, l.inSize * l.outSize).set((weights[i++] as WeightTensor).data);
      if (l.useBias) this.rt.f32(l.b, l.outSize).set((weights[i++] as WeightTensor).data);
    }
  }

  private ensureWorkspace(batch: number): Workspace {
    if (this.workspace && this.workspace.batch >= batch) return this.workspace;
    this.rt.release(this.workspaceMark);
    const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
    const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
    let packA = 0;
    let packB = 0;
    let maxWidth = this.inputSize;
    for (const l of this.layers) {
      // forward: A = input batch [batch x in]; weight gradient: A = inputᵀ [in x batch]; input gradient: A = dZ [batch x out]
      packA = Math.max(packA, pad4(batch) * l.inSize, pad4(l.inSize) * batch, pad4(batch) * l.outSize);
      // input gradient: B = Wᵀ [out x in]
      packB = Math.max(packB, pad8(l.inSize) * l.outSize);
      maxWidth = Math.max(maxWidth, l.outSize);
    }
    const acts = [this.rt.alloc(batch * this.inputSize), ...this.layers.map((l) => this.rt.alloc(batch * l.outSize))];
    const dropped = this.layers.map((l) => (l.dropoutAfter.length > 0 ? this.rt.alloc(batch * l.outSize) : undefined));
    this.workspace = {
      batch,
      acts,
      dropped,
      masks: this.layers.map((l) => (l.dropoutAfter.length > 0 ? new Float32Array(batch * l.outSize) : undefined)),
      grad: [this.rt.alloc(batch * maxWidth), this.rt.alloc(batch * maxWidth)],
      packA: this.rt.alloc(packA),
      packB: this.rt.alloc(packB),
      scratch: this.rt.alloc(32),
      zeros: this.rt.alloc(maxWidth),
    };
    this.rt.f32(this.workspace.zeros, maxWidth).fill(0);
    return this.workspace;
  }

  /** Input of dense layer l (0-based): the batch, or the previous layer's output after its dropout. */
  private inputOf(ws: Workspace, l: number): number {
    return l === 0 ? (ws.acts[0] as number) : (ws.dropped[l - 1] ?? (ws.acts[l] as number));
  }

  /** Runs the layers on the `rows` samples already in the input buffer; returns the output buffer address. */
  private forward(ws: Workspace, rows: number, training: boolean, random: () => number): number {
    const k = this.rt.kernels;
    this.layers.forEach((l, i) => {
      const input = this.inputOf(ws, i);
      const out = ws.acts[i + 1] as number;
      k.pack_a(rows, l.inSize, input, l.inSize, 1, ws.packA);
      k.gemm(rows, l.outSize, l.inSize, ws.packA, l.w, l.outSize * 4, 32, out, l.outSize, ws.scratch);
      k.bias_act(rows, l.outSize, out, l.useBias ? l.b : ws.zeros, l.activation === 'relu' ? 1 : 0);
      const view = this.rt.f32(out, rows * l.outSize);
      if (l.activation === 'sigmoid') for (let j = 0; j < view.length; j++) view[j] = 1 / (1 + Math.exp(-(view[j] as number)));
      else if (l.activation === 'tanh') for (let j = 0; j < view.length; j++) view[j] = Math.tanh(view[j] as number);
      else if (l.activation === 'softmax') softmaxRows(view, rows, l.outSize);
      const dropped = ws.dropped[i];
      if (dropped !== undefined) {
        const target = this.rt.f32(dropped, rows * l.outSize);
        const mask = ws.masks[i] as Float32Array;
        if (training) {
          mask.fill(1, 0, rows * l.outSize);
          for (const rate of l.dropoutAfter) {
            const keep = 1 / (1 - rate);
            for (let j = 0; j < rows * l.outSize; j++) mask[j] = random() < rate ? 0 : (mask[j] as number) * keep;
          }
          for (let j = 0; j < target.length; j++) target[j] = (view[j] as number) * (mask[j] as number);
        } else {
          target.set(view);
        }
      }
    });
    return ws.acts[this.layers.length] as number;
  }

  /** Outputs for a batch of samples (n x inputSize), computed `batch` rows at a time. */
  predict(x: Float32Array, n: number, batch: number): Float32Array {
    const ws = this.ensureWorkspace(Math.min(batch, Math.max(n, 1)));
    const out = new Float32Array(n * this.outputSize);
    for (let start = 0; start < n; start += ws.batch) {
      const rows = Math.min(ws.batch, n - start);
      this.rt.f32(ws.acts[0] as number, rows * this.inputSize).set(x.subarray(start * this.inputSize, (start + rows) * this.inputSize));
      const result = this.forward(ws, rows, false, Math.random);
      out.set(this.rt.f32(result, rows * this.outputSize), start * this.outputSize);
    }
    return out;
  }

  /**
   * One optimisation step on the samples `indices` of x (row-major, inputSize floats each) with labels y.
   * The loss is softmax cross-entropy: on probabilities when the last layer is softmax, otherwise on the outputs
   * taken as logits. Returns the batch's mean loss and its number of correct predictions.
   */
  trainStep(
    x: Float32Array,
    y: Int32Array,
    indices: Int32Array,
    optimizer: { name: OptimizerName; learningRate: number },
    random: () => number,
  ): { loss: number; correct: number } {
    const rows = indices.length;
    const ws = this.ensureWorkspace(rows);
    const k = this.rt.kernels;
    const inputView = this.rt.f32(ws.acts[0] as number, rows * this.inputSize);
    for (let r = 0; r < rows; r++) {
      const s = (indices[r] as number) * this.inputSize;
      inputView.set(x.subarray(s, s + this.inputSize), r * this.inputSize);
    }
    const outPtr = this.forward(ws, rows, true, random);
    const last = this.layers[this.layers.length - 1] as DenseLayer;
    const classes = last.outSize;
    const outputs = this.rt.f32(outPtr, rows * classes);
    let grad = ws.grad[0];
    let other = ws.grad[1];
    const dOut = this.rt.f32(grad, rows * classes);
    const { loss, correct } = lossGradient(outputs, y, indices, classes, last.activation, dOut);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i] as DenseLayer;
      const input = this.inputOf(ws, i);
      // dW = inputᵀ · dZ   [in x out], reduction over the batch
      k.pack_a(l.inSize, rows, input, 1, l.inSize, ws.packA);
      k.gemm(l.inSize, l.outSize, rows, ws.packA, grad, l.outSize * 4, 32, l.gw, l.outSize, ws.scratch);
      if (l.useBias) k.col_sum(rows, l.outSize, grad, l.gb);
      if (i === 0) break;
      // dInput = dZ · Wᵀ   [batch x in]
      k.pack_a(rows, l.outSize, grad, l.outSize, 1, ws.packA);
      k.pack_b(l.outSize, l.inSize, l.w, 1, l.outSize, ws.packB);
      const pbPanel = l.outSize * 32;
      k.gemm(rows, l.inSize, l.outSize, ws.packA, ws.packB, 32, pbPanel, other, l.inSize, ws.scratch);
      const prev = this.layers[i - 1] as DenseLayer;
      const d = this.rt.f32(other, rows * prev.outSize);
      const mask = ws.masks[i - 1];
      if (mask !== undefined) for (let j = 0; j < d.length; j++) d[j] = (d[j] as number) * (mask[j] as number);
      activationBackward(prev.activation, d, this.rt.f32(ws.acts[i] as number, rows * prev.outSize), () =>
        k.relu_backward(rows * prev.outSize, other, ws.acts[i] as number),
      );
      [grad, other] = [other, grad];
    }
    this.applyGradients(optimizer);
    return { loss, correct };
  }

  private applyGradients(optimizer: { name: OptimizerName; learningRate: number }): void {
    const k = this.rt.kernels;
    const lr = optimizer.learningRate;
    if (optimizer.name === 'sgd') {
      for (const l of this.layers) {
        k.sgd(l.inSize * l.outSize, l.w, l.gw, lr);
        if (l.useBias) k.sgd(l.outSize, l.b, l.gb, lr);
      }
      return;
    }
    this.adamStep++;
    const c1 = 1 / (1 - ADAM.beta1 ** this.adamStep);
    const c2 = 1 / (1 - ADAM.beta2 ** this.adamStep);
    for (const l of this.layers) {
      k.adam(l.inSize * l.outSize, l.w, l.gw, l.mw, l.vw, lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon, c1, c2);
      if (l.useBias) k.adam(l.outSize, l.b, l.gb, l.mb, l.vb, lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon, c1, c2);
    }
  }
}

function softmaxRows(v: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, v[base + j] as number);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp((v[base + j] as number) - max);
      v[base + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) v[base + j] = (v[base + j] as number) / sum;
  }
}

/**
 * Mean loss over the batch and its gradient with respect to the last layer's pre-activation, written to dZ.
 * Softmax output: dZ = (p - onehot) / n. Otherwise the outputs o are logits of a softmax cross-entropy:
 * dO = (softmax(o) - onehot) / n, then through the last activation.
 */
function lossGradient(
  out: Float32Array,
  y: Int32Array,
  indices: Int32Array,
  classes: number,
  activation: Activation,
  dZ: Float32Array,
): { loss: number; correct: number } {
  const rows = indices.length;
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[indices[r] as number] as number;
    const base = r * classes;
    let best = 0;
    for (let j = 1; j < classes; j++) if ((out[base + j] as number) > (out[base + best] as number)) best = j;
    if (best === label) correct++;
    if (activation === 'softmax') {
      loss -= Math.log(Math.min(1, Math.max(1e-7, out[base + label] as number)));
      for (let j = 0; j < classes; j++) dZ[base + j] = ((out[base + j] as number) - (j === label ? 1 : 0)) / rows;
      continue;
    }
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, out[base + j] as number);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp((out[base + j] as number) - max);
    loss -= (out[base + label] as number) - max - Math.log(sum);
    for (let j = 0; j < classes; j++) dZ[base + j] = (Math.exp((out[base + j] as number) - max) / sum - (j === label ? 1 : 0)) / rows;
  }
  activationBackward(activation === 'softmax' ? 'linear' : activation, dZ.subarray(0, rows * classes), out.subarray(0, rows * classes), () => {
    for (let j = 0; j < rows * classes; j++) if (!((out[j] as number) > 0)) dZ[j] = 0;
  });
  return { loss: loss / rows, correct };
}

/** d *= f'(z), written with the activation's output a = f(z). */
function activationBackward(activation: Activation, d: Float32Array, a: Float32Array, relu: () => void): void {
  switch (activation) {
    case 'relu':
      return relu();
    case 'sigmoid':
      for (let j = 0; j < d.length; j++) d[j] = (d[j] as number) * (a[j] as number) * (1 - (a[j] as number));
      return;
    case 'tanh':
      for (let j = 0; j < d.length; j++) d[j] = (d[j] as number) * (1 - (a[j] as number) * (a[j] as number));
      return;
    case 'linear':
    case 'softmax':
      return;
  }
}
