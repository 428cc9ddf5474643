/**
 * Objects typed by kind, from the schema DSL's inferred types in @sedna/api: a controller that reads a `Model` from
 * its cache gets `spec: ModelSpec` without a cast. The objects in a cache passed the API server's validation, so the
 * one cast from the wire to these types is here, in the runtime.
 */
import type {
  DatasetBodySchema,
  DeploymentBodySchema,
  FeatureExtractionServiceBodySchema,
  FederatedLearningJobBodySchema,
  HorizontalPodAutoscalerBodySchema,
  IncrementalLearningJobBodySchema,
  Infer,
  JointInferenceServiceBodySchema,
  KubeObject,
  LifelongLearningJobBodySchema,
  ModelBodySchema,
  NodeBodySchema,
  ObjectSearchServiceBodySchema,
  ObjectTrackingServiceBodySchema,
  PersistentVolumeBodySchema,
  PersistentVolumeClaimBodySchema,
  PodBodySchema,
  ReidJobBodySchema,
  ServiceBodySchema,
  VideoAnalyticsJobBodySchema,
} from '@sedna/api';

/** The body schema of each kind the GM's controllers read. */
interface KindBodies {
  Dataset: typeof DatasetBodySchema;
  Model: typeof ModelBodySchema;
  JointInferenceService: typeof JointInferenceServiceBodySchema;
  FederatedLearningJob: typeof FederatedLearningJobBodySchema;
  IncrementalLearningJob: typeof IncrementalLearningJobBodySchema;
  LifelongLearningJob: typeof LifelongLearningJobBodySchema;
  FeatureExtractionService: typeof FeatureExtractionServiceBodySchema;
  ObjectSearchService: typeof ObjectSearchServiceBodySchema;
  ObjectTrackingService: typeof ObjectTrackingServiceBodySchema;
  ReidJob: typeof ReidJobBodySchema;
  VideoAnalyticsJob: typeof VideoAnalyticsJobBodySchema;
  Pod: typeof PodBodySchema;
  Service: typeof ServiceBodySchema;
  Node: typeof NodeBodySchema;
  Deployment: typeof DeploymentBodySchema;
  HorizontalPodAutoscaler: typeof HorizontalPodAutoscalerBodySchema;
  PersistentVolumeClaim: typeof PersistentVolumeClaimBodySchema;
  PersistentVolume: typeof PersistentVolumeBodySchema;
}

/** A kind a controller may watch (by its Kind name). */
export type KindName = keyof KindBodies;

/** An object of `K` as stored: metadata and the kind's fields. */
export type ObjectOf<K extends KindName> = KubeObject & Infer<KindBodies[K]>;

/** Any object a controller reads (a union of every kind's). */
export type AnyObject = ObjectOf<KindName>;
