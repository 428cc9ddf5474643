/**
 * What lifelong learning in the case's process (lifelong.ts) and as a LifelongLearningJob on the simulated control
 * plane (lifelong-cluster.ts) share, in one copy so both give the accuracy Matrix (and so BWT, FWT and task_avg_acc,
 * metrics/system.ts) the same meaning: the mode check, the case's lifelong modules, the tasks the task_definition
 * module cuts the train set into (round r learns task r), which task each test sample truly belongs to, and one
 * row of the matrix (per task, the accuracy on that task's test samples).
 */
import { SampleSet, type Task, type TaskAllocation, type TaskDefinition } from '@sedna/lib/algorithms';
import type { CaseSpec } from '../cases/spec.js';
import { findModule, moduleInstance, requireModule } from '../cases/modules.js';
import type { ModuleInstance } from '../cases/grid.js';
import { accuracy, type LabelledSet } from './data.js';

export interface LifelongModules {
  base: ModuleInstance;
  definitionModule: ModuleInstance;
  definition: TaskDefinition;
  allocationModule: ModuleInstance;
  allocation: TaskAllocation;
  /** The basemodel's `shared_model: true`: one model fine-tuned task after task, the baseline that forgets. */
  shared: boolean;
}

/** Ianvs's no-inference mode is what this runner implements; the others are refused with that message. */
export function requireNoInferenceMode(spec: CaseSpec): void {
  const mode = spec.testenv.modelEval.metric.mode;
  if (mode !== '' && mode !== 'no-inference') throw new Error(`testenv.model_eval.model_metric.mode "${mode}": lifelong learning's ${mode} mode is not implemented by this runner (no-inference is)`);
}

/**
 * The case's basemodel, its task_definition (the lib's TaskDefinitionByOrigin by default) and task_allocation (the
 * lib's TaskAllocationByOrigin, with the definition's hyperparameters, by default).
 */
export async function lifelongModules(spec: CaseSpec): Promise<LifelongModules> {
  requireNoInferenceMode(spec);
  const base = requireModule(spec.modules, 'basemodel', 'lifelonglearning');
  const definitionModule = findModule(spec.modules, 'task_definition') ?? builtin('task_definition', 'TaskDefinitionByOrigin');
  const allocationModule = findModule(spec.modules, 'task_allocation') ?? builtin('task_allocation', 'TaskAllocationByOrigin', definitionModule.hyperparameters);
  return {
    base,
    definitionModule,
    definition: await moduleInstance<TaskDefinition>(definitionModule),
    allocationModule,
    allocation: await moduleInstance<TaskAllocation>(allocationModule),
    shared: base.hyperparameters.shared_model === true,
  };
}

export function asSampleSet(set: LabelledSet, dataType: 'train' | 'eval' | 'test'): SampleSet {
  return new SampleSet({ dataType, features: set.x, ...(dataType === 'test' ? {} : { labels: set.y }), ids: set.ids });
}

/** The train set's tasks, one per round, in the definition's order (at least two, or lifelong learning is moot). */
export function roundTasks(train: LabelledSet, modules: Pick<LifelongModules, 'definition' | 'definitionModule'>, log: (line: string) => void): ReturnType<TaskDefinition['define']> {
  const defined = modules.definition.define(asSampleSet(train, 'train'));
  const { tasks } = defined;
  if (tasks.length < 2) throw new Error(`task_definition "${modules.definitionModule.name}" found ${tasks.length} task(s) in the train set; lifelong learning needs at least two`);
  log(`${tasks.length} tasks: ${tasks.map((t) => `${t.entry} (${t.samples.size} samples)`).join(', ')}`);
  return defined;
}

/** Per learned task (in round order), the positions of the test samples that truly belong to it (the definition's rule). */
export function testTaskIndexes(definition: TaskDefinition, test: LabelledSet, tasks: readonly Task[]): number[][] {
  const truth = definition.define(asSampleSet(test, 'eval')).tasks;
  return tasks.map((t) => {
    const found = truth.find((x) => x.entry === t.entry);
    if (!found) return [];
    const ids = new Set(found.samples.ids);
    return test.ids.flatMap((id, i) => (ids.has(id) ? [i] : []));
  });
}

/** One row of the accuracy matrix: per task, the accuracy of `predictions` on that task's test samples. */
export function accuracyRow(test: LabelledSet, taskIndexes: readonly number[][], predictions: ArrayLike<number>): number[] {
  return taskIndexes.map((idx) => accuracy(idx.map((i) => test.y[i] as number), idx.map((i) => predictions[i] as number)));
}

export function formatRow(row: readonly number[]): string {
  return row.map((a) => a.toFixed(3)).join(' ');
}

function builtin(type: ModuleInstance['type'], name: string, hyperparameters: ModuleInstance['hyperparameters'] = {}): ModuleInstance {
  return { type, name, url: undefined, hyperparameters };
}
