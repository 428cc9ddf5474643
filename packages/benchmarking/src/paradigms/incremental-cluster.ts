/**
 * incrementallearning under `simulation`: a real IncrementalLearningJob on the simulated control plane, driven
 * through Ianvs's rounds. The train index is split as in the case's process (incremental.ts); the initial model is
 * initial_model_url or trained by the case on the first round's inference part. The job's Dataset (a txt file on
 * the first edge node) starts empty; its inference worker (deploySpec, `il-infer.ts`) runs on that edge node with
 * the case's hard example mining and hot update; its train and eval workers (`il-train.ts`, `il-eval.ts`) run on
 * the cloud node. Each round the case, as Ianvs's labeller, has the inference worker infer the round's inference
 * part, appends the hard samples with their labels to the dataset file; the LC's train trigger
 * (`num_of_samples > 0`) starts the job's round: train, eval on the round's evaluation part (model_eval's metric),
 * and the deploy trigger `<metric>_delta <operator> <threshold>` decides whether the new model is deployed (hot
 * updated into the inference worker). Finally the inference worker infers the test set with the model it serves.
 */
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { requireModule, moduleInstance } from '../cases/modules.js';
import { applyObjects, simulationOf, roundDeployment, StageJobFollower, waitForWorkerFile, workerContainer } from '../simulation/cluster-job.js';
import type { InferOrder, InferResult } from '../simulation/workers/il-infer.js';
import { splitDefault, type LabelledSet } from './data.js';
import { modelEvalMetric, trainModel } from './incremental.js';
import type { BaseModel, Paradigm } from './types.js';

/** How long one round of the job (train, eval, deploy decision) may take. */
const ROUND_TIMEOUT_MINUTES = 20;

function writeIndex(file: string, set: LabelledSet): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, set.ids.map((id, i) => `${id} ${set.y[i]}`).join('\n') + '\n');
  return file;
}

function copyDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    if (statSync(source).isDirectory()) copyDir(source, join(to, name));
    else copyFileSync(source, join(to, name));
  }
}

