/**
 * The eval worker of the incremental learning job. Reads TEST_DATASET_URL (the round's eval samples, written by
 * the LC), ORIGINAL_DATASET_URL (their folder) and MODEL_URLS (`new;old`), evaluates both models and reports
 * `eval completed` with accuracy and per-class precision and recall for each, in that order: the LC's deploy
 * trigger compares them (`accuracy_delta` = new - old). Run: `node --import tsx .../eval.ts`.
 */
import { evaluateClassifier, IncrementalLearning, MlpEstimator, OnnxEstimator, readImageSet, type Estimator } from './lib.js';
import { logger, required, runMain, samplesBase } from './worker-env.js';

const log = logger('eval-worker');

runMain(async () => {
  const dataUrl = required('TEST_DATASET_URL');
  required('MODEL_URLS');
  const base = samplesBase();
  const data = await readImageSet(dataUrl, { dataType: 'eval', onMalformed: 'skip', ...(base ? { dataPathPrefix: base } : {}) });
  if (data.y.length === 0) throw new Error(`${dataUrl} has no samples to evaluate on`);
  log(`evaluating on ${data.y.length} samples`);
  const il = new IncrementalLearning<Estimator>({ estimator: new OnnxEstimator(), log });
  await il.evaluate(
    { x: data.x, y: data.y },
    {
      // The models of a round are ONNX (the deploy model's format); a tfjs model.json would work too.
      estimatorFor: (url) => (url.toLowerCase().endsWith('.onnx') ? new OnnxEstimator() : new MlpEstimator()),
      metrics: (estimator, labelled) => evaluateClassifier(estimator, labelled.x, labelled.y),
    },
  );
}, log);
