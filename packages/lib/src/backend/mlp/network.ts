/**
 * A sequential network living in WebAssembly memory (dense, conv2d, max pooling, dropout and flatten layers):
 * forward pass, softmax cross-entropy backward pass and the optimizer step, with the heavy work in the SIMD
 * kernels of ./wasm. Weights use tfjs layouts and names (dense kernel [in, out], conv kernel HWIO, NHWC data), so
 * they move freely between this and the tfjs estimator and export through the same ONNX exporter.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { type ModelSpec, finalActivation, outputShapeOf, sizeOf } from '../model-spec.js';
import type { OptimizerName } from '../train-options.js';
import type { Layer, Param, SharedBuffers } from './layers/types.js';
import { SLACK_FLOATS } from './layers/types.js';
import { softmaxCrossEntropy } from './loss.js';
import { buildLayers, planLayers } from './plan.js';
import { KernelRuntime } from './wasm/runtime.js';

export { MlpSpecError, mlpSupports } from './plan.js';

/** Per-batch-size buffers, laid out after the parameters. */
interface Workspace {
  batch: number;
  input: number;
  /** Two gradient buffers the backward pass alternates between, each as large as the largest activation. */
  grads: [number, number];
  /** Where each layer read its input and wrote its output in the last forward pass. */
  inputs: number[];
  outputs: number[];
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

export class WasmNetwork {
  readonly layers: Layer[];
  readonly params: Param[];
  readonly inputSize: number;
  readonly outputShape: readonly number[];
  readonly outputSize: number;
  private readonly rt = new KernelRuntime();
  private readonly shared: SharedBuffers = { packA: 0, packB: 0, tile: 0, zeros: 0 };
  /** Layers before this one have no parameters: the backward pass stops there. */
  private readonly firstTrainable: number;
  private readonly workspaceMark: number;
  private workspace: Workspace | undefined;
  private adamStep = 0;

  constructor(readonly spec: ModelSpec) {
    this.layers = buildLayers({ rt: this.rt, shared: this.shared }, planLayers(spec));
    this.params = this.layers.flatMap((l) => l.params);
    this.firstTrainable = this.layers.findIndex((l) => l.params.length > 0);
    this.inputSize = sizeOf(spec.inputShape);
    this.outputShape = outputShapeOf(spec);
    this.outputSize = sizeOf(this.outputShape);
    this.workspaceMark = this.rt.mark();
  }

  /** Glorot-uniform kernels and zero biases (the tfjs defaults). */
  initialise(random: () => number): void {
    for (const p of this.params) {
      const w = this.rt.f32(p.w, p.size);
      if (p.init === 'zeros') {
        w.fill(0);
        continue;
      }
      const limit = Math.sqrt(6 / (p.init.fanIn + p.init.fanOut));
      for (let i = 0; i < w.length; i++) w[i] = (random() * 2 - 1) * limit;
    }
    this.resetOptimizer();
  }

  /** Forgets Adam's moments and step count. */
  resetOptimizer(): void {
    // Only Adam writes the moments, and it counts its steps: before its first step they are still the fresh
    // memory's zeros (clearing them anyway touched megabytes for every estimator built only to load a model).
    if (this.adamStep === 0) return;
    for (const p of this.params) {
      this.rt.f32(p.m, p.size).fill(0);
      this.rt.f32(p.v, p.size).fill(0);
    }
    this.adamStep = 0;
  }

  getWeights(): WeightTensor[] {
    return this.params.map((p) => ({ name: p.name, shape: [...p.shape], data: this.rt.f32(p.w, p.size).slice() }));
  }

  /** The parameter gradients of the last training step (before the optimizer applied them), in getWeights order. */
  gradients(): WeightTensor[] {
    return this.params.map((p) => ({ name: p.name, shape: [...p.shape], data: this.rt.f32(p.g, p.size).slice() }));
  }

  /** Copies weights in (shapes already checked against the spec). */
  setWeights(weights: readonly WeightTensor[]): void {
    this.params.forEach((p, i) => this.rt.f32(p.w, p.size).set((weights[i] as WeightTensor).data));
  }

