/**
 * lifelonglearning under `simulation`: a real LifelongLearningJob on the simulated control plane, driven through
 * Ianvs's no-inference rounds as the case's process runs them (lifelong.ts): the task_definition module cuts the
 * train set into tasks, and round r learns task r.
 *
 * The job's Dataset (a txt index on the first edge node) starts empty. Each round the case adds the next task's
 * samples to it, in one atomic rewrite, so the LC sees the whole task at once; the LC's train trigger
 * (`num_of_samples > 0`) splits them by `trainProb` (lifelong_learning_data_setting's train_ratio, Ianvs's split of
 * a round into model_train and model_eval) and starts the round: the train worker (`ll-train.ts`, cloud node) makes
 * the knowledge base its first round and updates it later (the new task is unseen to the index and is learned as a
 * task of its own), with the case's modules in the lib's LifelongLearning slots and the control plane's knowledge
 * base server; the eval worker (`ll-eval.ts`, cloud node) scores every task group on the job's eval share; the LC
 * deploys the index and the GM starts the inference worker (`ll-infer.ts`, edge node) on it again. The case then
 * has the inference worker answer the test set with the index just deployed, which gives the round's row of the
 * accuracy matrix (lifelong-tasks.ts, as in the case's process); row 0, before the job learned anything, is the
 * untrained basemodel's answers, as in the case's process (there is no knowledge base yet to ask). The last pass
 * gives the predictions the user metrics score. What the job produced is read back into the case's system info:
 * per round the deployed index, and at the end the task groups of the knowledge base with their models and the
 * job's status.knowledgeBase.
 *
 * What does not map onto the job, refused with a message: one model fine-tuned task after task (the basemodel's
 * `shared_model: true`): the knowledge base retrains a task group from its stored samples plus the new ones and
 * learns a new task as a group of its own, so it has no single model that only sees the newest task; and a
 * train_ratio of 1, which leaves the job's eval stage no samples.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Task } from '@sedna/lib/algorithms';
import { parseKbIndex, type KbIndex } from '@sedna/lib/lifelong-learning';
import { moduleInstance } from '../cases/modules.js';
import { applyObjects, roundDeployment, simulationOf, StageJobFollower, waitForWorkerFile, workerContainer } from '../simulation/cluster-job.js';
import type { LifelongInferOrder, LifelongInferResult } from '../simulation/workers/ll-infer.js';
import { predictedClasses } from './data.js';
import { accuracyRow, formatRow, lifelongModules, roundTasks, testTaskIndexes } from './lifelong-tasks.js';
import type { BaseModel, Paradigm } from './types.js';

/** How long one round of the job (train, eval, deploy) may take. */
const ROUND_TIMEOUT_MINUTES = 20;
/** How long the inference worker may take to answer the test set once the round is deployed. */
const PASS_TIMEOUT_MINUTES = 20;

