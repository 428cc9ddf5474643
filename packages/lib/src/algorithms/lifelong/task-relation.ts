/**
 * Task relationship discovery: which tasks share a model (ClassType.STP).
 * - DefaultTaskRelationDiscover: every task is independent, one group each (the original's only choice).
 * - TaskRelationDiscoverBySimilarity: tasks whose samples sit close together share a group, and so one model
 *   trained on their pooled samples. Closeness is the distance between the tasks' feature means relative to how
 *   spread out their samples are: ||mean_i - mean_j|| / sqrt((s_i^2 + s_j^2) / 2), s = RMS distance of a task's
 *   samples to its mean. Tasks within `threshold` of each other are linked, and linked tasks (transitively) form a
 *   group.
 */
import type { Task, TaskGroup } from './artifacts.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import type { TaskRelationDiscovery } from './types.js';
import { meanVector, squaredDistance } from './vector-math.js';

export class DefaultTaskRelationDiscover implements TaskRelationDiscovery {
  readonly name = 'DefaultTaskRelationDiscover';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`task relationship discovery "${this.name}"`, param, []);
  }

  discover(tasks: readonly Task[]): TaskGroup[] {
    assertUniqueEntries(tasks, this.name);
    return tasks.map((task) => ({ entry: task.entry, tasks: [task], relations: [{ task: task.entry, transferRatio: 1 }] }));
  }
}

export class TaskRelationDiscoverBySimilarity implements TaskRelationDiscovery {
  readonly name = 'TaskRelationDiscoverBySimilarity';
  readonly threshold: number;

  constructor(param: LifelongParams = {}) {
    const read = new LifelongParamReader(`task relationship discovery "${this.name}"`, param, ['threshold']);
    this.threshold = read.number('threshold', 0.5, { min: 0 });
  }

  /** The relative distance of two tasks (0 = same mean). */
  static relativeDistance(a: { mean: Float32Array; spread: number }, b: { mean: Float32Array; spread: number }): number {
    const between = Math.sqrt(squaredDistance(a.mean, 0, b.mean, 0, a.mean.length));
    const within = Math.sqrt((a.spread ** 2 + b.spread ** 2) / 2);
    return within > 0 ? between / within : between === 0 ? 0 : Infinity;
  }

  discover(tasks: readonly Task[]): TaskGroup[] {
    assertUniqueEntries(tasks, this.name);
    const stats = tasks.map((task) => taskStatistics(task));
    const parent = tasks.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] as number)));
    for (let i = 0; i < tasks.length; i++) {
      for (let j = i + 1; j < tasks.length; j++) {
        if (TaskRelationDiscoverBySimilarity.relativeDistance(stats[i] as TaskStatistics, stats[j] as TaskStatistics) <= this.threshold) parent[find(i)] = find(j);
      }
    }
    const members = new Map<number, Task[]>();
    tasks.forEach((task, i) => {
      const root = find(i);
      members.set(root, [...(members.get(root) ?? []), task]);
    });
    return [...members.values()].map((groupTasks) => {
      const entry = groupTasks.map((t) => t.entry).sort().join('+');
      return { entry, tasks: groupTasks, relations: groupTasks.map((t) => ({ task: t.entry, transferRatio: 1 / groupTasks.length })) };
    });
  }
}

interface TaskStatistics {
  mean: Float32Array;
  spread: number;
}

function taskStatistics(task: Task): TaskStatistics {
  const { samples } = task;
  const d = samples.featureSize;
  const mean = meanVector(samples.features.data, samples.size, d);
  let total = 0;
  for (let i = 0; i < samples.size; i++) total += squaredDistance(samples.features.data, i * d, mean, 0, d);
  return { mean, spread: samples.size > 0 ? Math.sqrt(total / samples.size) : 0 };
}

function assertUniqueEntries(tasks: readonly Task[], owner: string): void {
  const seen = new Set<string>();
  for (const task of tasks) {
    if (seen.has(task.entry)) throw new Error(`${owner}: two tasks are named "${task.entry}"; task entries must be unique`);
    seen.add(task.entry);
  }
}
