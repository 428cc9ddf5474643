/**
 * The train worker of a simulated lifelong learning case (one Pod per round, from the LifelongLearningJob's
 * trainSpec, on the cloud node): the lib's LifelongLearning.train on the round's samples (TRAIN_DATASET_URL, the
 * LC's round file: the task the case added to the dataset, its train share). The first round is the initial
 * training; later ones, with HAS_COMPLETED_INITIAL_TRAINING and CLOUD_KB_INDEX from the GM, update the deployed
 * knowledge base (the new task found unseen and learned as a task of its own). Models, samples and the index go to
 * OUTPUT_URL and the control plane's knowledge base (KB_SERVER); the lib reports `train completed` to the LC.
 */
import { loadIndex } from '../../paradigms/data.js';
import { asSampleSet } from '../../paradigms/lifelong-tasks.js';
import { lifelongOfCase, workerCase } from './ll-lifelong.js';

const log = (line: string): void => console.log(`[train] ${line}`);
try {
  const spec = workerCase();
  const file = process.env.TRAIN_DATASET_URL;
  if (!file) throw new Error('environment variable TRAIN_DATASET_URL is not set (the GM gives the round file)');
  const data = await loadIndex(file, 'train data');
  const ll = await lifelongOfCase(spec, { log });
  const result = await ll.train(asSampleSet(data, 'train'));
  const groups = result.index.seen_task.task_groups.map((g) => `${g.entry} (${g.model?.train_samples ?? 0} samples)`);
  log(`${ll.settings.hasCompletedInitialTraining ? 'update' : 'initial training'} on ${data.y.length} samples of ${file}: index ${result.index.create_time} with ${groups.join(', ')}`);
  process.exit(0);
} catch (err) {
  console.error(`train worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
