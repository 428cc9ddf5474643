/**
 * lifelonglearning in Ianvs's no-inference mode (paradigm/lifelong_learning): the task_definition module (the
 * lib's TaskDefinitionByOrigin by default, or any STP module) splits the train set into tasks; round r learns
 * task r, as a new model per task in the knowledge base (the lib's seen-task approach). After every round (and
 * once before any, row 0) each task's test samples are answered by the model task_allocation picks (the lib's
 * TaskAllocationByOrigin by default; a task not learned yet is answered by the latest model), giving the
 * accuracy matrix Ianvs's BWT, FWT, Matrix and task_avg_acc are computed from. A basemodel hyperparameter or
 * module cannot change this shape: with one shared model (`lifelong_learning_data_setting` aside) the same job
 * is plain sequential fine-tuning, the baseline the matrix shows forgetting for.
 */
import { SampleSet, type TaskAllocation, type TaskDefinition } from '@sedna/lib/algorithms';
import { findModule, moduleInstance, requireModule } from '../cases/modules.js';
import type { ModuleInstance } from '../cases/grid.js';
import { accuracy, predictedClasses, subset, type LabelledSet } from './data.js';
import type { BaseModel, Paradigm } from './types.js';

function asSampleSet(set: LabelledSet, dataType: 'train' | 'eval'): SampleSet {
  return new SampleSet({ dataType, features: set.x, labels: set.y, ids: set.ids });
}

export const lifelongLearning: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const mode = spec.testenv.modelEval.metric.mode;
  if (mode !== '' && mode !== 'no-inference') throw new Error(`testenv.model_eval.model_metric.mode "${mode}": lifelong learning's ${mode} mode is not implemented by this runner (no-inference is)`);
  const base = requireModule(spec.modules, 'basemodel', 'lifelonglearning');
  const definitionModule = findModule(spec.modules, 'task_definition') ?? builtin('task_definition', 'TaskDefinitionByOrigin');
  const definition = await moduleInstance<TaskDefinition>(definitionModule);
  const allocationModule = findModule(spec.modules, 'task_allocation') ?? builtin('task_allocation', 'TaskAllocationByOrigin', definitionModule.hyperparameters);
  const allocation = await moduleInstance<TaskAllocation>(allocationModule);
  // Fine-tuning one model across tasks (shared_model: true on the basemodel) is the baseline lifelong learning beats.
  const shared = base.hyperparameters.shared_model === true;

  const train = await ctx.train();
  const { tasks, extractor } = definition.define(asSampleSet(train, 'train'));
  if (tasks.length < 2) throw new Error(`task_definition "${definitionModule.name}" found ${tasks.length} task(s) in the train set; lifelong learning needs at least two`);
  ctx.log(`${tasks.length} tasks: ${tasks.map((t) => `${t.entry} (${t.samples.size} samples)`).join(', ')}`);

  const test = await ctx.test();
  const testSet = asSampleSet(test, 'eval');
  // Which task each test sample truly belongs to (the definition's own rule), and which model allocation picks.
  const truth = definition.define(testSet).tasks;
  const catalog = { extractor, tasks: tasks.map((t) => ({ entry: t.entry, group: t.entry, metaAttr: t.metaAttr, deployed: true })) };
  const allocated = allocation.allocate(testSet, catalog);
  const truthIndexes = tasks.map((t) => {
    const found = truth.find((x) => x.entry === t.entry);
    return found ? test.ids.flatMap((id, i) => (found.samples.ids.includes(id) ? [i] : [])) : [];
  });

  const models = new Map<string, BaseModel>();
  let latest: BaseModel = await moduleInstance<BaseModel>(base);
  const answer = async (): Promise<Int32Array> => {
    const predictions = new Int32Array(test.y.length);
    const groups = new Map<BaseModel, number[]>();
    allocated.forEach((task, i) => {
      const model = (task !== null ? models.get(task) : undefined) ?? latest;
      const list = groups.get(model) ?? [];
      list.push(i);
      groups.set(model, list);
    });
    for (const [model, indexes] of groups) {
      const out = predictedClasses(await model.predict(subset(test, indexes).x));
      indexes.forEach((i, k) => (predictions[i] = out[k] as number));
    }
    return predictions;
  };
  const row = (predictions: Int32Array): number[] =>
    truthIndexes.map((idx) => accuracy(idx.map((i) => test.y[i] as number), idx.map((i) => predictions[i] as number)));

  const matrix: number[][] = [row(await answer())];
  for (const [r, task] of tasks.entries()) {
    const model = shared ? latest : await moduleInstance<BaseModel>(base);
    const labels = task.samples.labels as Int32Array;
    await model.train(task.samples.features, labels);
    models.set(task.entry, model);
    latest = model;
    matrix.push(row(await answer()));
    ctx.log(`round ${r + 1}: learned task ${task.entry}; accuracy per task ${(matrix[matrix.length - 1] as number[]).map((a) => a.toFixed(3)).join(' ')}`);
  }
  const predictions = await answer();
  const unseen = allocated.filter((a) => a === null).length;
  for (const m of new Set(models.values())) m.dispose?.();
  return { predictions, system: { Matrix: matrix, samples_transfer_ratio: [[test.y.length, unseen]] } };
};

function builtin(type: ModuleInstance['type'], name: string, hyperparameters: ModuleInstance['hyperparameters'] = {}): ModuleInstance {
  return { type, name, url: undefined, hyperparameters };
}
