/**
 * LifelongLearningJob on the shared stage-job controller, with the lifelong differences of the original: no deploy
 * trigger (the LC decides), the deployed model is the knowledge base index (`<outputDir>/deploy/index.json`; the
 * original's was a pickle), the inference worker starts with the first deploy and restarts on each, workers get
 * KB_SERVER, OUTPUT_URL, HAS_COMPLETED_INITIAL_TRAINING and CLOUD_KB_INDEX, and reports fill
 * `status.knowledgeBase` (AIModels, AIClasses, samples).
 */
import type { WorkerEnv } from '@sedna/api/contracts';
import { join } from 'node:path';
import type { KnowledgeBase, LifelongLearningJobSpec, StageCondition } from '@sedna/api';
import type { parseStageData} from '../stagejob/controller.js';
import { type StageJobKind } from '../stagejob/controller.js';
import type { ObjectOf } from '../../runtime/kinds.js';

type Job = ObjectOf<'LifelongLearningJob'>;
const specOf = (job: Job): LifelongLearningJobSpec => job.spec;

export function kbIndexPath(job: Job): string {
  return join(specOf(job).outputDir, 'deploy', 'index.json');
}

/** The knowledge base status from a report's models (their current_metric, classes and unseen sample counts). */
export function knowledgeBaseFromReport(content: Record<string, unknown>): KnowledgeBase | undefined {
  const models = ((content['output'] as { models?: Record<string, unknown>[] } | undefined)?.models ?? []).filter((m) => m && typeof m === 'object');
  if (models.length === 0) return undefined;
  const list: NonNullable<KnowledgeBase['AIModels']['listOfAIModels']> = [];
  const classes = new Set<string>();
  let labeledUnseen = 0;
  let unseen = 0;
  for (const model of models) {
    const metrics = (model['current_metric'] ?? {}) as Record<string, Record<string, number>>;
    for (const [modelID, values] of Object.entries(metrics)) {
      const precision = Number(values['precision'] ?? values['accuracy'] ?? values['averagePrecision'] ?? 0);
      list.push({ modelID, averagePrecision: Number.isFinite(precision) ? precision : 0, numberOfTrainSamples: Number(values['samples'] ?? values['numberOfTrainSamples'] ?? 0) || 0 });
    }
    for (const c of (model['classes'] as unknown[] | undefined) ?? []) classes.add(String(c));
    labeledUnseen += Number(model['number_of_labeled_unseen_sample'] ?? 0) || 0;
    unseen += Number(model['number_of_unseen_sample'] ?? 0) || 0;
  }
  return {
    AIModels: { numberOfAIModels: list.length, listOfAIModels: list },
    AIClasses: { numberOfAIClasses: classes.size, listOfAIClasses: [...classes].sort() },
    samples: { numberOfLabeledUnseenSample: labeledUnseen, numberOfUnseenSample: unseen },
  };
}

function initialTrainingDone(conditions: readonly StageCondition[]): boolean {
  return conditions.some((c) => c.stage === 'Train' && c.type === 'Completed');
}

export const lifelongLearning: StageJobKind<'LifelongLearningJob'> = {
  kind: 'LifelongLearningJob',
  datasetName: (job) => specOf(job).dataset.name,
  modelNames: () => [],
  template: (job, stage) => {
    const spec = specOf(job);
    return stage === 'Train' ? spec.trainSpec.template : stage === 'Eval' ? spec.evalSpec.template : spec.deploySpec.template;
  },
  inferenceFromStart: false,
  hotUpdate: () => false,
  inferenceEnv: ({ job }) => ({ MODEL_URLS: kbIndexPath(job), OUTPUT_URL: specOf(job).outputDir }),
  stageEnv: ({ job, conditions, round, kbServer }, stage, data: ReturnType<typeof parseStageData>) => {
    const input = data.input ?? {};
    const spec = specOf(job);
    const common: WorkerEnv = { KB_SERVER: kbServer };
    if (stage === 'Train') {
      const done = initialTrainingDone(conditions);
      return {
        ...common,
        OUTPUT_URL: input.outputDir ?? join(spec.outputDir, 'train', String(round)),
        HAS_COMPLETED_INITIAL_TRAINING: String(done),
        ...(done ? { CLOUD_KB_INDEX: kbIndexPath(job) } : {}),
        ...(input.dataURL ? { TRAIN_DATASET_URL: input.dataURL } : {}),
      };
    }
    return {
      ...common,
      OUTPUT_URL: input.outputDir ?? join(spec.outputDir, 'eval', String(round)),
      MODEL_URLS: (input.models ?? []).map((m) => m.url ?? '').filter(Boolean).join(';'),
      ...(input.dataURL ? { TEST_DATASET_URL: input.dataURL } : {}),
    };
  },
  statusFromReport: (_job, content) => {
    const kb = knowledgeBaseFromReport(content);
    return kb ? { knowledgeBase: kb } : undefined;
  },
};
