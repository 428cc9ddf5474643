/**
 * IncrementalLearningJob on the shared stage-job controller: the inference worker runs from the start with the
 * deploy model and hard example mining; a deploy restarts it (cold) or, with `hotUpdateEnabled`, leaves it running
 * while the LC writes the hot-update config and the worker swaps models. Train workers get the round's data and
 * output folder, eval workers the models to compare (§3.10 of the reference).
 */
import { join } from 'node:path';
import type { IncrementalLearningJobSpec } from '@sedna/api';
import type { StageJobKind } from '../stagejob/controller.js';
import type { ObjectOf } from '../../runtime/kinds.js';

import { HOT_UPDATE_CONFIG_ANNOTATION } from '@sedna/api';
export { HOT_UPDATE_CONFIG_ANNOTATION };

type Job = ObjectOf<'IncrementalLearningJob'>;
const specOf = (job: Job): IncrementalLearningJobSpec => job.spec;

/** Embedded mode: the LC and the worker share the host's files; the config lives in the job's output folder. */
export function hotUpdateConfigPath(job: Job): string | undefined {
  const spec = specOf(job);
  return spec.deploySpec.model.hotUpdateEnabled ? join(spec.outputDir, 'model-hot-update', 'model_config.json') : undefined;
}

export const incrementalLearning: StageJobKind<'IncrementalLearningJob'> = {
  kind: 'IncrementalLearningJob',
  datasetName: (job) => specOf(job).dataset.name,
  modelNames: (job) => {
    const spec = specOf(job);
    return [spec.initialModel.name, spec.deploySpec.model.name, ...(spec.evalSpec.initialEvalModel ? [spec.evalSpec.initialEvalModel.name] : [])];
  },
  template: (job, stage) => {
    const spec = specOf(job);
    return stage === 'Train' ? spec.trainSpec.template : stage === 'Eval' ? spec.evalSpec.template : spec.deploySpec.template;
  },
  inferenceFromStart: true,
  hotUpdate: (job) => specOf(job).deploySpec.model.hotUpdateEnabled === true,
  annotations: (job): Record<string, string> => {
    const path = hotUpdateConfigPath(job);
    return path ? { [HOT_UPDATE_CONFIG_ANNOTATION]: path } : {};
  },
  inferenceEnv: ({ job, models }) => {
    const spec = specOf(job);
    const deployModel = models.get(spec.deploySpec.model.name, job.metadata.namespace)?.spec;
    if (!deployModel) return undefined;
    const hot = hotUpdateConfigPath(job);
    return {
      MODEL_URL: deployModel.url,
      HEM_NAME: spec.deploySpec.hardExampleMining.name,
      HEM_PARAMETERS: JSON.stringify(spec.deploySpec.hardExampleMining.parameters ?? []),
      ...(hot ? { MODEL_HOT_UPDATE: 'true', MODEL_POLL_PERIOD_SECONDS: String(spec.deploySpec.model.pollPeriodSeconds), MODEL_HOT_UPDATE_CONFIG: hot } : {}),
    };
  },
  stageEnv: ({ job }, stage, data) => {
    const input = data.input ?? {};
    const urls = (input.models ?? []).map((m) => m.url ?? '').filter(Boolean);
    return stage === 'Train'
      ? { MODEL_URL: input.outputDir ?? join(specOf(job).outputDir, 'train'), ...(urls[0] ? { BASE_MODEL_URL: urls[0] } : {}), ...(input.dataURL ? { TRAIN_DATASET_URL: input.dataURL } : {}) }
      : { MODEL_URLS: urls.join(';'), ...(input.dataURL ? { TEST_DATASET_URL: input.dataURL } : {}) };
  },
};
