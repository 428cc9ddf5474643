/**
 * Task allocation (ClassType.STP): the known task of each sample, matching how the tasks were defined. A sample that
 * matches no known task gets null, which the caller treats as unseen (the original silently sent it to task 0).
 * - TaskAllocationByDataAttr: the task with the sample's attribute values.
 * - TaskAllocationByCluster: the task with the nearest cluster centre.
 * - TaskAllocationByOrigin: the task of the sample's origin (marker in its id).
 * - TaskAllocationDefault: whichever of these the knowledge base's task extractor calls for (the original's default
 *   sent every sample to task 0).
 */
import type { KnownTask, TaskCatalog, TaskExtractor } from './artifacts.js';
import { attributeValues, originOf } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import type { SampleSet } from './sample-set.js';
import type { TaskAllocation, TaskAllocations } from './types.js';
import { squaredDistance } from './vector-math.js';

export class TaskAllocationByDataAttr implements TaskAllocation {
  readonly name = 'TaskAllocationByDataAttr';
  /** The attributes to match; default: the extractor's. */
  readonly attributes: readonly string[] | undefined;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`task allocation "${this.name}"`, param, ['attribute']);
    const list = read.list('attribute');
    this.attributes = list.length > 0 ? list : undefined;
  }

  allocate(samples: SampleSet, catalog: TaskCatalog): TaskAllocations {
    const attributes = this.attributes ?? (catalog.extractor?.kind === 'attribute' ? catalog.extractor.attributes : undefined);
    if (attributes === undefined) throw new Error(`${this.name}: no "attribute" parameter and the knowledge base's tasks were not defined by attributes`);
    const byKey = new Map<string, string>();
    for (const task of catalog.tasks) {
      const found = attributeValues(task.metaAttr, attributes);
      if ('values' in found) byKey.set(JSON.stringify(found.values), task.entry);
    }
    return samples.attributes.map((sample) => {
      const found = attributeValues(sample, attributes);
      return 'values' in found ? (byKey.get(JSON.stringify(found.values)) ?? null) : null;
    });
  }
}

export class TaskAllocationByCluster implements TaskAllocation {
  readonly name = 'TaskAllocationByCluster';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`task allocation "${this.name}"`, param, []);
  }

  allocate(samples: SampleSet, catalog: TaskCatalog): TaskAllocations {
    const centred = catalog.tasks.filter((t): t is KnownTask & { clusterCenter: Float32Array } => t.clusterCenter !== undefined);
    if (centred.length === 0) throw new Error(`${this.name}: none of the knowledge base's tasks has a cluster centre (they were not defined by clustering)`);
    const d = samples.featureSize;
    for (const task of centred) {
      if (task.clusterCenter.length !== d) throw new Error(`${this.name}: task ${task.entry}'s centre has ${task.clusterCenter.length} values, samples have ${d}`);
    }
    const out: TaskAllocations = [];
    for (let i = 0; i < samples.size; i++) {
      let best: string | null = null;
      let bestDistance = Infinity;
      for (const task of centred) {
        const s = squaredDistance(samples.features.data, i * d, task.clusterCenter, 0, d);
        if (s < bestDistance) {
          bestDistance = s;
          best = task.entry;
        }
      }
      out.push(best);
    }
    return out;
  }
}

export class TaskAllocationByOrigin implements TaskAllocation {
  readonly name = 'TaskAllocationByOrigin';
  private readonly override: Extract<TaskExtractor, { kind: 'origin' }> | undefined;
  /** The original's `default` parameter: every sample is taken to come from this origin. */
  private readonly fixedOrigin: string | undefined;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`task allocation "${this.name}"`, param, ['attribute', 'city', 'markers', 'default']);
    const origins = read.list('attribute');
    const markers = read.list('markers');
    const city = read.text('city', '');
    const fixed = read.text('default', '');
    this.fixedOrigin = fixed !== '' ? fixed : undefined;
    if (origins.length === 0 || this.fixedOrigin !== undefined) {
      this.override = undefined;
      return;
    }
    const resolved = markers.length > 0 ? markers : city !== '' ? [city] : [];
    if (resolved.length !== origins.length - 1) throw new Error(`${this.name}: needs one marker per origin but the last (${origins.length - 1}), got ${resolved.length}`);
    this.override = { kind: 'origin', origins, markers: resolved };
  }

  allocate(samples: SampleSet, catalog: TaskCatalog): TaskAllocations {
    const byOrigin = new Map(catalog.tasks.map((t) => [t.metaAttr['origin'] ?? t.entry, t.entry]));
    if (this.fixedOrigin !== undefined) {
      const entry = byOrigin.get(this.fixedOrigin) ?? null;
      return samples.ids.map(() => entry);
    }
    const extractor = this.override ?? (catalog.extractor?.kind === 'origin' ? catalog.extractor : undefined);
    if (extractor === undefined) throw new Error(`${this.name}: no origins given and the knowledge base's tasks were not defined by origin`);
    return samples.ids.map((id) => byOrigin.get(originOf(id, extractor)) ?? null);
  }
}

export class TaskAllocationDefault implements TaskAllocation {
  readonly name = 'TaskAllocationDefault';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`task allocation "${this.name}"`, param, []);
  }

  allocate(samples: SampleSet, catalog: TaskCatalog): TaskAllocations {
    switch (catalog.extractor?.kind) {
      case 'attribute':
        return new TaskAllocationByDataAttr().allocate(samples, catalog);
      case 'cluster':
        return new TaskAllocationByCluster().allocate(samples, catalog);
      case 'origin':
        return new TaskAllocationByOrigin().allocate(samples, catalog);
      case undefined: {
        // No extractor: a knowledge base of one task takes every sample.
        const only = catalog.tasks.length === 1 ? (catalog.tasks[0] as KnownTask).entry : undefined;
        if (only === undefined) throw new Error(`${this.name}: the knowledge base has ${catalog.tasks.length} tasks and no task extractor to choose between them`);
        return samples.ids.map(() => only);
      }
    }
  }
}
