/**
 * The eval worker of a simulated lifelong learning case (one Pod per round, from the evalSpec, on the cloud node):
 * the lib's LifelongLearning.evaluate of the index the round's training wrote (MODEL_URLS) on the job's eval
 * samples (TEST_DATASET_URL: the LC's eval share of the tasks added so far, lifelong_learning_data_setting's
 * 1 - train_ratio). Every group is scored; the case's template sets the deploy rule to keep every group (Ianvs's
 * no-inference mode answers each task with its model whatever its score, as the case's process does). The deploy
 * status is kept in the index the worker writes, not through the knowledge base server: that server holds one
 * current index for the whole control plane, which a case running beside this one may replace between the two
 * calls that set a status. The lib reports `eval completed` with the index; the LC deploys it.
 */
import { loadIndex } from '../../paradigms/data.js';
import { asSampleSet } from '../../paradigms/lifelong-tasks.js';
import { lifelongOfCase, workerCase } from './ll-lifelong.js';

const log = (line: string): void => console.log(`[eval] ${line}`);
try {
  const spec = workerCase();
  const file = process.env.TEST_DATASET_URL;
  if (!file) throw new Error('environment variable TEST_DATASET_URL is not set (the GM gives the round\'s eval file)');
  const data = await loadIndex(file, 'evaluation data');
  const ll = await lifelongOfCase(spec, { log, kb: false });
  const result = await ll.evaluate(asSampleSet(data, 'eval'));
  const groups = Object.entries(result.groups).map(([g, e]) => `${g} ${e.samples} samples, accuracy ${Number.isFinite(e.scores.accuracy) ? e.scores.accuracy?.toFixed(4) : 'n/a'}${e.deploy ? '' : ' (withdrawn)'}`);
  log(`evaluated ${data.y.length} samples of ${file}: ${groups.join('; ')}; index ${result.index.create_time} written to ${result.indexUrl}`);
  process.exit(0);
} catch (err) {
  console.error(`eval worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
