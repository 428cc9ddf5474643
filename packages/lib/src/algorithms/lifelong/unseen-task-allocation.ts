/**
 * Unseen task allocation (ClassType.UTP): which deployed model answers a sample the knowledge base does not know,
 * until a labelled version of it is learned. The original's UnseenTaskAllocationDefault called `fit` on its
 * extractor and fell back to task 0 on any error.
 * - UnseenTaskAllocationByNearestTask (also registered as UnseenTaskAllocationDefault): the deployed task whose
 *   profile the sample is closest to (relative to each task's threshold); without profiles, the first deployed task.
 * - UnseenTaskAllocationByConfidence: the deployed model most confident about the sample.
 */
import type { TaskCatalog } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import { mostConfidentTask, nearestProfiledTask, profiledTasks } from './profile-scoring.js';
import type { SampleSet } from './sample-set.js';
import type { TaskAllocations, UnseenTaskAllocation } from './types.js';

export class UnseenTaskAllocationByNearestTask implements UnseenTaskAllocation {
  readonly name = 'UnseenTaskAllocationByNearestTask';
  readonly quantile: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`unseen task allocation "${this.name}"`, param, ['quantile']);
    this.quantile = read.number('quantile', 0.99, { min: 0, max: 1 });
  }

  async allocate(samples: SampleSet, catalog: TaskCatalog): Promise<TaskAllocations> {
    const deployed = catalog.tasks.filter((t) => t.deployed);
    if (deployed.length === 0) return samples.ids.map(() => null);
    const profiled = profiledTasks(catalog);
    if (profiled.length === 0) {
      const first = deployed[0]?.entry ?? null;
      return samples.ids.map(() => first);
    }
    return nearestProfiledTask(samples, profiled, this.quantile, 1, this.name).map((n) => n.task);
  }
}

export class UnseenTaskAllocationByConfidence implements UnseenTaskAllocation {
  readonly name = 'UnseenTaskAllocationByConfidence';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`unseen task allocation "${this.name}"`, param, []);
  }

  async allocate(samples: SampleSet, catalog: TaskCatalog): Promise<TaskAllocations> {
    if (samples.size === 0) return [];
    return (await mostConfidentTask(samples, catalog, this.name)).map((b) => b.task);
  }
}