  private ensureWorkspace(batch: number): Workspace {
    if (this.workspace && this.workspace.batch >= batch) return this.workspace;
    this.rt.release(this.workspaceMark);
    const needs = { packA: 0, packB: 0, zeros: 0 };
    let widest = 0;
    for (const l of this.layers) {
      const n = l.scratchNeeds(batch);
      needs.packA = Math.max(needs.packA, n.packA);
      needs.packB = Math.max(needs.packB, n.packB);
      needs.zeros = Math.max(needs.zeros, n.zeros);
      widest = Math.max(widest, sizeOf(l.outputShape));
    }
    const input = this.rt.alloc(batch * this.inputSize + SLACK_FLOATS);
    for (const l of this.layers) l.allocate(batch);
    this.shared.packA = this.rt.alloc(needs.packA);
    this.shared.packB = this.rt.alloc(needs.packB);
    this.shared.tile = this.rt.alloc(32);
    this.shared.zeros = this.rt.alloc(needs.zeros);
    const grads: [number, number] = [this.rt.alloc(batch * widest + SLACK_FLOATS), this.rt.alloc(batch * widest + SLACK_FLOATS)];
    this.rt.f32(this.shared.zeros, needs.zeros).fill(0);
    this.workspace = { batch, input, grads, inputs: [], outputs: [] };
    return this.workspace;
  }

  /** Runs the layers on the `rows` samples already in the input buffer; returns the output buffer address. */
  private forward(ws: Workspace, rows: number, training: boolean, random: () => number): number {
    let at = ws.input;
    this.layers.forEach((l, i) => {
      ws.inputs[i] = at;
      at = l.forward(rows, at, training, random);
      ws.outputs[i] = at;
    });
    return at;
  }

  /** Outputs for a batch of samples (n x inputSize), computed `batch` rows at a time. */
  predict(x: Float32Array, n: number, batch: number): Float32Array {
    const ws = this.ensureWorkspace(Math.min(batch, Math.max(n, 1)));
    const out = new Float32Array(n * this.outputSize);
    for (let start = 0; start < n; start += ws.batch) {
      const rows = Math.min(ws.batch, n - start);
      this.rt.f32(ws.input, rows * this.inputSize).set(x.subarray(start * this.inputSize, (start + rows) * this.inputSize));
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
    if (this.outputShape.length !== 1) throw new Error(`the model's output shape [${this.outputShape.join(', ')}] is not a class vector; add flatten and dense layers`);
    const rows = indices.length;
    const ws = this.ensureWorkspace(rows);
    const inputView = this.rt.f32(ws.input, rows * this.inputSize);
    for (let r = 0; r < rows; r++) {
      const s = (indices[r] as number) * this.inputSize;
      inputView.set(x.subarray(s, s + this.inputSize), r * this.inputSize);
    }
    const outPtr = this.forward(ws, rows, true, random);
    const classes = this.outputSize;
    let [grad, other] = ws.grads;
    const kind = finalActivation(this.spec) === 'softmax' ? 'probabilities' : 'logits';
    const step = softmaxCrossEntropy(this.rt.f32(outPtr, rows * classes), y, indices, classes, kind, this.rt.f32(grad, rows * classes));
    for (let i = this.layers.length - 1; i >= this.firstTrainable; i--) {
      const needInput = i > this.firstTrainable;
      const at = (this.layers[i] as Layer).backward(rows, ws.inputs[i] as number, ws.outputs[i] as number, grad, needInput ? other : undefined);
      if (at === other) [grad, other] = [other, grad];
    }
    this.applyGradients(optimizer);
    return step;
  }

  private applyGradients(optimizer: { name: OptimizerName; learningRate: number }): void {
    const k = this.rt.kernels;
    const lr = optimizer.learningRate;
    if (optimizer.name === 'sgd') {
      for (const p of this.params) k.sgd(p.size, p.w, p.g, lr);
      return;
    }
    this.adamStep++;
    const c1 = 1 / (1 - ADAM.beta1 ** this.adamStep);
    const c2 = 1 / (1 - ADAM.beta2 ** this.adamStep);
    for (const p of this.params) k.adam(p.size, p.w, p.g, p.m, p.v, lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon, c1, c2);
  }
}
