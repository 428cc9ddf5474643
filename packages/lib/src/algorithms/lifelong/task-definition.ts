/**
 * Task definition: how training samples are cut into tasks (ClassType.STP).
 * - TaskDefinitionByDataAttr: one task per distinct value of the chosen attributes (a site, a season and city).
 * - TaskDefinitionByCluster: k-means on the features; one task per cluster (the original's TaskDefinitionBySVC
 *   clustered and fitted an SVC to allocate; here allocation is the nearest cluster centre, no SVC).
 * - TaskDefinitionByOrigin: one task per origin, told by a marker in the sample id (the original's real/sim split by
 *   a city name in the path, generalised to any number of origins).
 */
import type { Task, TaskExtractor } from './artifacts.js';
import { attributeValues, entryFromValues, originOf } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import type { SampleSet } from './sample-set.js';
import type { TaskDefinition, TaskDefinitionResult } from './types.js';
import { kMeans } from './vector-math.js';

export class TaskDefinitionByDataAttr implements TaskDefinition {
  readonly name = 'TaskDefinitionByDataAttr';
  readonly attributes: readonly string[];

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader('task definition "TaskDefinitionByDataAttr"', param, ['attribute']);
    this.attributes = read.requiredList('attribute');
  }

  define(samples: SampleSet): TaskDefinitionResult {
    const byEntry = new Map<string, { values: string[]; indices: number[] }>();
    for (let i = 0; i < samples.size; i++) {
      const found = attributeValues(samples.attributes[i] ?? {}, this.attributes);
      if ('missing' in found) throw new Error(`${this.name}: sample ${samples.ids[i]} has no value for attribute "${found.missing}"`);
      const entry = entryFromValues(found.values);
      // Values that normalise to one entry ("a_b" and "a-b") form one task, as in the original.
      const task = byEntry.get(entry) ?? { values: found.values, indices: [] };
      task.indices.push(i);
      byEntry.set(entry, task);
    }
    const entries = [...byEntry.keys()].sort();
    const tasks: Task[] = entries.map((entry) => {
      const { values, indices } = byEntry.get(entry) as { values: string[]; indices: number[] };
      const metaAttr = Object.fromEntries(this.attributes.map((name, k) => [name, values[k] as string]));
      return { entry, metaAttr, samples: samples.subset(indices) };
    });
    return { tasks, extractor: { kind: 'attribute', attributes: [...this.attributes] } };
  }
}

export class TaskDefinitionByCluster implements TaskDefinition {
  readonly name = 'TaskDefinitionByCluster';
  readonly clusters: number;
  readonly seed: number;
  /** Prefix of the task entries (`cluster-0`, ...); updates that add clusters use another one. */
  readonly prefix: string;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader('task definition "TaskDefinitionByCluster"', param, ['n_class', 'seed', 'prefix']);
    // The original forced at least 2 clusters (n_class = max(2, n)).
    this.clusters = read.number('n_class', 2, { min: 2, integer: true });
    this.seed = read.number('seed', 0, { integer: true });
    this.prefix = read.text('prefix', 'cluster');
  }

  define(samples: SampleSet): TaskDefinitionResult {
    if (samples.size === 0) return { tasks: [], extractor: { kind: 'cluster' } };
    const d = samples.featureSize;
    const result = kMeans(samples.features.data, samples.size, d, this.clusters, { seed: this.seed });
    const tasks: Task[] = [];
    for (let c = 0; c < result.k; c++) {
      const indices: number[] = [];
      result.assignments.forEach((a, i) => {
        if (a === c) indices.push(i);
      });
      if (indices.length === 0) continue;
      tasks.push({
        entry: `${this.prefix}-${c}`,
        metaAttr: { cluster: String(c) },
        samples: samples.subset(indices),
        clusterCenter: result.centroids.slice(c * d, (c + 1) * d),
      });
    }
    return { tasks, extractor: { kind: 'cluster' } };
  }
}

export class TaskDefinitionByOrigin implements TaskDefinition {
  readonly name = 'TaskDefinitionByOrigin';
  readonly extractor: Extract<TaskExtractor, { kind: 'origin' }>;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader('task definition "TaskDefinitionByOrigin"', param, ['attribute', 'city', 'markers']);
    // The original: attribute "real, sim" and a city; samples whose path names the city are "real".
    const origins = read.list('attribute', ['real', 'sim']);
    if (origins.length < 2) throw new Error(`${this.name}: parameter "attribute" must name at least two origins, got ${JSON.stringify(origins)}`);
    const markers = read.list('markers');
    const city = read.text('city', '');
    if (markers.length > 0 && city !== '') throw new Error(`${this.name}: give either "city" (the first origin's marker) or "markers", not both`);
    const resolved = markers.length > 0 ? markers : city !== '' ? [city] : [];
    if (resolved.length !== origins.length - 1) {
      throw new Error(
        `${this.name}: needs one marker per origin but the last (${origins.length - 1} for ${origins.join(', ')}), got ${resolved.length}; set "city" for two origins or "markers"`,
      );
    }
    this.extractor = { kind: 'origin', origins, markers: resolved };
  }

  define(samples: SampleSet): TaskDefinitionResult {
    const byOrigin = new Map<string, number[]>();
    for (let i = 0; i < samples.size; i++) {
      const origin = originOf(samples.ids[i] as string, this.extractor);
      const list = byOrigin.get(origin) ?? [];
      list.push(i);
      byOrigin.set(origin, list);
    }
    const tasks: Task[] = this.extractor.origins
      .filter((origin) => byOrigin.has(origin))
      .map((origin) => ({ entry: origin, metaAttr: { origin }, samples: samples.subset(byOrigin.get(origin) as number[]) }));
    return { tasks, extractor: this.extractor };
  }
}
