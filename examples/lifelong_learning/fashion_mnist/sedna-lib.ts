/**
 * The parts of the Sedna lib this example uses, imported from the lib's sources: the workers run with
 * `node --import tsx` straight from the checkout, without a build. A worker program outside this repository imports
 * the same names from '@sedna/lib'.
 */
export { LifelongLearning, KBClient, loadCsvSamples, predictedClasses, UNSEEN_INDEX_NAME } from '@sedna/lib/lifelong-learning';
export type { KbIndex, KbQueryResult, LifelongInferenceResult, LifelongLearningOptions } from '@sedna/lib/lifelong-learning';
export { SampleSet } from '@sedna/lib/algorithms';
export { MlpEstimator } from '@sedna/lib/estimators/mlp';
export type { ModelSpec } from '@sedna/lib/model-spec';
export { Context } from '@sedna/lib/common';
export type { Env } from '@sedna/lib/common';
export { loadFashionMnist, FASHION_MNIST_CLASSES } from '@sedna/lib/datasources';
export { encodePgm } from '@sedna/lib/datasources';
export { tokenizeCsv } from '@sedna/lib/datasources';
export { MalformedLines } from '@sedna/lib/datasources';
export { createRng, randomNormal, shuffleInPlace } from '@sedna/lib/datasources';
export type { Rng } from '@sedna/lib/datasources';
