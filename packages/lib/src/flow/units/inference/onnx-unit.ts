/**
 * `onnx_inference`: a model on ONNX Runtime (the lib's OnnxEstimator), a batch of samples per call (batch_size),
 * with hot update of the model: with MODEL_HOT_UPDATE=true the lib's ModelHotUpdater watches
 * MODEL_HOT_UPDATE_CONFIG and swaps the new model in while the graph runs (items in flight finish on the old one),
 * reporting `deploy` to the LC as the original's inference worker does. ModelBox flowunit files with
 * `type = "inference"` and an `.onnx` entry become units of this kind (see ../../load.ts).
 */
import path from 'node:path';
import { OnnxEstimator } from '../../../backend/onnx/estimator.js';
import type { Tensor } from '../../../core/estimator.js';
import { hotUpdateSettingsFromEnv } from '../../../hotupdate/config.js';
import { ModelHotUpdater } from '../../../hotupdate/model-hot-updater.js';
import { SwappableModel, type ModelLease } from '../../../hotupdate/swappable-model.js';
import { LCClient } from '../../../reporter/lc-client.js';
import { workerIdentityFromEnv, type OwnerKind } from '../../../reporter/message.js';
import type { Meta, OptionSpec, PortSpec, StartedWork, UnitContext, UnitDefinition, UnitInput, UnitInstance, UnitOutput } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { isTensor, type InferenceRecord } from './records.js';
import { portObject, portsObject2 } from '../../runtime/port-objects.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const ONNX_OPTIONS: readonly OptionSpec[] = [
  { name: 'model_url', type: 'string', description: 'the ONNX model (path, file://, http(s)://, s3://)', env: WORKER_ENV.MODEL_URL, required: true },
  { name: 'hot_update', type: 'boolean', description: 'swap in new models as the LC deploys them', env: WORKER_ENV.MODEL_HOT_UPDATE, default: false },
  { name: 'hot_update_config', type: 'string', description: 'the config file the LC rewrites on deploy', env: WORKER_ENV.MODEL_HOT_UPDATE_CONFIG, default: '' },
  { name: 'poll_period_seconds', type: 'number', description: 'how often to check the config besides watching it', env: WORKER_ENV.MODEL_POLL_PERIOD_SECONDS, default: 60 },
  { name: 'report_owner_kind', type: 'string', description: 'who owns this worker in deploy reports', default: 'incrementallearningjob' },
  { name: 'intra_op_threads', type: 'integer', description: 'ONNX Runtime threads per operator', default: 1 },
];

/** The samples of a batch as one tensor [n, ...sample]; each input is one sample, with or without a batch axis of 1. */
function stack(inputs: readonly Tensor[], sampleShape: readonly number[] | undefined): Tensor {
  const first = inputs[0] as Tensor;
  // One sample (batch_size 1, the usual case of a stream): its data is the batch, no copy.
  if (inputs.length === 1) return stackOne(first, sampleShape);
  const shape = sampleShape ?? (first.shape[0] === 1 && first.shape.length > 1 ? first.shape.slice(1) : first.shape);
  const size = product(shape);
  const data = new Float32Array(size * inputs.length);
  inputs.forEach((t, k) => {
    if (t.data.length !== size) throw new Error(`a sample has ${t.data.length} values, the model takes ${size} ([${shape.join(', ')}])`);
    data.set(t.data, k * size);
  });
  return { data, shape: [inputs.length, ...shape] };
}

/** One sample as a batch of one: stack() of a single input, without the list. */
function stackOne(sample: Tensor, sampleShape: readonly number[] | undefined): Tensor {
  const shape = sampleShape ?? (sample.shape[0] === 1 && sample.shape.length > 1 ? sample.shape.slice(1) : sample.shape);
  const size = product(shape);
  if (sample.data.length !== size) throw new Error(`a sample has ${sample.data.length} values, the model takes ${size} ([${shape.join(', ')}])`);
  return { data: sample.data, shape: [1, ...shape] };
}

/**
 * The product of a shape's sizes. A function of its own, not `reduce` with an arrow: an arrow in a function that
 * runs for every item is a new function object each time, and its first call a trip through V8's lazy compiling.
 */
function product(shape: readonly number[]): number {
  let size = 1;
  for (let k = 0; k < shape.length; k++) size *= shape[k] as number;
  return size;
}

/** Row k of a batch output, with a batch axis of 1. */
function row(batch: Tensor, k: number): Tensor {
  const n = batch.shape[0] as number;
  if (n === 1 && batch.shape.length > 1) return batch; // the batch is that one row (the estimator's own array)
  const width = batch.data.length / n;
  return { data: batch.data.slice(k * width, (k + 1) * width), shape: [1, ...batch.shape.slice(1)] };
}

/** Inferences run on zeros when a model is opened (see warmUp). */
const WARM_UP_RUNS = 3;

