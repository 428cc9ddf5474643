/**
 * The pluggable slots of lifelong learning (sedna-reference §4.1, lib-api part A §7, §9-11) and their registry types.
 * Each slot is an interface; the built-in algorithms register under the original ClassType strings, so a method
 * dict `{method, param}` picks one by name.
 */
import type { Tensor } from '../../core/estimator.js';
import type { Task, TaskCatalog, TaskExtractor, TaskGroup } from './artifacts.js';
import type { SampleSet } from './sample-set.js';

// --- seen task processing (ClassType.STP)

export interface TaskDefinitionResult {
  readonly tasks: Task[];
  readonly extractor: TaskExtractor;
}

/** Splits training samples into tasks (the original's task_definition). */
export interface TaskDefinition {
  readonly name: string;
  define(samples: SampleSet): TaskDefinitionResult;
}

/** Puts tasks into groups that share a model (task_relationship_discovery). */
export interface TaskRelationDiscovery {
  readonly name: string;
  discover(tasks: readonly Task[]): TaskGroup[];
}

/** The known task of every sample, or null when none matches (the original silently used task 0). */
export type TaskAllocations = (string | null)[];

/** Finds each sample's task among the known ones (task_allocation). */
export interface TaskAllocation {
  readonly name: string;
  allocate(samples: SampleSet, catalog: TaskCatalog): TaskAllocations;
}

export interface RemodeledPart {
  readonly group: string;
  /** Positions of the part's samples in the input. */
  readonly indices: readonly number[];
  readonly samples: SampleSet;
}

/** Splits samples into one batch per model group (task_remodeling). */
export interface TaskRemodeling {
  readonly name: string;
  /** `groups[i]` is sample i's group, or null for a sample no group takes. */
  remodel(samples: SampleSet, groups: readonly (string | null)[]): { parts: RemodeledPart[]; unassigned: number[] };
}

export interface PredictedPart {
  readonly indices: readonly number[];
  /** [indices.length, outputs] */
  readonly predictions: Tensor;
}

/** Puts the groups' predictions back together in input order (inference_integrate). */
export interface InferenceIntegrate {
  readonly name: string;
  integrate(parts: readonly PredictedPart[], sampleCount: number): Tensor;
}

// --- unseen task detection (ClassType.UTD)

export interface SampleVerdict {
  readonly seen: boolean;
  /**
   * How far the sample is from what the knowledge base knows, on the recognizer's scale: 1 is the threshold, more
   * is farther (less confident).
   */
  readonly score: number;
  /** The known task the sample is closest to, when the recognizer can tell. */
  readonly nearestTask: string | null;
}

/** Tells seen from unseen samples before inference (unseen_sample_recognition). */
export interface UnseenSampleRecognition {
  readonly name: string;
  recognize(samples: SampleSet, catalog: TaskCatalog): Promise<SampleVerdict[]>;
}

export interface ReRecognitionResult {
  /** Known task entry to the positions of its samples. */
  readonly seen: ReadonlyMap<string, readonly number[]>;
  readonly unseen: readonly number[];
}

/** Tells which labelled unseen samples belong to known tasks after all (unseen_sample_re_recognition). */
export interface UnseenSampleReRecognition {
  readonly name: string;
  split(samples: SampleSet, catalog: TaskCatalog): Promise<ReRecognitionResult>;
}

// --- unseen task processing (ClassType.UTP)

/** Chooses, for each unseen sample, the deployed task whose model answers it (unseen_task_allocation). */
export interface UnseenTaskAllocation {
  readonly name: string;
  allocate(samples: SampleSet, catalog: TaskCatalog): Promise<TaskAllocations>;
}

// --- knowledge base update decision (ClassType.KM)

export type TaskUpdate =
  /** Train the known task's group again on its stored samples plus these, starting from its current model. */
  | { readonly kind: 'retrain'; readonly task: string; readonly newSamples: SampleSet }
  /** Learn a new task; its model starts from `transferFrom`'s (a known task) when set. */
  | { readonly kind: 'new-task'; readonly task: Task; readonly transferFrom: string | null }
  /** Too few samples to learn yet: keep them in the knowledge base as an unseen task. */
  | { readonly kind: 'pending'; readonly task: Task };

export interface TaskUpdateInput {
  /** Labelled samples re-recognized as belonging to known tasks, by task entry. */
  readonly seen: ReadonlyMap<string, SampleSet>;
  /** Labelled samples of no known task. */
  readonly unseen: SampleSet;
}

export interface TaskUpdateContext {
  readonly catalog: TaskCatalog;
  /** The job's task definition, to cut unseen samples into tasks. */
  defineTasks(samples: SampleSet): { tasks: Task[]; extractor: TaskExtractor };
  /** Unseen tasks the knowledge base keeps from earlier updates (too small to learn then). */
  readonly pending: readonly Task[];
  /** A task needs at least this many samples to get a model (MIN_TRAIN_SAMPLE). */
  readonly minTrainSamples: number;
}

/** Decides what an update does with labelled samples (task_update_decision). */
export interface TaskUpdateDecision {
  readonly name: string;
  decide(input: TaskUpdateInput, context: TaskUpdateContext): TaskUpdate[];
}
