/**
 * Scoring samples against the knowledge base's task profiles: the part the distance-based recognizers, the
 * re-recognizer and the nearest-task allocation share.
 */
import type { KnownTask, TaskCatalog } from './artifacts.js';
import type { SampleSet } from './sample-set.js';
import { profileScore, profileThreshold, type TaskProfile } from './task-profile.js';

export type ProfiledTask = KnownTask & { readonly profile: TaskProfile };

/** The tasks that carry a profile (deployed ones only, unless `includeUndeployed`). */
export function profiledTasks(catalog: TaskCatalog, includeUndeployed = false): ProfiledTask[] {
  return catalog.tasks.filter((t): t is ProfiledTask => t.profile !== undefined && (includeUndeployed || t.deployed));
}

export interface NearestTask {
  /** The smallest normalized score: the profile score over the task's threshold; 1 is the edge of the task. */
  readonly score: number;
  readonly task: string;
}

/**
 * For every sample, the task whose profile it is closest to, relative to each task's threshold (the calibration
 * quantile `quantile` times `margin`).
 */
export function nearestProfiledTask(samples: SampleSet, tasks: readonly ProfiledTask[], quantile: number, margin: number, owner: string): NearestTask[] {
  if (tasks.length === 0) throw new Error(`${owner}: the knowledge base has no task profiles to compare samples with (an index written without profiles)`);
  const thresholds = tasks.map((task) => {
    if (task.profile.featureSize !== samples.featureSize) {
      throw new Error(`${owner}: task ${task.entry}'s profile has ${task.profile.featureSize} features per sample, the samples have ${samples.featureSize}`);
    }
    return profileThreshold(task.profile, quantile) * margin;
  });
  const out: NearestTask[] = [];
  for (let i = 0; i < samples.size; i++) {
    let best = Infinity;
    let bestTask = (tasks[0] as ProfiledTask).entry;
    tasks.forEach((task, k) => {
      const score = profileScore(task.profile, samples.features.data, i) / (thresholds[k] as number);
      if (score < best) {
        best = score;
        bestTask = task.entry;
      }
    });
    out.push({ score: best, task: bestTask });
  }
  return out;
}

/** Per sample, the most confident deployed group's first task and that confidence (max class probability). */
export async function mostConfidentTask(samples: SampleSet, catalog: TaskCatalog, owner: string): Promise<{ confidence: number; task: string | null }[]> {
  if (catalog.predict === undefined) throw new Error(`${owner}: needs the knowledge base's models loaded (no predict function was given)`);
  const groups = new Map<string, string>();
  for (const task of catalog.tasks) if (task.deployed && !groups.has(task.group)) groups.set(task.group, task.entry);
  const best = Array.from({ length: samples.size }, () => ({ confidence: -Infinity, task: null as string | null }));
  for (const [group, firstTask] of groups) {
    const predictions = await catalog.predict(group, samples);
    const width = predictions.shape.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < samples.size; i++) {
      let max = -Infinity;
      for (let j = 0; j < width; j++) max = Math.max(max, predictions.data[i * width + j] as number);
      const slot = best[i] as { confidence: number; task: string | null };
      if (max > slot.confidence) {
        slot.confidence = max;
        slot.task = firstTask;
      }
    }
  }
  return best.map((b) => ({ confidence: b.task === null ? 0 : b.confidence, task: b.task }));
}
