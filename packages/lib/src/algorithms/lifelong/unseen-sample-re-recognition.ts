/**
 * Unseen sample re-recognition (ClassType.UTD): when labelled unseen samples come back for an update, which of them
 * belong to known tasks after all (they update those tasks) and which are new (they make new tasks). The original's
 * SampleReRegonitionDefault split them in half.
 * - SampleReRecognitionByAllocation (also registered as SampleReRegonitionDefault): the task extractor decides (the
 *   sample's attributes, cluster or origin); with `check_distance` (default true) a sample allocated to a task with a
 *   profile must also lie within it (quantile/margin as for recognition), else it is new.
 * - SampleReRecognitionByDistance: the nearest task profile within the threshold, whatever the attributes say.
 */
import type { TaskCatalog } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import { nearestProfiledTask, profiledTasks, type ProfiledTask } from './profile-scoring.js';
import type { SampleSet } from './sample-set.js';
import { TaskAllocationDefault } from './task-allocation.js';
import { profileScore, profileThreshold } from './task-profile.js';
import type { ReRecognitionResult, UnseenSampleReRecognition } from './types.js';

function collect(assignments: readonly (string | null)[]): ReRecognitionResult {
  const seen = new Map<string, number[]>();
  const unseen: number[] = [];
  assignments.forEach((task, i) => {
    if (task === null) unseen.push(i);
    else seen.set(task, [...(seen.get(task) ?? []), i]);
  });
  return { seen, unseen };
}

export class SampleReRecognitionByAllocation implements UnseenSampleReRecognition {
  readonly name = 'SampleReRecognitionByAllocation';
  readonly checkDistance: boolean;
  readonly quantile: number;
  readonly margin: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`unseen sample re-recognition "${this.name}"`, param, ['check_distance', 'quantile', 'margin']);
    this.checkDistance = read.boolean('check_distance', true);
    this.quantile = read.number('quantile', 0.99, { min: 0, max: 1 });
    this.margin = read.number('margin', 1, { min: 0, minInclusive: false });
  }

  async split(samples: SampleSet, catalog: TaskCatalog): Promise<ReRecognitionResult> {
    if (samples.size === 0) return { seen: new Map(), unseen: [] };
    const allocations = catalog.tasks.length === 0 ? samples.ids.map(() => null) : new TaskAllocationDefault().allocate(samples, catalog);
    if (!this.checkDistance) return collect(allocations);
    const profiles = new Map(profiledTasks(catalog, true).map((t) => [t.entry, t]));
    return collect(
      allocations.map((task, i) => {
        const profiled: ProfiledTask | undefined = task === null ? undefined : profiles.get(task);
        if (profiled === undefined) return task;
        const threshold = profileThreshold(profiled.profile, this.quantile) * this.margin;
        return profileScore(profiled.profile, samples.features.data, i) <= threshold ? task : null;
      }),
    );
  }
}

export class SampleReRecognitionByDistance implements UnseenSampleReRecognition {
  readonly name = 'SampleReRecognitionByDistance';
  readonly quantile: number;
  readonly margin: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`unseen sample re-recognition "${this.name}"`, param, ['quantile', 'margin']);
    this.quantile = read.number('quantile', 0.99, { min: 0, max: 1 });
    this.margin = read.number('margin', 1, { min: 0, minInclusive: false });
  }

  async split(samples: SampleSet, catalog: TaskCatalog): Promise<ReRecognitionResult> {
    if (samples.size === 0) return { seen: new Map(), unseen: [] };
    const nearest = nearestProfiledTask(samples, profiledTasks(catalog, true), this.quantile, this.margin, this.name);
    return collect(nearest.map(({ score, task }) => (score <= 1 ? task : null)));
  }
}
