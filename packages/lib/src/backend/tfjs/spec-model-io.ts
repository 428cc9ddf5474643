/**
 * Saving a tfjs model with its spec, and describing a plain tfjs model as a spec through tfjs itself. The
 * tfjs-free reading and writing of spec models (what the mlp estimator uses) is in ../model-files.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../model-spec.js';
import { SPEC_METADATA_KEY } from '../model-files.js';
import { specFromLayersModel } from './layers.js';
import { writeModelArtifacts } from './model-dir.js';

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

/** The spec of a model tfjs can load but ../keras-topology.ts does not read (a functional model of a single chain). */
export async function specFromLayersArtifacts(artifacts: tf.io.ModelArtifacts): Promise<ModelSpec> {
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  try {
    return specFromLayersModel(model);
  } finally {
    model.dispose();
  }
}
