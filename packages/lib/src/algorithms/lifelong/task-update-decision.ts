/**
 * Knowledge base update decision (ClassType.KM): what an update does with labelled samples. The lib looked up
 * UpdateStrategyDefault, which the original never registered (only UpdateStrategyByFinetune, which split samples
 * into a "real" and a "sim" task by a city name).
 * - UpdateStrategyDefault: samples of known tasks retrain those tasks (from their current model, on their stored
 *   samples plus the new ones); the other samples, with any unseen tasks kept from earlier updates, are cut into
 *   tasks by the job's task definition. A new task with enough samples (MIN_TRAIN_SAMPLE) is learned; its model
 *   starts from the known task most of its samples are nearest to when that task is related (`transfer`, default
 *   true): the median of the samples' normalized profile scores is at most `transfer_max_score` (default 2, i.e.
 *   twice a task's own 99th-percentile score). An unrelated task starts from fresh weights, since starting from a
 *   model of different-looking data learns worse than starting afresh (the example's thermal camera: 0.61-0.70
 *   against 0.70-0.72 accuracy; `npm run bench -- lifelong_learning --transfer-max-score 1000` and the README). A smaller task is kept as an unseen task until more samples arrive. A new task named like a known one (a known site that now looks
 *   different) retrains the known task; under cluster definitions it is renamed instead, since cluster numbers
 *   carry no meaning across updates.
 * - UpdateStrategyByFinetune: no new tasks; every sample fine-tunes the known task it belongs to, or the nearest one.
 */
import type { Task, TaskCatalog } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import { nearestProfiledTask, profiledTasks } from './profile-scoring.js';
import { SampleSet } from './sample-set.js';
import type { TaskUpdate, TaskUpdateContext, TaskUpdateDecision, TaskUpdateInput } from './types.js';

export class UpdateStrategyDefault implements TaskUpdateDecision {
  readonly name = 'UpdateStrategyDefault';
  readonly transfer: boolean;
  readonly transferMaxScore: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`task update decision "${this.name}"`, param, ['transfer', 'transfer_max_score']);
    this.transfer = read.boolean('transfer', true);
    this.transferMaxScore = read.number('transfer_max_score', 2, { min: 0 });
  }

  decide(input: TaskUpdateInput, context: TaskUpdateContext): TaskUpdate[] {
    const retrain = new Map<string, SampleSet[]>();
    for (const [task, samples] of input.seen) if (samples.size > 0) retrain.set(task, [samples]);

    const leftover = [input.unseen, ...context.pending.map((t) => t.samples)].filter((s) => s.size > 0);
    const updates: TaskUpdate[] = [];
    if (leftover.length > 0) {
      const known = new Set(context.catalog.tasks.map((t) => t.entry));
      const renameClusters = context.catalog.extractor?.kind === 'cluster';
      const { tasks } = context.defineTasks(SampleSet.concat(leftover));
      for (const defined of tasks) {
        let task: Task = defined;
        if (known.has(task.entry)) {
          if (!renameClusters) {
            retrain.set(task.entry, [...(retrain.get(task.entry) ?? []), task.samples]);
            continue;
          }
          task = { ...task, entry: uniqueEntry(task.entry, known) };
        }
        known.add(task.entry);
        if (task.samples.size >= context.minTrainSamples) {
          updates.push({ kind: 'new-task', task, transferFrom: this.transfer ? nearestKnownTask(task.samples, context.catalog, this.transferMaxScore) : null });
        } else {
          updates.push({ kind: 'pending', task });
        }
      }
    }
    const retrains: TaskUpdate[] = [...retrain].map(([task, sets]) => ({ kind: 'retrain', task, newSamples: SampleSet.concat(sets) }));
    return [...retrains, ...updates];
  }
}

export class UpdateStrategyByFinetune implements TaskUpdateDecision {
  readonly name = 'UpdateStrategyByFinetune';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`task update decision "${this.name}"`, param, []);
  }

  decide(input: TaskUpdateInput, context: TaskUpdateContext): TaskUpdate[] {
    if (context.catalog.tasks.length === 0) throw new Error(`${this.name}: the knowledge base has no task to fine-tune`);
    const retrain = new Map<string, SampleSet[]>();
    const add = (task: string, samples: SampleSet): void => {
      if (samples.size > 0) retrain.set(task, [...(retrain.get(task) ?? []), samples]);
    };
    for (const [task, samples] of input.seen) add(task, samples);
    const leftover = [input.unseen, ...context.pending.map((t) => t.samples)].filter((s) => s.size > 0);
    if (leftover.length > 0) {
      const samples = SampleSet.concat(leftover);
      const targets = nearestTaskPerSample(samples, context.catalog);
      const byTask = new Map<string, number[]>();
      targets.forEach((task, i) => byTask.set(task, [...(byTask.get(task) ?? []), i]));
      for (const [task, indices] of byTask) add(task, samples.subset(indices));
    }
    return [...retrain].map(([task, sets]) => ({ kind: 'retrain', task, newSamples: SampleSet.concat(sets) }));
  }
}

/** Per sample, the known task whose profile it is nearest to; the first known task when there are no profiles. */
function nearestTaskPerSample(samples: SampleSet, catalog: TaskCatalog): string[] {
  const profiled = profiledTasks(catalog, true);
  if (profiled.length === 0) {
    const first = (catalog.tasks[0] as { entry: string }).entry;
    return samples.ids.map(() => first);
  }
  return nearestProfiledTask(samples, profiled, 0.99, 1, 'task update decision').map((n) => n.task);
}

/**
 * The known task most of the samples are nearest to, when the median of their normalized scores (1 = the task's
 * 99th-percentile score) is at most `maxScore`; null when no task is that close, or without profiles.
 */
export function nearestKnownTask(samples: SampleSet, catalog: TaskCatalog, maxScore = Infinity): string | null {
  const profiled = profiledTasks(catalog, true);
  if (profiled.length === 0 || samples.size === 0) return null;
  const nearest = nearestProfiledTask(samples, profiled, 0.99, 1, 'task update decision');
  const votes = new Map<string, number>();
  for (const { task } of nearest) votes.set(task, (votes.get(task) ?? 0) + 1);
  const winner = [...votes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  const scores = nearest.map((n) => n.score).sort((a, b) => a - b);
  const median = scores[Math.floor((scores.length - 1) / 2)] as number;
  return median <= maxScore ? winner : null;
}

function uniqueEntry(entry: string, taken: ReadonlySet<string>): string {
  for (let k = 2; ; k++) if (!taken.has(`${entry}-${k}`)) return `${entry}-${k}`;
}