/**
 * A few inferences on zeros before the model serves, so that ONNX Runtime's setup on a new session's first runs
 * does not fall on a stream's first items. Only for a model whose input shape is fixed; a model that cannot run on
 * zeros is left to its first item, which reports its error as usual.
 */
async function warmUp(estimator: OnnxEstimator): Promise<void> {
  const shape = estimator.inputShape;
  if (shape === undefined) return;
  const x = { data: new Float32Array(product(shape)), shape: [1, ...shape] };
  try {
    for (let k = 0; k < WARM_UP_RUNS; k++) await estimator.predict(x);
  } catch {
    // Not every model takes zeros (or a batch of one): its first item will say what is wrong.
  }
}

export async function openOnnxInference(context: UnitContext, modelPath: string, ports: { input: string; output: string; record?: string }): Promise<UnitInstance> {
  const intra = option<number>(context, 'intra_op_threads');
  const create = (): OnnxEstimator => new OnnxEstimator({ intraOpNumThreads: intra });
  const estimator = create();
  await estimator.load(modelPath);
  await warmUp(estimator);
  const model = new SwappableModel(estimator);
  let updater: ModelHotUpdater<OnnxEstimator> | undefined;
  if (option<boolean>(context, 'hot_update')) {
    const settings = hotUpdateSettingsFromEnv({ MODEL_HOT_UPDATE: 'true', MODEL_HOT_UPDATE_CONFIG: option<string>(context, 'hot_update_config'), MODEL_POLL_PERIOD_SECONDS: String(option<number>(context, 'poll_period_seconds')) });
    if (!settings.enabled) throw new Error('unreachable');
    const canReport = Boolean(context.env[WORKER_ENV.LC_SERVER] && (context.env[WORKER_ENV.JOB_NAME] || context.env[WORKER_ENV.SERVICE_NAME]));
    updater = new ModelHotUpdater({
      configUrl: settings.configUrl,
      model,
      createEstimator: create,
      // A new model is warmed before it serves, as the first one is at open.
      prepare: warmUp,
      pollPeriodMs: settings.pollPeriodSeconds * 1000,
      ...(canReport ? { lc: { client: LCClient.fromEnv(context.env), identity: workerIdentityFromEnv(option<string>(context, 'report_owner_kind') as OwnerKind, context.env) } } : {}),
      onEvent: (event) => {
        if (event.type === 'updated') context.event('Normal', 'ModelUpdated', `now serving ${event.modelPath} (version ${event.version})`);
        else context.event('Warning', 'HotUpdate', `${event.type}: ${String((('error' in event ? event.error : undefined) as Error | undefined)?.message ?? '')}`);
      },
    });
    updater.start();
  }
  // The model's sample shape, read once per model (ONNX Runtime's metadata is walked on every read): the last
  // model's, kept with it (a hot update brings a new one).
  let shapeOf: OnnxEstimator | undefined;
  let shape: readonly number[] | undefined;
  const sampleShape = (e: OnnxEstimator): readonly number[] | undefined => {
    if (e !== shapeOf) {
      shapeOf = e;
      shape = e.inputShape;
    }
    return shape;
  };
  const { input: inputPort, output: outputPort, record: recordPort } = ports;
  // The ports objects made by functions written for these port names (port-objects.ts): no empty object grown by
  // computed keys for every item.
  const outputPorts = portObject(outputPort);
  const bothPorts = recordPort ? portsObject2(outputPort, recordPort) : undefined;
  // One meta object per model version, given to every item it answers (not a new one per batch); frozen, as the
  // items share it.
  let lastMeta: Meta = Object.freeze({ model_version: 'initial' });
  const metaOf = (version: string | undefined): Meta => {
    const wanted = version ?? 'initial';
    if (lastMeta.model_version !== wanted) lastMeta = Object.freeze({ model_version: wanted });
    return lastMeta;
  };
  /**
   * One sample's output ports: the answer, and (on onnx_inference) the inference record with it. The record's input
   * is the sample as the model took it ([1, ...the model's sample shape]): what the big model of joint inference is
   * sent and what a hard example is saved as, the same as a hand-written call of the model gives them.
   */
  const outputFor = (sample: Tensor, output: Tensor, version: string | undefined): Record<string, unknown> => {
    if (!bothPorts) return outputPorts(output);
    const record: InferenceRecord = version ? { input: sample, output, answeredBy: 'edge', modelVersion: version } : { input: sample, output, answeredBy: 'edge' };
    return bothPorts(output, record);
  };
  /**
   * The model on these samples (stacked into one batch), `answer` given its outputs and the version that answered.
   * The model is leased for the call: the one that answers (and its version) stays even if a swap comes during it,
   * and is released in the one `then` of its answer. Not an async function (this runs for every item).
   */
  const infer = <T>(samples: readonly Tensor[], answer: (outputs: Tensor, version: string | undefined, inputs: Tensor) => T): Promise<T> => {
    const lease = model.acquire();
    const version = lease.version;
    let inputs: Tensor;
    let outputs: Promise<Tensor>;
    try {
      inputs = stack(samples, sampleShape(lease.estimator));
      outputs = lease.estimator.predict(inputs);
    } catch (error) {
      model.release(lease);
      throw error;
    }
    return outputs.then(
      (batch) => {
        model.release(lease);
        return answer(batch, version, inputs);
      },
      (error: unknown) => {
        model.release(lease);
        throw error;
      },
    );
  };
  const sampleOf = (input: UnitInput): Tensor => {
    const value = input.ports[inputPort];
    if (!isTensor(value)) throw new TypeError(`${inputPort} must be a float32 tensor`);
    return value;
  };
  // One item (a stream's usual case, batch_size 1) in two steps (see UnitInstance.start): the model leased and
  // started on the sample (a batch of one is the sample with a batch axis: its data, no copy), then its answer
  // turned into the output, the lease released either way. A compiled chain awaits the model's promise itself; the
  // other paths call process(). One meta object for every item of a model version: the scheduler copies it into
  // each item's own.
  /** One sample's model call, begun: the model's promise, the model leased for it, the sample as it went in. */
  interface OneCall extends StartedWork {
    readonly work: Promise<Tensor>;
    readonly lease: ModelLease<OnnxEstimator>;
    readonly inputs: Tensor;
  }
  const start = (input: UnitInput): OneCall => {
    const lease = model.acquire();
    try {
      const inputs = stackOne(sampleOf(input), sampleShape(lease.estimator));
      return { work: lease.estimator.predict(inputs), lease, inputs };
    } catch (error) {
      model.release(lease);
      throw error;
    }
  };
  const finish = (started: StartedWork, batch: unknown): UnitOutput => {
    const { lease, inputs } = started as OneCall;
    model.release(lease);
    return { ports: outputFor(inputs, row(batch as Tensor, 0), lease.version), meta: metaOf(lease.version) };
  };
  const fail = (started: StartedWork, error: unknown): UnitOutput => {
    model.release((started as OneCall).lease);
    throw error;
  };
  return {
    start,
    finish,
    fail,
    process(batch) {
      const samples: Tensor[] = new Array<Tensor>(batch.length);
      for (let k = 0; k < batch.length; k++) samples[k] = sampleOf(batch[k] as UnitInput);
      return infer(samples, (outputs, version, inputs) => {
        const meta = metaOf(version);
        const results: UnitOutput[] = new Array<UnitOutput>(samples.length);
        // Each sample's own data with the batch's sample shape (stack copied them into the batch).
        const taken = [1, ...inputs.shape.slice(1)];
        for (let k = 0; k < samples.length; k++) results[k] = { ports: outputFor(samples.length === 1 ? inputs : { data: (samples[k] as Tensor).data, shape: taken.slice() }, row(outputs, k), version), meta };
        return results;
      });
    },
    async close() {
      await updater?.stop();
      // The ONNX Runtime session is freed once the calls in flight are done (a graph opened again loads its own).
      model.close();
    },
  };
}

