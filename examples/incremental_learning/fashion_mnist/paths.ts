/** Where the example keeps its files, under one work folder (default `.data/incremental_learning/fashion_mnist`). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = path.resolve(EXAMPLE_DIR, '../../..');
export const DEFAULT_WORK_DIR = path.join(REPO_DIR, '.data', 'incremental_learning', 'fashion_mnist');

export function workPaths(work: string) {
  return {
    work,
    /** The initial model (format tfjs): what round 1 trains from. */
    baseModel: path.join(work, 'models', 'base', 'model.json'),
    /** The deployed model (format onnx): what the inference worker serves and eval compares with. */
    deployModel: path.join(work, 'models', 'deploy', 'model.onnx'),
    /** The base model's ONNX export, kept as it is: each run starts the deploy model from it. */
    baseOnnx: path.join(work, 'models', 'base-onnx', 'model.onnx'),
    framesDir: path.join(work, 'site', 'frames'),
    framesIndex: path.join(work, 'site', 'frames', 'index.txt'),
    /** `frame-id label` for every frame: what the labeller (a person, simulated) knows. */
    groundTruth: path.join(work, 'site', 'ground_truth.txt'),
    holdoutDir: path.join(work, 'site', 'holdout'),
    holdoutIndex: path.join(work, 'site', 'holdout', 'index.txt'),
    /** The same held-out images without the shift: the original domain. */
    originalIndex: path.join(work, 'site', 'original', 'index.txt'),
    dataset: path.join(work, 'dataset', 'train_data.txt'),
    datasetImages: path.join(work, 'dataset', 'images'),
    hardExamples: path.join(work, 'he'),
    outputDir: path.join(work, 'output'),
    inferenceResults: path.join(work, 'infer', 'results.txt'),
    logs: path.join(work, 'logs'),
    lcData: path.join(work, 'lc'),
    hotUpdateRoot: path.join(work, 'model-hot-update'),
    hotUpdateConfig: path.join(work, 'model-hot-update', 'default', 'incrementallearningjob', 'fashion-mnist-demo', 'model_config.json'),
    prepared: path.join(work, 'prepared.json'),
  };
}

export type WorkPaths = ReturnType<typeof workPaths>;
