import { s, type Infer } from '../schema/dsl.js';
import { StageJobProgressFields, HardExampleMiningSchema, ModelRefSchema, StageConditionSchema, TriggerSchema, WorkerTemplateSchema } from './common.js';

export const IncrementalLearningJobSpecSchema = s.object({
  dataset: s.object({ name: s.string({ minLength: 1 }), trainProb: s.double({ minimum: 0, maximum: 1 }) }),
  initialModel: ModelRefSchema,
  trainSpec: s.object({ template: WorkerTemplateSchema, trigger: TriggerSchema }),
  evalSpec: s.object({ initialEvalModel: ModelRefSchema.optional(), template: WorkerTemplateSchema }),
  deploySpec: s.object({
    model: s.object({
      name: s.string({ minLength: 1 }),
      hotUpdateEnabled: s.boolean().optional(),
      pollPeriodSeconds: s.int64({ minimum: 1 }).default(60),
    }),
    trigger: TriggerSchema,
    hardExampleMining: HardExampleMiningSchema,
    template: WorkerTemplateSchema,
  }),
  credentialName: s.string().optional(),
  outputDir: s.string({ minLength: 1 }),
});
export const IncrementalLearningJobStatusSchema = s.object({
  conditions: s.array(StageConditionSchema).optional(),
  ...StageJobProgressFields,
  startTime: s.time().optional(),
  completionTime: s.time().optional(),
});
export const IncrementalLearningJobBodySchema = s.object({ spec: IncrementalLearningJobSpecSchema, status: IncrementalLearningJobStatusSchema.optional() });
export type IncrementalLearningJobSpec = Infer<typeof IncrementalLearningJobSpecSchema>;
export type IncrementalLearningJobStatus = Infer<typeof IncrementalLearningJobStatusSchema>;
