/**
 * The train worker of a simulated incremental learning case (one Pod per round, from the IncrementalLearningJob's
 * trainSpec): the lib's IncrementalLearning.train with the case's basemodel module on the round's samples
 * (TRAIN_DATASET_URL, sample paths relative to the dataset file's folder), from BASE_MODEL_URL into MODEL_URL; the
 * lib reports `train completed` with the model to the LC.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IncrementalLearning, readImageSet } from '@sedna/lib';
import { moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import type { BaseModel } from '../../paradigms/types.js';

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
const log = (line: string): void => console.log(`[train] ${line}`);
try {
  const dataUrl = process.env.TRAIN_DATASET_URL as string;
  const data = await readImageSet(dataUrl, { dataType: 'train', onMalformed: 'error', dataPathPrefix: dirname(process.env.ORIGINAL_DATASET_URL as string) });
  if (data.y.length === 0) throw new Error(`${dataUrl} has no samples to train on`);
  const estimator = await moduleInstance<BaseModel>(requireModule(spec.modules, 'basemodel', 'incrementallearning'));
  const il = new IncrementalLearning<BaseModel>({ estimator, hardExampleMining: null, hardExamples: false, log });
  const { results } = await il.train({ x: data.x, y: data.y });
  log(`trained on ${data.y.length} samples from ${process.env.BASE_MODEL_URL}: ${results.map((r) => r.url).join(', ')}`);
  process.exit(0);
} catch (err) {
  console.error(`train worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
