/**
 * Saving and loading spec-described models in the tfjs layers directory format (model.json with the Keras topology,
 * the weights manifest and the spec in userDefinedMetadata; weights.bin), without TensorFlow.js: the mlp estimator
 * reads and writes its files here, so its processes never load tfjs. tf.loadLayersModel and the tfjs estimator
 * read what this writes, and this reads what they write.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WeightTensor } from '../core/estimator.js';
import { UnsupportedTopologyError, specFromTopology, topologyFromSpec } from './keras-topology.js';
import { checkWeightsFit, type ModelSpec, validateModelSpec, weightShapes } from './model-spec.js';
import { readModelArtifacts, writeModelArtifacts } from './tfjs/model-dir.js';

export const SPEC_METADATA_KEY = 'sednaModelSpec';

/** The spec stored with a model, or undefined for a model saved by plain tfjs. */
export function specFromArtifacts(artifacts: tf.io.ModelArtifacts, where: string): ModelSpec | undefined {
  const raw = (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[SPEC_METADATA_KEY];
  return raw === undefined ? undefined : validateModelSpec(raw, `${where} userDefinedMetadata.${SPEC_METADATA_KEY}`);
}

function joinedWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/** Float32 weights from artifacts, in manifest order, each copied into its own array. */
export function decodeFloatWeights(artifacts: tf.io.ModelArtifacts, where: string): WeightTensor[] {
  const buffer = joinedWeightData(artifacts.weightData);
  const out: WeightTensor[] = [];
  let offset = 0;
  for (const s of artifacts.weightSpecs ?? []) {
    if (s.dtype !== 'float32' || s.quantization !== undefined) throw new Error(`${where}: weight ${s.name} is ${s.dtype}${s.quantization ? ' (quantized)' : ''}; only float32 is supported`);
    const count = s.shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > buffer.byteLength) throw new Error(`${where}: weights file is too short for ${s.name}`);
    out.push({ name: s.name, shape: [...s.shape], data: new Float32Array(buffer.slice(offset, offset + count * 4)) });
    offset += count * 4;
  }
  return out;
}

/** The spec of a model saved without one: read from its Keras topology, through tfjs only for a functional model. */
async function specOfPlainModel(artifacts: tf.io.ModelArtifacts, where: string): Promise<ModelSpec> {
  try {
    return specFromTopology(artifacts.modelTopology, where);
  } catch (e) {
    if (!(e instanceof UnsupportedTopologyError)) throw e;
    const { specFromLayersArtifacts } = await import('./tfjs/spec-model-io.js');
    return specFromLayersArtifacts(artifacts);
  }
}

/** Loads a model directory as a spec plus weights, without keeping (or, for a Sequential model, loading) tfjs. */
export async function loadSpecModel(url: string): Promise<{ spec: ModelSpec; weights: WeightTensor[] }> {
  const artifacts = await readModelArtifacts(url);
  const spec = specFromArtifacts(artifacts, url) ?? (await specOfPlainModel(artifacts, url));
  const weights = decodeFloatWeights(artifacts, url);
  checkWeightsFit(spec, weights, url);
  return { spec, weights };
}

/**
 * Writes a spec plus weights in the tfjs format; returns the model.json URL. The manifest names the weights as
 * tfjs names them (`<layer>/kernel`, `<layer>/bias`): tf.loadLayersModel matches weights to layers by these names.
 */
export async function saveSpecModel(spec: ModelSpec, weights: readonly WeightTensor[], url: string): Promise<string> {
  checkWeightsFit(spec, weights, 'saveSpecModel');
  const shapes = weightShapes(spec);
  const total = weights.reduce((n, w) => n + w.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    data.set(w.data, offset);
    offset += w.data.length;
  }
  return writeModelArtifacts(
    {
      format: 'layers-model',
      generatedBy: 'sedna-lib',
      convertedBy: null,
      modelTopology: topologyFromSpec(spec) as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: shapes.map((s) => ({ name: s.name, shape: [...s.shape], dtype: 'float32' as const })),
      weightData: data.buffer,
      userDefinedMetadata: { [SPEC_METADATA_KEY]: JSON.parse(JSON.stringify(spec)) as object },
    },
    url,
  );
}
