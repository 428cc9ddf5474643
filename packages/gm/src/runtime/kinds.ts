/**
 * Objects typed by kind, from the schema DSL's inferred types in @sedna/api: a controller that reads a `Model` from
 * its cache gets `spec: ModelSpec` without a cast. The objects in a cache passed the API server's validation, so the
 * one cast from the wire to these types is here, in the runtime.
 */
import type {
  DatasetBodySchema,
  DeploymentBodySchema,
  EventBodySchema,
  FeatureExtractionServiceBodySchema,
  FederatedLearningJobBodySchema,
  HorizontalPodAutoscalerBodySchema,
  IncrementalLearningJobBodySchema,
  Infer,
  InferInput,
  JointInferenceServiceBodySchema,
  KubeObject,
  LeaseBodySchema,
  LifelongLearningJobBodySchema,
  ModelBodySchema,
  NamespaceBodySchema,
  NodeBodySchema,
  ObjectMeta,
  ObjectSearchServiceBodySchema,
  ObjectTrackingServiceBodySchema,
  PersistentVolumeBodySchema,
  PersistentVolumeClaimBodySchema,
  PodBodySchema,
  ReidJobBodySchema,
  SecretBodySchema,
  ServiceBodySchema,
  VideoAnalyticsJobBodySchema,
} from '@sedna/api';

/** The body schema of each Sedna kind (group sedna.io); every one has a spec. */
interface SednaKindBodies {
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
}

/** The body schema of each core kind the GM reads or writes. */
interface CoreKindBodies {
  Pod: typeof PodBodySchema;
  Service: typeof ServiceBodySchema;
  Node: typeof NodeBodySchema;
  Deployment: typeof DeploymentBodySchema;
  HorizontalPodAutoscaler: typeof HorizontalPodAutoscalerBodySchema;
  PersistentVolumeClaim: typeof PersistentVolumeClaimBodySchema;
  PersistentVolume: typeof PersistentVolumeBodySchema;
  Event: typeof EventBodySchema;
  Secret: typeof SecretBodySchema;
  Namespace: typeof NamespaceBodySchema;
  Lease: typeof LeaseBodySchema;
}

/** The body schema of each kind the GM reads or writes. */
interface KindBodies extends SednaKindBodies, CoreKindBodies {}

/** A Sedna kind (by its Kind name). */
export type SednaKindName = keyof SednaKindBodies;

// A Record over SednaKindName: a kind added to SednaKindBodies and not here does not compile.
const SEDNA_KIND_NAMES: Record<SednaKindName, true> = {
  Dataset: true,
  Model: true,
  JointInferenceService: true,
  FederatedLearningJob: true,
  IncrementalLearningJob: true,
  LifelongLearningJob: true,
  FeatureExtractionService: true,
  ObjectSearchService: true,
  ObjectTrackingService: true,
  ReidJob: true,
  VideoAnalyticsJob: true,
};

/** Whether `kind` names a Sedna kind the GM has the type of (a kind of `KINDS` is a string until checked). */
export function isSednaKindName(kind: string): kind is SednaKindName {
  return Object.hasOwn(SEDNA_KIND_NAMES, kind);
}

/** A kind the GM may watch or write (by its Kind name). */
export type KindName = keyof KindBodies;

const CORE_KIND_NAMES: Record<keyof CoreKindBodies, true> = {
  Pod: true,
  Service: true,
  Node: true,
  Deployment: true,
  HorizontalPodAutoscaler: true,
  PersistentVolumeClaim: true,
  PersistentVolume: true,
  Event: true,
  Secret: true,
  Namespace: true,
  Lease: true,
};

/** Whether `kind` names a kind the GM has the type of (a kind read from YAML or a message is a string until checked). */
export function isKindName(kind: string): kind is KindName {
  return isSednaKindName(kind) || Object.hasOwn(CORE_KIND_NAMES, kind);
}

/** An object of `K` as stored: metadata and the kind's fields. */
export type ObjectOf<K extends KindName> = KubeObject & Infer<KindBodies[K]>;

/** Any object a controller reads (a union of every kind's). */
export type AnyObject = ObjectOf<KindName>;

/**
 * The body the GM sends to create or replace a `K`: metadata and the kind's fields as a writer gives them (defaulted
 * and optional fields may be left out, at every depth). No index signature: a field the kind does not have, or a
 * value of the wrong type, does not compile. The client sets `apiVersion` and `kind`.
 */
export type NewObjectOf<K extends KindName> = { metadata: ObjectMeta } & InferInput<KindBodies[K]>;

/**
 * A JSON merge patch (RFC 7386) of a `K`: any subset of its fields at any depth, `null` to remove one; an array is
 * replaced whole, so it is given whole. `metadata.resourceVersion` makes the patch conditional.
 */
export type MergePatchOf<K extends KindName> = MergePatch<{ metadata: ObjectMeta } & InferInput<KindBodies[K]>>;

type MergePatch<T> = T extends readonly unknown[] ? T : T extends object ? { [P in keyof T]?: MergePatch<T[P]> | null } : T;
