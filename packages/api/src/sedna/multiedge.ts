/** The multi-edge inference kinds: ObjectSearchService, ObjectTrackingService, ReidJob, VideoAnalyticsJob, FeatureExtractionService. */
import { s, type Infer } from '../schema/dsl.js';
import { DeploymentSpecShape, JobSpecShape } from '../core/pod.js';
import { JobPhaseSchema, MetricSchema, ModelRefSchema, ReidWorkersSchema, ServiceConditionSchema, StageConditionSchema, TrackingWorkerSchema, WorkerTemplateSchema } from './common.js';

const ServiceStatusShape = {
  conditions: s.array(ServiceConditionSchema).optional(),
  startTime: s.time().optional(),
  active: s.int32().default(0),
  failed: s.int32().default(0),
  // Not in the original ObjS/ObjT CRDs: where the workers' reports land (the original dropped them).
  metrics: s.array(MetricSchema).optional(),
};

export const ObjectSearchServiceSpecSchema = s.object({
  userWorker: s.object({ template: WorkerTemplateSchema }),
  trackingWorkers: s.array(TrackingWorkerSchema),
  reidWorkers: ReidWorkersSchema,
});
export const ObjectSearchServiceBodySchema = s.object({ spec: ObjectSearchServiceSpecSchema, status: s.object(ServiceStatusShape).optional() });

export const ObjectTrackingServiceSpecSchema = s.object({
  trackingWorkers: s.array(TrackingWorkerSchema),
  reidWorkers: ReidWorkersSchema,
});
export const ObjectTrackingServiceBodySchema = s.object({ spec: ObjectTrackingServiceSpecSchema, status: s.object(ServiceStatusShape).optional() });

const JobStatusSchema = s.object({
  conditions: s.array(StageConditionSchema.extend({ stage: s.string().optional() })).optional(),
  startTime: s.time().optional(),
  completionTime: s.time().optional(),
  active: s.int32().default(0),
  succeeded: s.int32().default(0),
  failed: s.int32().default(0),
  phase: JobPhaseSchema.optional(),
  // Not in the original VA/ReID CRDs: the workers' counters from their reports.
  metrics: s.array(MetricSchema).optional(),
});

export const ReidJobSpecSchema = s.object({ ...JobSpecShape, kafkaSupport: s.boolean().optional() });
export const ReidJobBodySchema = s.object({ spec: ReidJobSpecSchema, status: JobStatusSchema.optional() });

export const VideoAnalyticsJobSpecSchema = s.object({ ...JobSpecShape, kafkaSupport: s.boolean().optional(), model: ModelRefSchema });
export const VideoAnalyticsJobBodySchema = s.object({ spec: VideoAnalyticsJobSpecSchema, status: JobStatusSchema.optional() });

export const FeatureExtractionServiceSpecSchema = s.object({ ...DeploymentSpecShape, kafkaSupport: s.boolean().optional(), model: ModelRefSchema });
export const FeatureExtractionServiceBodySchema = s.object({
  spec: FeatureExtractionServiceSpecSchema,
  status: s.object(ServiceStatusShape).optional(),
});

export type ObjectSearchServiceSpec = Infer<typeof ObjectSearchServiceSpecSchema>;
export type ObjectTrackingServiceSpec = Infer<typeof ObjectTrackingServiceSpecSchema>;
export type ReidJobSpec = Infer<typeof ReidJobSpecSchema>;
export type VideoAnalyticsJobSpec = Infer<typeof VideoAnalyticsJobSpecSchema>;
export type FeatureExtractionServiceSpec = Infer<typeof FeatureExtractionServiceSpecSchema>;
// WorkerTemplateSchema is re-exported for tracking workers built by controllers.
export { WorkerTemplateSchema };
