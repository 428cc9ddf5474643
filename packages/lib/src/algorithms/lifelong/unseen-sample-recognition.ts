/**
 * Unseen sample recognition (ClassType.UTD): before inference, which samples the knowledge base knows. The original's
 * SampleRegonitionDefault put the first half of a batch in "seen" and the rest in "unseen"; these decide per sample.
 * - SampleRecognitionByDistance (also registered as SampleRegonitionDefault): a sample is seen when it lies within a
 *   deployed task's profile: its variance-scaled distance to the task's clusters is at most the task's calibration
 *   quantile `quantile` (default 0.99) times `margin` (default 1). Needs nothing but the features, so it also flags
 *   samples from a known site whose camera changed.
 * - SampleRecognitionByConfidence: a sample is seen when some deployed model is confident about it (maximum class
 *   probability at least `threshold`, default 0.5). The original's ModelProbeFilter had this test inverted.
 * - SampleRecognitionByTaskAttr: a sample is seen when the task extractor allocates it to a deployed task (its
 *   attributes, cluster or origin match one): the original's TaskAttrFilter, per sample.
 */
import type { TaskCatalog } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import { mostConfidentTask, nearestProfiledTask, profiledTasks } from './profile-scoring.js';
import type { SampleSet } from './sample-set.js';
import { TaskAllocationDefault } from './task-allocation.js';
import type { SampleVerdict, UnseenSampleRecognition } from './types.js';

export class SampleRecognitionByDistance implements UnseenSampleRecognition {
  readonly name = 'SampleRecognitionByDistance';
  readonly quantile: number;
  readonly margin: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`unseen sample recognition "${this.name}"`, param, ['quantile', 'margin']);
    this.quantile = read.number('quantile', 0.99, { min: 0, max: 1 });
    this.margin = read.number('margin', 1, { min: 0, minInclusive: false });
  }

  async recognize(samples: SampleSet, catalog: TaskCatalog): Promise<SampleVerdict[]> {
    if (samples.size === 0) return [];
    const nearest = nearestProfiledTask(samples, profiledTasks(catalog), this.quantile, this.margin, this.name);
    return nearest.map(({ score, task }) => ({ seen: score <= 1, score, nearestTask: task }));
  }
}

export class SampleRecognitionByConfidence implements UnseenSampleRecognition {
  readonly name = 'SampleRecognitionByConfidence';
  readonly threshold: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`unseen sample recognition "${this.name}"`, param, ['threshold']);
    this.threshold = read.number('threshold', 0.5, { min: 0, max: 1, maxInclusive: false });
  }

  async recognize(samples: SampleSet, catalog: TaskCatalog): Promise<SampleVerdict[]> {
    if (samples.size === 0) return [];
    const best = await mostConfidentTask(samples, catalog, this.name);
    // Score 1 at the threshold, 0 for certainty, above 1 below the threshold.
    return best.map(({ confidence, task }) => {
      const score = (1 - confidence) / (1 - this.threshold);
      return { seen: task !== null && confidence >= this.threshold, score, nearestTask: task };
    });
  }
}

export class SampleRecognitionByTaskAttr implements UnseenSampleRecognition {
  readonly name = 'SampleRecognitionByTaskAttr';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`unseen sample recognition "${this.name}"`, param, []);
  }

  async recognize(samples: SampleSet, catalog: TaskCatalog): Promise<SampleVerdict[]> {
    if (samples.size === 0) return [];
    const deployed = new Set(catalog.tasks.filter((t) => t.deployed).map((t) => t.entry));
    return new TaskAllocationDefault().allocate(samples, catalog).map((task) => {
      const seen = task !== null && deployed.has(task);
      return { seen, score: seen ? 0 : Number.POSITIVE_INFINITY, nearestTask: task };
    });
  }
}
