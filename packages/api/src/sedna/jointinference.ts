import { s, type Infer } from '../schema/dsl.js';
import { HardExampleMiningSchema, HpaSchema, MetricSchema, ModelRefSchema, ServiceConditionSchema, WorkerTemplateSchema } from './common.js';

export const JointInferenceServiceSpecSchema = s.object({
  edgeWorker: s.object({
    model: ModelRefSchema,
    hardExampleMining: HardExampleMiningSchema,
    template: WorkerTemplateSchema,
    hpa: HpaSchema.optional(),
  }),
  cloudWorker: s.object({
    model: ModelRefSchema,
    template: WorkerTemplateSchema,
    hpa: HpaSchema.optional(),
  }),
});
export const JointInferenceServiceStatusSchema = s.object({
  conditions: s.array(ServiceConditionSchema).optional(),
  startTime: s.time().optional(),
  active: s.int32().default(0),
  failed: s.int32().default(0),
  metrics: s.array(MetricSchema).optional(),
});
export const JointInferenceServiceBodySchema = s.object({ spec: JointInferenceServiceSpecSchema, status: JointInferenceServiceStatusSchema.optional() });
export type JointInferenceServiceSpec = Infer<typeof JointInferenceServiceSpecSchema>;
export type JointInferenceServiceStatus = Infer<typeof JointInferenceServiceStatusSchema>;
