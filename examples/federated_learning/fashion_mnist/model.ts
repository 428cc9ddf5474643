/**
 * The model every party of the example shares: a 784-128-10 dense network (101,770 parameters) on flattened
 * 28×28 grey images, softmax output, trained with Adam by the lib's fast mlp estimator. The aggregator builds it
 * from a fixed seed, and every training worker starts from the aggregator's copy.
 */
import type { Env } from './sedna-lib.js';
import { Context, MlpEstimator, readImageSet, type ModelSpec, type Tensor } from './sedna-lib.js';

export const MODEL_SPEC: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

/** The seed of the initial model (env `seed`, default 1). */
export function modelSeed(env: Env): number {
  return new Context(env).getParameters('seed', 1);
}

export function createModel(seed: number): MlpEstimator {
  return new MlpEstimator({ spec: MODEL_SPEC, seed });
}

export interface LabelledImages {
  x: Tensor;
  y: Int32Array;
}

/**
 * The images an index file lists (`file label` lines, the Dataset's txt format), flattened and scaled to [0, 1].
 * File names are relative to the index's folder, which works where the folder is mounted too.
 */
export async function readIndex(indexFile: string): Promise<LabelledImages> {
  const set = await readImageSet(indexFile, { layout: 'flat' });
  if (set.x.shape[1] !== 784) throw new Error(`${indexFile}: the images must be 28×28, found ${set.x.shape[1]} pixels`);
  return { x: set.x, y: set.y };
}
