/**
 * The train worker of the incremental learning job (one per round). Reads, as the GM sets them:
 *   TRAIN_DATASET_URL     the round's samples (`images/x.pgm label` lines, written by the LC)
 *   ORIGINAL_DATASET_URL  the dataset file; its folder is where the sample paths are relative to
 *   BASE_MODEL_URL        the model to start from (the initial model, then the last trained one)
 *   MODEL_URL             the round's output folder
 *   epochs, batch_size, learning_rate (template env)
 *   rehearsal_ratios      optional, e.g. "0,1,2": replay original training images with the round's samples, the
 *                         ratio chosen on validation data (rehearsal.ts); rehearsal_original, rehearsal_validation,
 *                         rehearsal_max_drop (points) size it
 * and reports `train completed` with the model in two formats: tfjs (the next round's base) and onnx (what the
 * eval and inference workers run). Run: `node examples/incremental_learning/fashion_mnist/dist/train.js` (built by
 * `npm run build`), or from its source: `node --import tsx examples/incremental_learning/fashion_mnist/train.ts`.
 */
// Only what reading the round's data needs loads before the first line; the training engine (the estimator, ONNX
// export, rehearsal) loads after it, while the worker already reports its work.
import { Context } from '@sedna/lib/common';
import { readImageSet } from '@sedna/lib/datasources';
import { logger, required, runMain, samplesBase } from './worker-env.js';

const log = logger('train-worker');

runMain(async () => {
  const context = new Context();
  const dataUrl = required('TRAIN_DATASET_URL');
  const base = samplesBase();
  const data = await readImageSet(dataUrl, { dataType: 'train', onMalformed: 'skip', ...(base ? { dataPathPrefix: base } : {}) });
  if (data.skipped.length > 0) log(`skipped ${data.skipped.length} malformed line(s) of ${dataUrl}`);
  const samples = data.y.length;
  if (samples === 0) throw new Error(`${dataUrl} has no samples to train on`);
  const trainOptions = {
    epochs: context.getParameters('epochs', 15),
    batchSize: context.getParameters('batch_size', 32),
    learningRate: context.getParameters('learning_rate', 0.0005),
    seed: 7,
  };
  const ratios = String(context.getParameters('rehearsal_ratios', '')).split(',').filter((r) => r.trim() !== '').map(Number);
  if (ratios.some((r) => !(r >= 0))) throw new Error(`rehearsal_ratios must be non-negative numbers separated by commas, got ${JSON.stringify(process.env.rehearsal_ratios)}`);
  log(`read ${samples} samples from ${dataUrl}; training from ${process.env.BASE_MODEL_URL ?? 'a new model'} (${JSON.stringify(trainOptions)})`);
  const { IncrementalLearning, MlpEstimator, onnxSaver } = await import('./lib.js');
  const { withRehearsal } = await import('./rehearsal.js');
  let round = { x: data.x, y: data.y };
  if (ratios.length > 0) {
    const rehearsed = await withRehearsal(round, {
      baseModelUrl: required('BASE_MODEL_URL'),
      ratios,
      originalCount: context.getParameters('rehearsal_original', 10_000),
      validationCount: context.getParameters('rehearsal_validation', 2_000),
      maxDropPoints: context.getParameters('rehearsal_max_drop', 1),
      train: trainOptions,
      log,
    });
    round = rehearsed.data;
    log(`training on ${samples} new and ${round.y.length - samples} replayed original samples`);
  }
  const il = new IncrementalLearning({ estimator: new MlpEstimator(), log });
  const { metrics, results } = await il.train(round, { trainOptions, alsoSave: [onnxSaver()] });
  log(`trained in ${metrics.seconds?.toFixed(1)} s, train accuracy ${metrics.accuracy?.toFixed(3)}; saved ${results.map((r) => `${r.url} (${r.format})`).join(', ')}`);
}, log);
