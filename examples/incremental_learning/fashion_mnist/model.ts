/** The example's model and the sizes of its data. */
import type { ModelSpec } from './lib.js';

/** A dense network over the 784 pixels, trained by the lib's fast mlp estimator and served as ONNX. */
export const MODEL_SPEC: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

/** The test images the edge camera streams (shifted) come first; the held-out ones measure the site's accuracy. */
export const DEFAULTS = {
  /** Training images of the base model (the whole training set, as it is). */
  baseSamples: 60_000,
  baseEpochs: 5,
  /** Test images 0..frames-1, shifted, are the camera stream. */
  frames: 8000,
  /** Test images 10000-holdout..9999, shifted, measure the accuracy on the new site; never seen in training. */
  holdout: 2000,
} as const;
