/**
 * The ONNX Runtime estimator (`format: onnx`): fast CPU inference through onnxruntime-node. Inference only:
 * models are trained with the tfjs or mlp estimator and exported with ../../onnx. onnxruntime-node (a native
 * addon) is imported on first load, so programs that never use ONNX do not pay for it.
 */
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import type { Estimator, Labels, Metrics, Tensor, WeightTensor } from '../../core/estimator.js';
import { type OutputKind, checkBatch, checkLabels, classificationMetrics, sliceRows } from '../batch.js';
import { type Staging, fetchModelFile, makeStaging, writeModelFile } from '../model-location.js';
import { sizeOf } from '../model-spec.js';

export interface OnnxSessionOptions {
  /** Threads inside one operator (default 1: workers share small edge machines). */
  intraOpNumThreads?: number;
  /** Threads across operators in parallel execution mode (default 1). */
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface OnnxEstimatorOptions extends OnnxSessionOptions {
  /** Samples per session.run (default 256). */
  batchSize?: number;
  /** Graph input to feed (default: the model's first input). */
  inputName?: string;
  /** Graph output to return (default: the model's first output). */
  outputName?: string;
  /**
   * How evaluate() reads the outputs for its loss: 'auto' (default) takes rows that are non-negative and sum to 1
   * as probabilities, anything else as logits.
   */
  outputKind?: OutputKind | 'auto';
}

let ortModule: Promise<typeof Ort> | undefined;
function loadOrt(): Promise<typeof Ort> {
  return (ortModule ??= import('onnxruntime-node'));
}

interface OpenSession {
  ort: typeof Ort;
  session: Ort.InferenceSession;
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
}

function positiveInt(v: number | undefined, field: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${field} must be a positive integer, got ${String(v)}`);
  return v;
}

function looksLikeProbabilities(out: Float32Array, width: number): boolean {
  for (let i = 0; i < out.length; i += width) {
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const v = out[i + j] as number;
      if (v < 0) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

export class OnnxEstimator implements Estimator {
  private open: OpenSession | undefined;
  private readonly batchSize: number;
  private readonly sessionOptions: Ort.InferenceSession.SessionOptions;

  constructor(private readonly options: OnnxEstimatorOptions = {}) {
    this.batchSize = positiveInt(options.batchSize, 'batchSize', 256);
    this.sessionOptions = {
      intraOpNumThreads: positiveInt(options.intraOpNumThreads, 'intraOpNumThreads', 1),
      interOpNumThreads: positiveInt(options.interOpNumThreads, 'interOpNumThreads', 1),
      executionMode: options.executionMode ?? 'sequential',
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    };
  }

  private session(): OpenSession {
    if (this.open === undefined) throw new Error('OnnxEstimator has no model: call load(url) first');
    return this.open;
  }

  /** Names of the loaded graph's inputs and outputs. */
  get signature(): { inputs: readonly string[]; outputs: readonly string[] } {
    const { session } = this.session();
    return { inputs: session.inputNames, outputs: session.outputNames };
  }

  /**
   * The per-sample input shape the graph declares (its input's dimensions after the batch axis), or undefined when
   * any of them is symbolic. Lets a service refuse requests of the wrong shape before running them.
   */
  get inputShape(): readonly number[] | undefined {
    const { session, inputName } = this.session();
    const meta = session.inputMetadata.find((m) => m.name === inputName);
    if (meta === undefined || !meta.isTensor) return undefined;
    const dims = meta.shape.slice(1);
    return dims.length > 0 && dims.every((d): d is number => typeof d === 'number' && d > 0) ? dims : undefined;
  }

  async load(url: string): Promise<void> {
    let staging: Staging | undefined;
    let bytes: Uint8Array;
    try {
      const path = await fetchModelFile(url, async () => (staging ??= await makeStaging()), 'model.onnx');
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw new Error(`cannot read ONNX model ${url}: ${(e as Error).message}`, { cause: e });
      }
    } finally {
      await (staging as Staging | undefined)?.remove();
    }
    await this.loadBytes(bytes, url);
  }

  /** Opens a model from the bytes of an .onnx file. */
  async loadBytes(bytes: Uint8Array, where = 'model'): Promise<void> {
    const ort = await loadOrt();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, this.sessionOptions);
    } catch (e) {
      throw new Error(`ONNX Runtime cannot open ${where}: ${(e as Error).message}`, { cause: e });
    }
    const inputName = this.options.inputName ?? session.inputNames[0];
    const outputName = this.options.outputName ?? session.outputNames[0];
    if (inputName === undefined || !session.inputNames.includes(inputName)) {
      await session.release();
      throw new Error(`${where} has no input ${JSON.stringify(inputName)} (inputs: ${session.inputNames.join(', ')})`);
    }
    if (outputName === undefined || !session.outputNames.includes(outputName)) {
      await session.release();
      throw new Error(`${where} has no output ${JSON.stringify(outputName)} (outputs: ${session.outputNames.join(', ')})`);
    }
    await this.release();
    this.open = { ort, session, bytes, inputName, outputName };
  }

  async predict(x: Tensor): Promise<Tensor> {
    const { ort, session, inputName, outputName } = this.session();
    const n = checkBatch(x);
    const featureShape = x.shape.slice(1);
    let out: Float32Array | undefined;
    let outShape: readonly number[] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      const batch = sliceRows(x, start, end);
      const feeds = { [inputName]: new ort.Tensor('float32', batch.data, [end - start, ...featureShape]) };
      const result = await session.run(feeds, [outputName]);
      const y = result[outputName] as Ort.Tensor;
      if (y.type !== 'float32') throw new Error(`output ${outputName} is ${y.type}; only float32 outputs are supported`);
      const data = y.data as Float32Array;
      if (out === undefined) {
        outShape = y.dims.slice(1);
        out = new Float32Array(n * sizeOf(outShape));
      }
      out.set(data, start * sizeOf(outShape));
      y.dispose();
    }
    return { data: out ?? new Float32Array(0), shape: [n, ...outShape] };
  }

  async evaluate(x: Tensor, y: Labels): Promise<Metrics> {
    const n = checkBatch(x);
    const out = await this.predict(x);
    if (out.shape.length !== 2) throw new Error(`evaluate needs outputs [n, classes], the model gives [${out.shape.join(', ')}]`);
    const classes = out.shape[1] as number;
    const labels = checkLabels(y, n, classes);
    const configured = this.options.outputKind ?? 'auto';
    const kind: OutputKind = configured !== 'auto' ? configured : looksLikeProbabilities(out.data, classes) ? 'probabilities' : 'logits';
    return classificationMetrics(out.data, classes, labels, kind);
  }

  train(): Promise<Metrics> {
    return Promise.reject(
      new Error('the ONNX Runtime estimator is inference-only here (onnxruntime-node has no training API): train with the tfjs or mlp estimator and export to ONNX'),
    );
  }

  /** Writes the loaded .onnx file to a path or URL (a copy of what was loaded); returns the URL. */
  async save(url: string): Promise<string> {
    return writeModelFile(this.session().bytes, url, 'model.onnx');
  }

  getWeights(): WeightTensor[] {
    throw new Error('getWeights is not implemented for ONNX models: their weights are graph initializers; use the estimator that trained the model');
  }

  setWeights(): void {
    throw new Error('setWeights is not implemented for ONNX models: their weights are graph initializers; use the estimator that trained the model');
  }

  private async release(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    await open?.session.release();
  }

  dispose(): void {
    void this.release();
  }
}
