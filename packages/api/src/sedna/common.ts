import { s, type Infer } from '../schema/dsl.js';
import { ConditionStatusSchema, KeyValueSchema } from '../meta/objectmeta.js';
import { DeploymentSpecShape, PodTemplateSpecSchema } from '../core/pod.js';

export const ModelRefSchema = s.object({ name: s.string({ minLength: 1 }) });
export const DatasetRefSchema = s.object({ name: s.string({ minLength: 1 }) });
export const ParaSpecSchema = KeyValueSchema;
export const MetricSchema = KeyValueSchema;
export type Metric = Infer<typeof MetricSchema>;

export const HardExampleMiningSchema = s.object({
  name: s.string({ minLength: 1 }),
  parameters: s.array(ParaSpecSchema, { uniqueKey: 'key' }).optional(),
});

/** Comparison operators of trigger conditions, words and symbols, as the original LC accepts them. */
export const TRIGGER_OPERATORS = ['gt', '>', 'ge', '>=', 'eq', '=', '==', 'ne', '!=', 'le', '<=', 'lt', '<'] as const;
export type TriggerOperator = (typeof TRIGGER_OPERATORS)[number];

const HH_MM = /^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;

export const TriggerConditionSchema = s.object({
  operator: s.enum(...TRIGGER_OPERATORS),
  threshold: s.double(),
  // A metric name with an optional list index: `num_of_samples`, `precision_delta[0]`.
  metric: s.string({ pattern: /^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?$/, patternMessage: 'must be a metric name with an optional index, such as num_of_samples or precision_delta[0]' }),
});

export const TriggerSchema = s.object({
  checkPeriodSeconds: s.int64({ minimum: 1 }).optional(),
  timer: s
    .object({
      start: s.string({ pattern: HH_MM, patternMessage: 'must be a time of day HH:MM' }),
      end: s.string({ pattern: HH_MM, patternMessage: 'must be a time of day HH:MM' }),
    })
    .optional(),
  condition: TriggerConditionSchema,
});
export type Trigger = Infer<typeof TriggerSchema>;

export const HpaSchema = s.object({
  minReplicas: s.int32({ minimum: 1 }).optional(),
  maxReplicas: s.int32({ minimum: 1 }),
  metrics: s.array(s.freeObject()).optional(),
  behavior: s.freeObject().optional(),
});

export const WorkerTemplateSchema = PodTemplateSpecSchema;

/** Conditions of services (JointInference, FeatureExtraction, ObjectSearch, ObjectTracking). */
export const ServiceConditionSchema = s.object({
  type: s.enum('Pending', 'Failed', 'Running'),
  status: ConditionStatusSchema,
  lastHeartbeatTime: s.time().optional(),
  lastTransitionTime: s.time().optional(),
  reason: s.string().optional(),
  message: s.string().optional(),
});
export type ServiceCondition = Infer<typeof ServiceConditionSchema>;

export const JobStageSchema = s.enum('Train', 'Eval', 'Deploy');
export type JobStage = Infer<typeof JobStageSchema>;
export const JobStageConditionTypeSchema = s.enum('Waiting', 'Ready', 'Starting', 'Running', 'Completed', 'Failed');
export type JobStageConditionType = Infer<typeof JobStageConditionTypeSchema>;

/**
 * Conditions of the stage machines (IncrementalLearningJob, LifelongLearningJob): appended in order, the last is the
 * state; the GM keeps the history bounded (contracts/stage-protocol.ts). An old job's long history still loads.
 */
export const StageConditionSchema = s.object({
  type: JobStageConditionTypeSchema,
  status: ConditionStatusSchema,
  stage: JobStageSchema,
  lastHeartbeatTime: s.time().optional(),
  lastTransitionTime: s.time().optional(),
  reason: s.string().optional(),
  message: s.string().optional(),
  data: s.string().optional(),
});
export type StageCondition = Infer<typeof StageConditionSchema>;

/** The explicit progress of a stage job, in its status next to the conditions (contracts/stage-protocol.ts). */
export const StageJobProgressFields = {
  round: s.int32({ minimum: 0 }).optional().describe('The current round: how many times the train stage has been Ready. A round\'s Train, Eval and Deploy share it.'),
  stage: JobStageSchema.optional().describe('The current stage (the latest condition\'s).'),
  phase: JobStageConditionTypeSchema.optional().describe('The phase of the current stage: the latest condition\'s type.'),
};

export const JobPhaseSchema = s.enum('Pending', 'Running', 'Succeeded', 'Failed');

export const TrackingWorkerSchema = s.object({ template: PodTemplateSpecSchema });
export const ReidWorkersSchema = s.object(DeploymentSpecShape);
