/**
 * Saving and loading spec-described models in the tfjs directory format. The spec travels in model.json's
 * userDefinedMetadata, so both the tfjs and the mlp estimators (and tf.loadLayersModel) read the same files.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightTensor } from '../../core/estimator.js';
import { checkWeightsFit, type ModelSpec, validateModelSpec } from '../model-spec.js';
import { buildLayersModel, specFromLayersModel } from './layers.js';
import { readModelArtifacts, writeModelArtifacts } from './model-dir.js';

export const SPEC_METADATA_KEY = 'sednaModelSpec';

/** Saves a tfjs model with its spec; returns the model.json URL written. */
export async function saveLayersModel(model: tf.LayersModel, spec: ModelSpec, url: string): Promise<string> {
  model.setUserDefinedMetadata({ [SPEC_METADATA_KEY]: JSON.parse(JSON.stringify(spec)) as object });
  let written = '';
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      written = await writeModelArtifacts(artifacts, url);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return written;
}

/** The spec stored with a model, or undefined for a model saved by plain tfjs. */
export function specFromArtifacts(artifacts: tf.io.ModelArtifacts, where: string): ModelSpec | undefined {
  const raw = (artifacts.userDefinedMetadata as Record<string, unknown> | undefined)?.[SPEC_METADATA_KEY];
  return raw === undefined ? undefined : validateModelSpec(raw, `${where} userDefinedMetadata.${SPEC_METADATA_KEY}`);
}

/** Float32 weights from artifacts, in manifest order, each copied into its own array. */
export function decodeFloatWeights(artifacts: tf.io.ModelArtifacts, where: string): WeightTensor[] {
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData;
  const buffer = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  const out: WeightTensor[] = [];
  let offset = 0;
  for (const s of specs) {
    if (s.dtype !== 'float32' || s.quantization !== undefined) throw new Error(`${where}: weight ${s.name} is ${s.dtype}${s.quantization ? ' (quantized)' : ''}; only float32 is supported`);
    const count = s.shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > buffer.byteLength) throw new Error(`${where}: weights file is too short for ${s.name}`);
    out.push({ name: s.name, shape: [...s.shape], data: new Float32Array(buffer.slice(offset, offset + count * 4)) });
    offset += count * 4;
  }
  return out;
}

/** Loads a model directory as a spec plus weights, without keeping a tfjs model around. */
export async function loadSpecModel(url: string): Promise<{ spec: ModelSpec; weights: WeightTensor[] }> {
  const artifacts = await readModelArtifacts(url);
  let spec = specFromArtifacts(artifacts, url);
  if (spec === undefined) {
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    try {
      spec = specFromLayersModel(model);
    } finally {
      model.dispose();
    }
  }
  const weights = decodeFloatWeights(artifacts, url);
  checkWeightsFit(spec, weights, url);
  return { spec, weights };
}

/** Throws unless the weights have the count and shapes the spec needs (names may differ). */
/** Writes a spec plus weights in the tfjs format (through a temporary tfjs model); returns the model.json URL. */
export async function saveSpecModel(spec: ModelSpec, weights: readonly WeightTensor[], url: string): Promise<string> {
  checkWeightsFit(spec, weights, 'saveSpecModel');
  await tf.ready();
  const model = buildLayersModel(spec);
  try {
    const tensors = weights.map((w) => tf.tensor(w.data, [...w.shape], 'float32'));
    model.setWeights(tensors);
    tf.dispose(tensors);
    return await saveLayersModel(model, spec, url);
  } finally {
    model.dispose();
  }
}
