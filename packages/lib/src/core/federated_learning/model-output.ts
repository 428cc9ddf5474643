/**
 * Writing the aggregated model to MODEL_URL. With an estimator the model goes out in the estimator's own format,
 * or as ONNX when the URL ends in `.onnx` and the estimator has a model spec (the tfjs and mlp estimators); without
 * one, the bare weights go out in the transmitter's binary weights format.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../../backend/model-spec.js';
import { saveOnnx } from '../../onnx/export.js';
import { writeBytes } from '../../storage/storage.js';
import { encodeWeightsMessage } from '../../transmitter/weights-codec.js';
import type { Estimator, WeightTensor } from '../estimator.js';

export interface SavedModel {
  readonly url: string;
  /** `onnx`, `tfjs` (a model.json directory), or `weights` (the binary weights format). */
  readonly format: string;
}

/** The model spec of an estimator that has one (the tfjs and mlp estimators). */
export function modelSpecOf(estimator: Estimator): ModelSpec | undefined {
  const spec = (estimator as { spec?: unknown }).spec;
  return typeof spec === 'object' && spec !== null && 'layers' in spec ? (spec as ModelSpec) : undefined;
}

/** The format a report gives for a saved model: from its file name, as the original's model_info did. */
function formatOf(url: string): string {
  if (/model\.json$/i.test(url)) return 'tfjs';
  const extension = /\.([A-Za-z0-9]+)$/.exec(url)?.[1];
  return extension?.toLowerCase() ?? 'model';
}

/** The file name of the model inside a MODEL_URL folder when MODEL_NAME does not give one. */
export const DEFAULT_MODEL_FILE_NAME = 'model';

/**
 * MODEL_URL as the original lib reads it (backend/base.py save: a folder unless it is an existing file): an
 * existing local directory, or any URL ending in "/", is a folder and the model goes inside it as `name`; anything
 * else is the model's own path. The original example's Model has `url: "/model"`, a folder its trainers create.
 */
export function modelFileIn(url: string, name: string = DEFAULT_MODEL_FILE_NAME): string {
  if (url.endsWith('/')) return `${url}${name}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file://')) return url;
  const local = url.startsWith('file://') ? new URL(url).pathname : url;
  try {
    if (statSync(local).isDirectory()) return join(local, name);
  } catch {
    // Not there yet: a file path.
  }
  return url;
}

export async function saveGlobalModel(folderOrFile: string, weights: readonly WeightTensor[], estimator?: Estimator, modelName?: string): Promise<SavedModel> {
  const url = modelFileIn(folderOrFile, modelName);
  const wantsOnnx = /\.onnx$/i.test(url);
  if (estimator !== undefined) {
    const spec = modelSpecOf(estimator);
    if (wantsOnnx) {
      if (spec === undefined) throw new Error(`MODEL_URL ${url} asks for ONNX, but the estimator has no model spec to export from`);
      return { url: await saveOnnx({ spec, weights: [...weights] }, url), format: 'onnx' };
    }
    estimator.setWeights(weights);
    const saved = await estimator.save(url);
    return { url: saved, format: formatOf(saved) };
  }
  if (wantsOnnx) throw new Error(`MODEL_URL ${url} asks for ONNX, but the aggregator was given no estimator (model spec) to export with`);
  await writeBytes(url, encodeWeightsMessage({ weights }));
  return { url, format: 'weights' };
}
