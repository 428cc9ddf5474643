/**
 * Exports a spec-described model with its weights (from the tfjs or mlp estimator, or any tfjs Sequential of
 * supported layers) to an ONNX file, opset 13.
 *
 * Layouts: the ONNX model takes the same input as the tfjs model (NHWC images), and gives the same output.
 * Inside, convolutions and pools run in NCHW (ONNX's layout): a Transpose goes in before the first of them, conv
 * kernels are turned from HWIO into OIHW, and before Flatten the data goes back to NHWC so the flattened order
 * (h, w, c) matches tfjs and the next dense kernel needs no permutation.
 */
import type { WeightTensor } from '../core/estimator.js';
import { writeModelFile } from '../backend/model-location.js';
import {
  type Activation,
  type ModelSpec,
  type ResolvedLayer,
  pair,
  resolveLayers,
  samePadding,
  validateModelSpec,
  weightShapes,
} from '../backend/model-spec.js';
import { DataType, type InitializerDef, type NodeDef, encodeModel } from './onnx-proto.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

export interface OnnxExportOptions {
  /** Graph input name (default 'input'). */
  inputName?: string;
  /** Graph output name (default 'output'). */
  outputName?: string;
  graphName?: string;
  /** A fixed batch size; by default the batch dimension is symbolic ('batch'). */
  batchSize?: number;
}

/** A model as the exporter sees it: a spec and its weights in spec order (tfjs layouts). */
export interface ExportableModel {
  spec: ModelSpec;
  weights: readonly WeightTensor[];
}

type Layout = 'flat' | 'nhwc' | 'nchw' | 'other';

/** Builds the graph node by node, tracking the current tensor name and its layout. */
class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly initializers: InitializerDef[] = [];
  current: string;
  layout: Layout;

  constructor(input: string, inputRank: number) {
    this.current = input;
    this.layout = inputRank === 1 ? 'flat' : inputRank === 3 ? 'nhwc' : 'other';
  }

  add(opType: string, name: string, extraInputs: readonly string[], attributes?: NodeDef['attributes']): void {
    const output = `${name}:out`;
    this.nodes.push({ opType, name, inputs: [this.current, ...extraInputs], outputs: [output], ...(attributes ? { attributes } : {}) });
    this.current = output;
  }

  initializer(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, data });
    return name;
  }

  toNchw(prefix: string): void {
    if (this.layout === 'nchw') return;
    if (this.layout !== 'nhwc') throw new Error(`${prefix}: convolution and pooling need an image input`);
    this.add('Transpose', `${prefix}/to_nchw`, [], { perm: { kind: 'ints', value: [0, 3, 1, 2] } });
    this.layout = 'nchw';
  }

  toNhwc(prefix: string): void {
    if (this.layout !== 'nchw') return;
    this.add('Transpose', `${prefix}/to_nhwc`, [], { perm: { kind: 'ints', value: [0, 2, 3, 1] } });
    this.layout = 'nhwc';
  }

  activation(prefix: string, activation: Activation): void {
    switch (activation) {
      case 'linear':
        return;
      case 'relu':
        return this.add('Relu', `${prefix}/relu`, []);
      case 'sigmoid':
        return this.add('Sigmoid', `${prefix}/sigmoid`, []);
      case 'tanh':
        return this.add('Tanh', `${prefix}/tanh`, []);
      case 'softmax':
        // tfjs applies softmax over the last axis, which is the channel axis (1) once the data is NCHW.
        return this.add('Softmax', `${prefix}/softmax`, [], { axis: { kind: 'int', value: this.layout === 'nchw' ? 1 : -1 } });
    }
  }
}

/** HWIO (tfjs conv kernel) to OIHW (ONNX Conv weight). */
function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const [h, w, i, o] = [kh as number, kw as number, ci as number, co as number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < i; c++)
        for (let f = 0; f < o; f++) out[((f * i + c) * h + y) * w + x] = data[((y * w + x) * i + c) * o + f] as number;
  return out;
}

/** ONNX pads [top, left, bottom, right] for a conv or pool window. */
function windowPads(layer: ResolvedLayer, kernel: [number, number], strides: [number, number], padding: 'valid' | 'same'): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const [h, w] = layer.inputShape as [number, number, number];
  const [top, bottom] = samePadding(h, kernel[0], strides[0]);
  const [left, right] = samePadding(w, kernel[1], strides[1]);
  return [top, left, bottom, right];
}

function checkWeights(model: ExportableModel): void {
  const expected = weightShapes(model.spec);
  if (model.weights.length !== expected.length) throw new Error(`export: ${model.weights.length} weight tensors given, the model has ${expected.length}`);
  expected.forEach((e, i) => {
    const w = model.weights[i] as WeightTensor;
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (w.shape.length !== e.shape.length || w.shape.some((d, k) => d !== e.shape[k]) || w.data.length !== size) {
      throw new Error(`export: weight ${i} (${w.name}) has shape [${w.shape.join(', ')}], ${e.name} needs [${e.shape.join(', ')}]`);
    }
  });
}

