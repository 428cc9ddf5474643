/**
 * The two models of the example and where they live: a little one for the edge (a 784-32-10 network, 25,450
 * parameters: with a hidden layer its confidence tells easy from hard images better than logistic regression's,
 * so fewer go to the cloud for the same accuracy) and a big one for the cloud (a 784-256-128-10 network, 235,146
 * parameters).
 * Both end in a softmax, so their outputs are the class probabilities the CrossEntropy mining judges.
 */
import { join } from 'node:path';
import { loadFashionMnist, OnnxEstimator, type ModelSpec } from './sedna-lib.js';

export const LITTLE_MODEL_FILE = 'little-model.onnx';
export const BIG_MODEL_FILE = 'big-model.onnx';

export const LITTLE_MODEL_SPEC: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 32, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

export const BIG_MODEL_SPEC: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

export function modelPaths(modelsDir: string): { little: string; big: string } {
  return { little: join(modelsDir, LITTLE_MODEL_FILE), big: join(modelsDir, BIG_MODEL_FILE) };
}

/** Accuracy of an ONNX model on test images [offset, offset + count), run directly with ONNX Runtime. */
export async function onnxAccuracy(modelPath: string, offset: number, count: number): Promise<number> {
  const test = await loadFashionMnist({ split: 'test', offset, count });
  const estimator = new OnnxEstimator();
  try {
    await estimator.load(modelPath);
    const metrics = await estimator.evaluate(test.x, test.y);
    return metrics['accuracy'] as number;
  } finally {
    estimator.dispose();
  }
}