export const incrementalOnCluster: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const sim = simulationOf(ctx);
  const edgeNode = sim.edgeNodes[0];
  const cloudNode = sim.cloudNodes[0];
  if (!edgeNode || !cloudNode) throw new Error('simulation: incremental learning needs cloud_number >= 1 and edge_number >= 1 (inference on an edge node, training on a cloud node)');
  const base = requireModule(spec.modules, 'basemodel', 'incrementallearning');
  const hem = requireModule(spec.modules, 'hard_example_mining', 'incrementallearning');
  const metric = await modelEvalMetric(ctx);
  const rounds = spec.testenv.incrementalRounds;
  const pieces = splitDefault(await ctx.train(), rounds, spec.algorithm.incrementalSetting.trainRatio);
  const dir = join(ctx.outputDir, 'job');
  let initial = spec.algorithm.initialModelUrl;
  if (!initial) initial = await trainModel(await moduleInstance<BaseModel>(base), pieces[0]?.[0] as LabelledSet, undefined, join(ctx.outputDir, 'train', '0'), ctx);
  // The deploy model starts as a copy of the initial model; the LC copies each deployed model over it.
  const deployDir = join(dir, 'deploy');
  copyDir(dirname(initial), deployDir);
  const deployUrl = join(deployDir, relative(dirname(initial), initial));
  const datasetFile = join(dir, 'dataset', 'data.txt');
  mkdirSync(dirname(datasetFile), { recursive: true });
  writeFileSync(datasetFile, '');
  const orders = join(dir, 'orders');
  mkdirSync(orders, { recursive: true });
  const evalIndex = join(dir, 'eval-current.txt');

  const name = `bench-${spec.id.slice(0, 8)}`;
  const template = (node: string, program: string, values: Record<string, unknown>) => ({ spec: { nodeName: node, containers: [workerContainer(ctx, program, values)] } });
  const modelEval = spec.testenv.modelEval;
  const objects = [
    { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: `${name}-data`, namespace: 'default' }, spec: { url: datasetFile, format: 'txt', nodeName: edgeNode } },
    { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: `${name}-initial`, namespace: 'default' }, spec: { url: initial, format: 'tfjs' } },
    { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: `${name}-deploy`, namespace: 'default' }, spec: { url: deployUrl, format: 'tfjs' } },
    {
      apiVersion: 'sedna.io/v1alpha1',
      kind: 'IncrementalLearningJob',
      metadata: { name, namespace: 'default' },
      spec: {
        initialModel: { name: `${name}-initial` },
        // Every new sample trains: the evaluation data is Ianvs's evaluation part of the round (il-eval.ts).
        dataset: { name: `${name}-data`, trainProb: 1 },
        trainSpec: { template: template(cloudNode, 'il-train.js', {}), trigger: { checkPeriodSeconds: 1, condition: { operator: '>', threshold: 0, metric: 'num_of_samples' } } },
        evalSpec: { template: template(cloudNode, 'il-eval.js', { EVAL_INDEX: evalIndex }) },
        deploySpec: {
          model: { name: `${name}-deploy`, hotUpdateEnabled: true, pollPeriodSeconds: 1 },
          trigger: { condition: { operator: modelEval.operator, threshold: modelEval.threshold, metric: `${metric.name}_delta` } },
          hardExampleMining: { name: hem.name, parameters: Object.entries(hem.hyperparameters).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })) },
          template: template(edgeNode, 'il-infer.js', { ORDERS_DIR: orders }),
        },
        outputDir: join(dir, 'output'),
      },
    },
  ];
  const applied = applyObjects(ctx, objects);
  ctx.log(`applied IncrementalLearningJob ${name}: inference on ${edgeNode}, train and eval on ${cloudNode}`);
  let pass = 0;
  let deployed = 0;
  const infer = async (index: string): Promise<InferResult> => {
    const k = pass++;
    const order: InferOrder = { index, updates: deployed };
    writeFileSync(join(orders, `${k}.json.part`), JSON.stringify(order));
    // Renamed into place: the worker never reads half an order.
    renameSync(join(orders, `${k}.json.part`), join(orders, `${k}.json`));
    return waitForWorkerFile<InferResult>(join(orders, `${k}.result.json`), 'the inference worker');
  };
  const transfers: [number, number][] = [];
  const follower = new StageJobFollower(ctx, 'IncrementalLearningJob', name);
  try {
    for (let r = 1; r <= rounds; r++) {
      const [inference, evaluation] = pieces[r - 1] as [LabelledSet, LabelledSet];
      writeIndex(evalIndex, evaluation);
      const { hard } = await infer(writeIndex(join(dir, 'rounds', `${r}-inference.txt`), inference));
      transfers.push([inference.y.length, hard.length]);
      ctx.log(`round ${r}: ${hard.length} of ${inference.y.length} samples are hard examples`);
      if (hard.length === 0) continue;
      const jobRound = (await follower.settle()) + 1;
      appendFileSync(datasetFile, hard.map((i) => `${relative(dirname(datasetFile), inference.ids[i] as string)} ${inference.y[i]}`).join('\n') + '\n');
      const outcome = roundDeployment(await follower.roundEnded(jobRound, ROUND_TIMEOUT_MINUTES));
      if (outcome.deployed) deployed++;
      ctx.log(`round ${r}: the job's round ended: ${outcome.deployed ? 'the new model was deployed (hot update)' : `not deployed (${outcome.reason})`}`);
    }
    const test = await ctx.test();
    const { hard, predictions } = await infer(writeIndex(join(dir, 'rounds', 'test.txt'), test));
    transfers.push([test.y.length, hard.length]);
    return { predictions: Int32Array.from(predictions), system: { samples_transfer_ratio: transfers, deployed_models: deployed, ...(sim.links.length > 0 ? { bytes_per_link: applied.linkBytesSince() } : {}) } };
  } finally {
    applied.remove();
  }
};
