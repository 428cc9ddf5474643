/**
 * The lifelong learning artifacts (the original's `task_jobs.artifact`: Task, TaskGroup) and how a task extractor is
 * written down. Extractors are plain JSON, not pickled objects, so the knowledge base index is language-neutral:
 * each kind names the information its allocation needs, and the per-task part (attribute values, cluster centre,
 * origin) lives on the task itself, so adding a task never rewrites the extractor.
 */
import type { Tensor } from '../../core/estimator.js';
import { SampleSet, type Attributes } from './sample-set.js';
import type { TaskProfile } from './task-profile.js';

/** One task: the samples it covers and what identifies it (`metaAttr`, the original's `meta_attr`). */
export interface Task {
  readonly entry: string;
  readonly metaAttr: Attributes;
  readonly samples: SampleSet;
  /** For tasks defined by clustering: the cluster centre allocation compares samples with. */
  readonly clusterCenter?: Float32Array;
}

/** How much a task's knowledge is shared inside its group (the KB's `ll_task_relation.transfer_radio`). */
export interface TaskRelation {
  readonly task: string;
  readonly transferRatio: number;
}

/** Tasks that share one model. */
export interface TaskGroup {
  readonly entry: string;
  readonly tasks: readonly Task[];
  readonly relations: readonly TaskRelation[];
}

export type TaskExtractor =
  /** Tasks are the distinct values of these sample attributes (TaskDefinitionByDataAttr). */
  | { readonly kind: 'attribute'; readonly attributes: readonly string[] }
  /** Tasks are clusters of the features; each task keeps its centre (TaskDefinitionByCluster). */
  | { readonly kind: 'cluster' }
  /**
   * Tasks are where samples come from: a sample whose id contains `markers[i]` comes from `origins[i]`; one that
   * contains no marker comes from the last origin (TaskDefinitionByOrigin).
   */
  | { readonly kind: 'origin'; readonly origins: readonly string[]; readonly markers: readonly string[] };

export type TaskExtractorKind = TaskExtractor['kind'];

/** Checks an extractor read from JSON; errors name `where`. */
export function parseTaskExtractor(value: unknown, where: string): TaskExtractor {
  const raw = value as { kind?: unknown; attributes?: unknown; origins?: unknown; markers?: unknown } | null;
  if (raw === null || typeof raw !== 'object') throw new Error(`${where} must be an object with a "kind"`);
  const names = (list: unknown, field: string): string[] => {
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item !== '')) throw new Error(`${where}.${field} must be a list of names`);
    return list as string[];
  };
  switch (raw.kind) {
    case 'attribute': {
      const attributes = names(raw.attributes, 'attributes');
      if (attributes.length === 0) throw new Error(`${where}.attributes must name at least one attribute`);
      return { kind: 'attribute', attributes };
    }
    case 'cluster':
      return { kind: 'cluster' };
    case 'origin': {
      const origins = names(raw.origins, 'origins');
      const markers = names(raw.markers, 'markers');
      if (origins.length < 2) throw new Error(`${where}.origins must name at least two origins`);
      if (markers.length !== origins.length - 1) throw new Error(`${where}.markers must have one marker per origin but the last (${origins.length - 1}), found ${markers.length}`);
      return { kind: 'origin', origins, markers };
    }
    default:
      throw new Error(`${where}.kind must be attribute, cluster or origin; got ${JSON.stringify(raw.kind)}`);
  }
}

/**
 * A task entry from attribute values, as the original built it: each value with "_" replaced by "-", joined with
 * "_", spaces removed. ("summer", "new york") gives "summer_newyork".
 */
export function entryFromValues(values: readonly string[]): string {
  return values.map((v) => String(v).replaceAll('_', '-')).join('_').replace(/\s+/g, '');
}

/** The attribute values of a sample, in `attributes` order, or the first attribute it lacks. */
export function attributeValues(sample: Attributes, attributes: readonly string[]): { values: string[] } | { missing: string } {
  const values: string[] = [];
  for (const name of attributes) {
    const value = sample[name];
    if (value === undefined || value.trim() === '') return { missing: name };
    values.push(value.trim());
  }
  return { values };
}

/** The origin of a sample id under an origin extractor. */
export function originOf(id: string, extractor: Extract<TaskExtractor, { kind: 'origin' }>): string {
  const index = extractor.markers.findIndex((marker) => id.includes(marker));
  return (index >= 0 ? extractor.origins[index] : extractor.origins[extractor.origins.length - 1]) as string;
}

/** All samples of a group's tasks, one task after the other. */
export function groupSamples(group: TaskGroup): SampleSet {
  return SampleSet.concat(group.tasks.map((t) => t.samples));
}

/** A task the knowledge base already holds, as the inference-side algorithms see it. */
export interface KnownTask {
  readonly entry: string;
  /** The group whose model answers this task. */
  readonly group: string;
  readonly metaAttr: Attributes;
  readonly clusterCenter?: Float32Array;
  readonly profile?: TaskProfile;
  /** Whether the evaluation kept the group's model for the edge. */
  readonly deployed: boolean;
}

/** The known tasks and how samples map to them: what allocation, recognition and update decisions consult. */
export interface TaskCatalog {
  readonly extractor: TaskExtractor | null;
  readonly tasks: readonly KnownTask[];
  /** The class probabilities a group's model gives; present where models are loaded (edge, cloud evaluation). */
  predict?(group: string, samples: SampleSet): Promise<Tensor>;
}
