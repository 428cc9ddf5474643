import { s, type Infer } from '../schema/dsl.js';
import { StageJobProgressFields, StageConditionSchema, TriggerSchema, WorkerTemplateSchema } from './common.js';

export const LifelongLearningJobSpecSchema = s.object({
  dataset: s.object({ name: s.string({ minLength: 1 }), trainProb: s.double({ minimum: 0, maximum: 1 }) }),
  trainSpec: s.object({ template: WorkerTemplateSchema, trigger: TriggerSchema }),
  evalSpec: s.object({ template: WorkerTemplateSchema }),
  deploySpec: s.object({ template: WorkerTemplateSchema }),
  credentialName: s.string().optional(),
  outputDir: s.string({ minLength: 1 }),
});

// The capitalised keys `AIModels` and `AIClasses` are the original's JSON names.
export const KnowledgeBaseSchema = s.object({
  AIModels: s.object({
    numberOfAIModels: s.int32().default(0),
    listOfAIModels: s.array(s.object({ modelID: s.string(), averagePrecision: s.float(), numberOfTrainSamples: s.int32() })).optional(),
  }),
  AIClasses: s.object({
    numberOfAIClasses: s.int32().default(0),
    listOfAIClasses: s.array(s.string()).optional(),
  }),
  samples: s.object({
    numberOfLabeledUnseenSample: s.int32().default(0),
    numberOfUnseenSample: s.int32().default(0),
  }),
});
export type KnowledgeBase = Infer<typeof KnowledgeBaseSchema>;

export const LifelongLearningJobStatusSchema = s.object({
  conditions: s.array(StageConditionSchema).optional(),
  ...StageJobProgressFields,
  knowledgeBase: KnowledgeBaseSchema.optional(),
  startTime: s.time().optional(),
  completionTime: s.time().optional(),
});
export const LifelongLearningJobBodySchema = s.object({ spec: LifelongLearningJobSpecSchema, status: LifelongLearningJobStatusSchema.optional() });
export type LifelongLearningJobSpec = Infer<typeof LifelongLearningJobSpecSchema>;
export type LifelongLearningJobStatus = Infer<typeof LifelongLearningJobStatusSchema>;