export const onnxInference = defineUnit({
  name: 'onnx_inference',
  kind: 'normal',
  ignoresMeta: true,
  description: 'Runs a model on ONNX Runtime, batch_size samples per call, with hot update of the model',
  inputs: [['input', 'tensor']],
  outputs: [['output', 'tensor'], ['out_inference', 'inference']],
  options: ONNX_OPTIONS,
  open: (context) => openOnnxInference(context, resolveModel(option<string>(context, 'model_url'), context.baseDir), { input: 'input', output: 'output', record: 'out_inference' }),
});

function resolveModel(url: string, baseDir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || path.isAbsolute(url) ? url : path.resolve(baseDir, url);
}

/** A ModelBox inference flowunit (`type = "inference"`, entry an .onnx file) as a unit: its own ports, our engine. */
export function onnxUnitFromDescription(name: string, description: string, modelFile: string, inputs: readonly PortSpec[], outputs: readonly PortSpec[]): UnitDefinition {
  if (inputs.length !== 1 || outputs.length !== 1) throw new Error(`inference unit ${name}: one input and one output port are supported, it has ${inputs.length} and ${outputs.length}`);
  const input = inputs[0] as PortSpec;
  const output = outputs[0] as PortSpec;
  return {
    description: { name, kind: 'normal', description, version: '1.0.0', device: 'cpu', ignoresMeta: true, inputs: [{ ...input, type: 'tensor' }], outputs: [{ ...output, type: 'tensor' }], options: ONNX_OPTIONS.map((o) => (o.name === 'model_url' ? { name: 'model_url', type: 'string', description: o.description, default: modelFile } : o)) },
    open: (context) => openOnnxInference(context, resolveModel(option<string>(context, 'model_url'), context.baseDir), { input: input.name, output: output.name }),
  };
}