export const lifelongOnCluster: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const sim = simulationOf(ctx);
  const edgeNode = sim.edgeNodes[0];
  const cloudNode = sim.cloudNodes[0];
  if (!edgeNode || !cloudNode) throw new Error('simulation: lifelong learning needs cloud_number >= 1 and edge_number >= 1 (the dataset and inference on an edge node, training and evaluation on a cloud node)');
  const modules = await lifelongModules(spec);
  if (modules.shared) {
    throw new Error(
      `simulation: basemodel "${modules.base.name}" has shared_model: true (one model fine-tuned task after task), which a LifelongLearningJob cannot run: its knowledge base retrains a task group on the group's stored samples plus the new ones and learns a new task as a group of its own; remove simulation to run this baseline in the case's process`,
    );
  }
  const trainRatio = spec.algorithm.lifelongSetting.trainRatio;
  if (!(trainRatio > 0 && trainRatio < 1)) throw new Error(`simulation: lifelong_learning_data_setting.train_ratio ${trainRatio} leaves the LifelongLearningJob's ${trainRatio >= 1 ? 'eval' : 'train'} stage no samples (the job's dataset.trainProb); use a value between 0 and 1`);

  const { tasks } = roundTasks(await ctx.train(), modules, ctx.log);
  const test = await ctx.test();
  const taskIndexes = testTaskIndexes(modules.definition, test, tasks);
  const untrained = await moduleInstance<BaseModel>(modules.base);
  const matrix: number[][] = [accuracyRow(test, taskIndexes, predictedClasses(await untrained.predict(test.x)))];
  untrained.dispose?.();
  ctx.log(`round 0: before any training (the untrained basemodel, in the case's process); accuracy per task ${formatRow(matrix[0] as number[])}`);

  const dir = join(ctx.outputDir, 'job');
  const datasetFile = join(dir, 'dataset', 'data.txt');
  mkdirSync(dirname(datasetFile), { recursive: true });
  writeFileSync(datasetFile, '');
  const orders = join(dir, 'orders');
  mkdirSync(orders, { recursive: true });
  const outputDir = join(dir, 'output');
  const name = `bench-${spec.id.slice(0, 8)}`;
  const template = (node: string, program: string, values: Record<string, unknown>) => ({ spec: { nodeName: node, containers: [workerContainer(ctx, program, values)] } });
  const objects = [
    { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: `${name}-data`, namespace: 'default' }, spec: { url: datasetFile, format: 'txt', nodeName: edgeNode } },
    {
      apiVersion: 'sedna.io/v1alpha1',
      kind: 'LifelongLearningJob',
      metadata: { name, namespace: 'default' },
      spec: {
        dataset: { name: `${name}-data`, trainProb: trainRatio },
        trainSpec: { template: template(cloudNode, 'll-train.js', {}), trigger: { checkPeriodSeconds: 1, condition: { operator: '>', threshold: 0, metric: 'num_of_samples' } } },
        // Every scored group stays deployed: in Ianvs's no-inference mode (and the case's process) each task is
        // answered by its model whatever its score; the scores still reach status.knowledgeBase.
        evalSpec: { template: template(cloudNode, 'll-eval.js', { metrics: 'accuracy_score', operator: '>=', model_threshold: '0' }) },
        deploySpec: { template: template(edgeNode, 'll-infer.js', { ORDERS_DIR: orders, EDGE_DIR: join(dir, 'edge-kb') }) },
        outputDir,
      },
    },
  ];
  const applied = applyObjects(ctx, objects);
  ctx.log(`applied LifelongLearningJob ${name}: ${tasks.length} rounds, one per task; the dataset and inference on ${edgeNode}, train and eval on ${cloudNode}`);
  const follower = new StageJobFollower(ctx, 'LifelongLearningJob', name);
  const datasetLines: string[] = [];
  const rounds: RoundRecord[] = [];
  let last: LifelongInferResult | undefined;
  try {
    for (const [r, task] of tasks.entries()) {
      const jobRound = (await follower.settle()) + 1;
      datasetLines.push(...taskLines(task));
      writeAtomically(datasetFile, datasetLines.join('\n') + '\n');
      ctx.log(`round ${r + 1}: added task ${task.entry} (${task.samples.size} samples) to the job's dataset`);
      const deployment = roundDeployment(await follower.roundEnded(jobRound, ROUND_TIMEOUT_MINUTES));
      if (!deployment.deployed) throw new Error(`the LifelongLearningJob's round ${jobRound} deployed nothing: ${deployment.reason}`);
      const index = deployedIndex(outputDir);
      const order: LifelongInferOrder = { index: resolve(spec.testenv.dataset.testIndex as string), version: index.create_time };
      last = await infer(orders, r, order);
      if (last.predictions.length !== test.y.length) throw new Error(`the inference worker answered ${last.predictions.length} of the ${test.y.length} test samples`);
      matrix.push(accuracyRow(test, taskIndexes, last.predictions));
      rounds.push({ round: r + 1, task: task.entry, index: index.create_time, task_groups: index.seen_task.task_groups.map((g) => g.entry), unseen: last.unseen, answered_by: last.answeredBy });
      ctx.log(`round ${r + 1}: learned task ${task.entry}; knowledge base index ${index.create_time} deployed; accuracy per task ${formatRow(matrix[matrix.length - 1] as number[])}`);
    }
    const status = await follower.status();
    const knowledgeBase = knowledgeBaseOf(deployedIndex(outputDir), status.knowledgeBase);
    ctx.log(`the knowledge base: ${knowledgeBase.task_groups.map((g) => `${g.entry} (model trained on ${g.train_samples} samples${g.eval_accuracy === undefined ? '' : `, eval accuracy ${g.eval_accuracy.toFixed(3)}`})`).join(', ')}`);
    const final = last as LifelongInferResult;
    return {
      predictions: Int32Array.from(final.predictions),
      system: {
        Matrix: matrix,
        samples_transfer_ratio: [[test.y.length, final.unseen]],
        job: { kind: 'LifelongLearningJob', name, rounds: status.round, stage: status.stage, phase: status.phase },
        rounds,
        knowledge_base: knowledgeBase,
        ...(sim.links.length > 0 ? { bytes_per_link: applied.linkBytesSince() } : {}),
      },
    };
  } finally {
    applied.remove();
  }
};

interface RoundRecord {
  round: number;
  task: string;
  /** create_time of the knowledge base index deployed in the round. */
  index: string;
  task_groups: string[];
  unseen: number;
  answered_by: Record<string, number>;
}

/** The task's samples as dataset lines (`path label`, as the LC's txt format and the lib's txt reader want). */
function taskLines(task: Task): string[] {
  const labels = task.samples.labels as Int32Array;
  return task.samples.ids.map((id, i) => {
    if (/\s/.test(id)) throw new Error(`sample ${JSON.stringify(id)} of task ${task.entry}: a path with white space cannot go into the job's txt dataset`);
    return `${id} ${labels[i]}`;
  });
}

/** Written beside the file, then renamed over it: the LC never counts half a task. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.part`, text);
  renameSync(`${file}.part`, file);
}

/** The index the LC deployed (`<outputDir>/deploy/index.json`, the path the GM gives the inference worker). */
function deployedIndex(outputDir: string): KbIndex {
  const file = join(outputDir, 'deploy', 'index.json');
  if (!existsSync(file)) throw new Error(`the LifelongLearningJob's round ended but ${file} is missing`);
  return parseKbIndex(readFileSync(file, 'utf8'), file);
}

async function infer(orders: string, k: number, order: LifelongInferOrder): Promise<LifelongInferResult> {
  writeAtomically(join(orders, `${k}.json`), JSON.stringify(order));
  return waitForWorkerFile<LifelongInferResult>(join(orders, `${k}.result.json`), `the inference worker (pass ${k}, knowledge base index ${order.version})`, PASS_TIMEOUT_MINUTES);
}

/** The knowledge base the job ended with: its task groups, their tasks and models, and the job's own summary. */
function knowledgeBaseOf(index: KbIndex, status: unknown) {
  return {
    index: index.create_time,
    task_groups: index.seen_task.task_groups.map((g) => ({
      entry: g.entry,
      tasks: g.tasks.map((t) => t.entry),
      model: g.model?.url ?? null,
      train_samples: g.model?.train_samples ?? 0,
      eval_accuracy: typeof g.model?.metrics.eval_accuracy === 'number' ? g.model.metrics.eval_accuracy : undefined,
      deployed: g.deploy,
    })),
    unseen_task_groups: index.unseen_task.task_groups.map((g) => g.entry),
    status: status ?? null,
  };
}
