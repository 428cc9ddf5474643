/**
 * The parts of the Sedna lib this example uses, imported from the lib's sources: the workers run with
 * `node --import tsx` straight from the checkout, without a build. A worker program outside this repository imports
 * the same names from '@sedna/lib'.
 */
export { LifelongLearning, KBClient, loadCsvSamples, predictedClasses, UNSEEN_INDEX_NAME } from '../../../packages/lib/src/core/lifelong_learning/index.js';
export type { KbIndex, KbQueryResult, LifelongInferenceResult, LifelongLearningOptions } from '../../../packages/lib/src/core/lifelong_learning/index.js';
export { SampleSet } from '../../../packages/lib/src/algorithms/lifelong/sample-set.js';
export { MlpEstimator } from '../../../packages/lib/src/backend/mlp/estimator.js';
export type { ModelSpec } from '../../../packages/lib/src/backend/model-spec.js';
export { Context } from '../../../packages/lib/src/common/config.js';
export type { Env } from '../../../packages/lib/src/common/config.js';
export { loadFashionMnist, FASHION_MNIST_CLASSES } from '../../../packages/lib/src/datasources/fashion-mnist.js';
export { encodePgm } from '../../../packages/lib/src/datasources/image-files.js';
export { tokenizeCsv } from '../../../packages/lib/src/datasources/csv.js';
export { MalformedLines } from '../../../packages/lib/src/datasources/malformed.js';
export { createRng, randomNormal, shuffleInPlace } from '../../../packages/lib/src/datasources/rng.js';
export type { Rng } from '../../../packages/lib/src/datasources/rng.js';