/** The bytes of an .onnx file computing the same function as the model. */
export function exportToOnnx(model: ExportableModel, options: OnnxExportOptions = {}): Uint8Array {
  const spec = validateModelSpec(model.spec);
  checkWeights({ spec, weights: model.weights });
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const batch: number | string = options.batchSize ?? 'batch';
  const layers = resolveLayers(spec);
  const g = new GraphBuilder(inputName, spec.inputShape.length);
  let w = 0;
  const nextWeight = (): WeightTensor => model.weights[w++] as WeightTensor;
  for (const layer of layers) {
    const s = layer.spec;
    const name = layer.name;
    switch (s.type) {
      case 'dense': {
        const kernel = nextWeight();
        const inputs = [g.initializer(`${name}/kernel`, kernel.shape, kernel.data)];
        if (s.useBias !== false) {
          const bias = nextWeight();
          inputs.push(g.initializer(`${name}/bias`, bias.shape, bias.data));
          g.add('Gemm', `${name}/gemm`, inputs);
        } else {
          g.add('MatMul', `${name}/matmul`, inputs);
        }
        g.activation(name, s.activation ?? 'linear');
        break;
      }
      case 'conv2d': {
        g.toNchw(name);
        const kernel = nextWeight();
        const [kh, kw, ci, co] = kernel.shape as [number, number, number, number];
        const inputs = [g.initializer(`${name}/kernel`, [co, ci, kh, kw], hwioToOihw(kernel.data, kernel.shape))];
        if (s.useBias !== false) {
          const bias = nextWeight();
          inputs.push(g.initializer(`${name}/bias`, bias.shape, bias.data));
        }
        const strides = pair(s.strides ?? 1);
        g.add('Conv', `${name}/conv`, inputs, {
          kernel_shape: { kind: 'ints', value: [kh, kw] },
          strides: { kind: 'ints', value: strides },
          pads: { kind: 'ints', value: windowPads(layer, [kh, kw], strides, s.padding ?? 'valid') },
          dilations: { kind: 'ints', value: [1, 1] },
          group: { kind: 'int', value: 1 },
        });
        g.activation(name, s.activation ?? 'linear');
        break;
      }
      case 'maxPooling2d':
      case 'averagePooling2d': {
        g.toNchw(name);
        const kernel = pair(s.poolSize ?? 2);
        const strides = pair(s.strides ?? s.poolSize ?? 2);
        const attributes: NodeDef['attributes'] = {
          kernel_shape: { kind: 'ints', value: kernel },
          strides: { kind: 'ints', value: strides },
          pads: { kind: 'ints', value: windowPads(layer, kernel, strides, s.padding ?? 'valid') },
          // tfjs averages over the real pixels only at the borders of a 'same' pool
          ...(s.type === 'averagePooling2d' ? { count_include_pad: { kind: 'int' as const, value: 0 } } : {}),
        };
        g.add(s.type === 'maxPooling2d' ? 'MaxPool' : 'AveragePool', `${name}/pool`, [], attributes);
        break;
      }
      case 'flatten':
        g.toNhwc(name);
        g.add('Flatten', `${name}/flatten`, [], { axis: { kind: 'int', value: 1 } });
        g.layout = 'flat';
        break;
      case 'dropout':
        break; // identity at inference
    }
  }
  g.toNhwc('output');
  if (g.current === inputName) g.add('Identity', 'identity', []);
  // rename the last node's output to the graph output
  const last = g.nodes[g.nodes.length - 1] as NodeDef;
  g.nodes[g.nodes.length - 1] = { ...last, outputs: [outputName] };
  const outputShape = (layers[layers.length - 1] as ResolvedLayer).outputShape;
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'sedna-ts',
    producerVersion: '0.1.0',
    graph: {
      name: options.graphName ?? 'sedna_model',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: inputName, elemType: DataType.FLOAT, shape: [batch, ...spec.inputShape] }],
      outputs: [{ name: outputName, elemType: DataType.FLOAT, shape: [batch, ...outputShape] }],
    },
  });
}

/** Anything with a spec and weights: the tfjs and mlp estimators. */
export interface ExportableEstimator {
  readonly spec: ModelSpec;
  getWeights(): WeightTensor[];
}

/**
 * Writes the ONNX file of an estimator's model to a path, file:// URL, or (through the installed remote
 * storage) s3:// or http(s):// URL; returns the URL written.
 */
export async function saveOnnx(model: ExportableEstimator | ExportableModel, url: string, options: OnnxExportOptions = {}): Promise<string> {
  const exportable: ExportableModel = 'weights' in model ? model : { spec: model.spec, weights: model.getWeights() };
  return writeModelFile(exportToOnnx(exportable, options), url, 'model.onnx');
}
