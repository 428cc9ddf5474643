/**
 * incrementallearning, as Ianvs's paradigm/incremental_learning runs it, on the lib's IncrementalLearning: the
 * train index is split into `incremental_rounds` pieces of (model_inference, model_evaluation). Each round infers
 * its inference part one batch at a time through the job with the hard example mining module; the hard samples
 * (with their labels) retrain the current model; the new and the current model are evaluated with
 * model_eval.model_metric and the new one replaces the current when `new - old <operator> threshold`. Finally the
 * test set is inferred, and that pass counts for samples_transfer_ratio too.
 *
 * Without initial_model_url (Ianvs requires one) the first round's inference part trains the initial model.
 */
import { join } from 'node:path';
import { IncrementalLearning, type Tensor } from '@sedna/lib';
import type { Operator } from '../config/testenv.js';
import { moduleClass, moduleInstance, requireModule } from '../cases/modules.js';
import { callMetric, loadUserMetric, type MetricFunction } from '../metrics/user.js';
import { accuracy, predictedClasses, splitDefault, subset, type LabelledSet } from './data.js';
import type { BaseModel, Paradigm, ParadigmContext } from './types.js';

const COMPARE: Record<Operator, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
};

export const incrementalLearning: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const basemodel = requireModule(spec.modules, 'basemodel', 'incrementallearning');
  const hemModule = requireModule(spec.modules, 'hard_example_mining', 'incrementallearning');
  const hem = { method: hemModule.name, param: hemModule.hyperparameters as Record<string, never> };
  // The HEM module's file (if any) registers its class before the job looks the method up.
  await moduleClass(hemModule);
  const newModel = (): Promise<BaseModel> => moduleInstance<BaseModel>(basemodel);
  const job = (modelUrl: string, estimator: BaseModel): IncrementalLearning<BaseModel> =>
    new IncrementalLearning<BaseModel>({ estimator, hardExampleMining: hem, hardExamples: false, lc: false, env: { MODEL_URL: modelUrl }, log: ctx.log });

  const evalMetric = await modelEvalMetric(ctx);
  const rounds = spec.testenv.incrementalRounds;
  const pieces = splitDefault(await ctx.train(), rounds, spec.algorithm.incrementalSetting.trainRatio);
  const transfers: [number, number][] = [];

  let current = spec.algorithm.initialModelUrl;
  if (!current) {
    const first = pieces[0]?.[0] as LabelledSet;
    current = await trainModel(await newModel(), first, undefined, join(ctx.outputDir, 'train', '0'), ctx);
  }
  for (let r = 1; r <= rounds; r++) {
    const [inference, evaluation] = pieces[r - 1] as [LabelledSet, LabelledSet];
    const estimator = await newModel();
    const { hard } = await inferPass(job(current, estimator), inference.x);
    estimator.dispose?.();
    transfers.push([inference.y.length, hard.length]);
    ctx.log(`round ${r}: ${hard.length} of ${inference.y.length} samples are hard examples`);
    if (hard.length === 0) continue;
    const trained = await trainModel(await newModel(), subset(inference, hard), current, join(ctx.outputDir, 'train', String(r)), ctx);
    const results = await job(trained, await newModel()).evaluate(
      { x: evaluation.x, y: evaluation.y },
      { modelUrls: [trained, current], estimatorFor: () => newModel(), metrics: async (estimator, data) => ({ [evalMetric.name]: await evalMetric.score(data.y as Int32Array, predictedClasses(await estimator.predict(data.x))) }) },
    );
    const [fresh, old] = results.map((res) => Number(res.metrics?.[evalMetric.name]));
    const delta = (fresh as number) - (old as number);
    const update = COMPARE[spec.testenv.modelEval.operator](delta, spec.testenv.modelEval.threshold);
    ctx.log(`round ${r}: ${evalMetric.name} new ${fresh} old ${old}; delta ${delta.toFixed(4)} ${spec.testenv.modelEval.operator} ${spec.testenv.modelEval.threshold}: ${update ? 'model updated' : 'kept the old model'}`);
    if (update) current = trained;
  }
  const test = await ctx.test();
  const estimator = await newModel();
  const { hard, predictions } = await inferPass(job(current, estimator), test.x);
  transfers.push([test.y.length, hard.length]);
  estimator.dispose?.();
  return { predictions, system: { samples_transfer_ratio: transfers } };
};

/** Infers in batches; returns the indexes of the hard samples and the predicted classes. */
async function inferPass(job: IncrementalLearning<BaseModel>, x: Tensor, batch = 256): Promise<{ hard: number[]; predictions: Int32Array }> {
  const n = x.shape[0] ?? 0;
  const size = x.data.length / Math.max(1, n);
  const hard: number[] = [];
  const predictions = new Int32Array(n);
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const part: Tensor = { data: x.data.subarray(start * size, end * size), shape: [end - start, ...x.shape.slice(1)] };
    const res = await job.inference(part, { keepHardExamples: false });
    res.hardExamples.forEach((h, k) => {
      if (h) hard.push(start + k);
    });
    predictions.set(predictedClasses(res.inferResult), start);
  }
  await job.close();
  return { hard, predictions };
}

export async function trainModel(estimator: BaseModel, data: LabelledSet, base: string | undefined, dir: string, ctx: ParadigmContext): Promise<string> {
  const il = new IncrementalLearning<BaseModel>({ estimator, hardExampleMining: null, hardExamples: false, lc: false, env: {}, log: ctx.log });
  const { results } = await il.train({ x: data.x, y: data.y }, { baseModelUrl: base ?? false, modelUrl: dir });
  estimator.dispose?.();
  const url = results[0]?.url;
  if (!url) throw new Error('the basemodel saved no model');
  return url;
}

export async function modelEvalMetric(ctx: Pick<ParadigmContext, 'spec'>): Promise<{ name: string; score: (y: Int32Array, p: Int32Array) => Promise<number> }> {
  const m = ctx.spec.testenv.modelEval.metric;
  if (!m.name) return { name: 'accuracy', score: async (y, p) => accuracy(y, p) };
  if (!m.url) throw new Error(`testenv.model_eval.model_metric "${m.name}" needs a url (a metric file)`);
  const fn: MetricFunction = await loadUserMetric(m.name, m.url);
  return { name: m.name, score: (y, p) => callMetric(m.name, fn, y, p) };
}
