import { s, type Infer } from '../schema/dsl.js';
import { ConditionStatusSchema } from '../meta/objectmeta.js';
import { DatasetRefSchema, JobPhaseSchema, ModelRefSchema, WorkerTemplateSchema } from './common.js';

export const FederatedLearningJobSpecSchema = s.object({
  aggregationWorker: s.object({ model: ModelRefSchema, template: WorkerTemplateSchema }),
  trainingWorkers: s.array(s.object({ dataset: DatasetRefSchema, template: WorkerTemplateSchema }), { minItems: 1 }),
  pretrainedModel: ModelRefSchema.optional(),
  transmitter: s
    .object({
      s3: s.object({ aggDataPath: s.string({ minLength: 1 }), credentialName: s.string().optional() }).optional(),
      ws: s.object({}).optional(),
    })
    .optional(),
});
export const FederatedLearningJobConditionSchema = s.object({
  type: s.enum('Complete', 'Failed', 'Training'),
  status: ConditionStatusSchema,
  lastProbeTime: s.time().optional(),
  lastHeartbeatTime: s.time().optional(),
  reason: s.string().optional(),
  message: s.string().optional(),
});
export const FederatedLearningJobStatusSchema = s.object({
  conditions: s.array(FederatedLearningJobConditionSchema).optional(),
  startTime: s.time().optional(),
  completionTime: s.time().optional(),
  active: s.int32().default(0),
  succeeded: s.int32().default(0),
  failed: s.int32().default(0),
  phase: JobPhaseSchema.optional(),
});
export const FederatedLearningJobBodySchema = s.object({ spec: FederatedLearningJobSpecSchema, status: FederatedLearningJobStatusSchema.optional() });
export type FederatedLearningJobSpec = Infer<typeof FederatedLearningJobSpecSchema>;
export type FederatedLearningJobStatus = Infer<typeof FederatedLearningJobStatusSchema>;
