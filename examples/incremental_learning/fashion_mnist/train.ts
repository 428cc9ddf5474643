/**
 * The train worker of the incremental learning job (one per round). Reads, as the GM sets them:
 *   TRAIN_DATASET_URL     the round's samples (`images/x.pgm label` lines, written by the LC)
 *   ORIGINAL_DATASET_URL  the dataset file; its folder is where the sample paths are relative to
 *   BASE_MODEL_URL        the model to start from (the initial model, then the last trained one)
 *   MODEL_URL             the round's output folder
 *   epochs, batch_size, learning_rate (template env)
 * and reports `train completed` with the model in two formats: tfjs (the next round's base) and onnx (what the
 * eval and inference workers run). Run: `node --import tsx examples/incremental_learning/fashion_mnist/train.ts`.
 */
import { Context, IncrementalLearning, MlpEstimator, onnxSaver, readImageSet } from './lib.js';
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
  log(`training on ${samples} samples from ${process.env.BASE_MODEL_URL ?? 'a new model'} (${JSON.stringify(trainOptions)})`);
  const il = new IncrementalLearning({ estimator: new MlpEstimator(), log });
  const { metrics, results } = await il.train({ x: data.x, y: data.y }, { trainOptions, alsoSave: [onnxSaver()] });
  log(`trained in ${metrics.seconds?.toFixed(1)} s, train accuracy ${metrics.accuracy?.toFixed(3)}; saved ${results.map((r) => `${r.url} (${r.format})`).join(', ')}`);
}, log);
