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
import type { BaseModel, Paradigm } from './types.js';
import { moduleInstance } from '../cases/modules.js';
import { predictedClasses, subset } from './data.js';
import { accuracyRow, asSampleSet, formatRow, lifelongModules, roundTasks, testTaskIndexes } from './lifelong-tasks.js';

export const lifelongLearning: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const { base, definition, definitionModule, allocation, shared } = await lifelongModules(spec);

  const train = await ctx.train();
  const { tasks, extractor } = roundTasks(train, { definition, definitionModule }, ctx.log);

  const test = await ctx.test();
  const testSet = asSampleSet(test, 'eval');
  // Which task each test sample truly belongs to (the definition's own rule), and which model allocation picks.
  const truthIndexes = testTaskIndexes(definition, test, tasks);
  const catalog = { extractor, tasks: tasks.map((t) => ({ entry: t.entry, group: t.entry, metaAttr: t.metaAttr, deployed: true })) };
  const allocated = allocation.allocate(testSet, catalog);

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

  const matrix: number[][] = [accuracyRow(test, truthIndexes, await answer())];
  for (const [r, task] of tasks.entries()) {
    // Fine-tuning one model across tasks (shared_model: true on the basemodel) is the baseline lifelong learning beats.
    const model = shared ? latest : await moduleInstance<BaseModel>(base);
    const labels = task.samples.labels as Int32Array;
    await model.train(task.samples.features, labels);
    models.set(task.entry, model);
    latest = model;
    matrix.push(accuracyRow(test, truthIndexes, await answer()));
    ctx.log(`round ${r + 1}: learned task ${task.entry}; accuracy per task ${formatRow(matrix[matrix.length - 1] as number[])}`);
  }
  const predictions = await answer();
  const unseen = allocated.filter((a) => a === null).length;
  for (const m of new Set(models.values())) m.dispose?.();
  return { predictions, system: { Matrix: matrix, samples_transfer_ratio: [[test.y.length, unseen]] } };
};
