/**
 * jointinference (Ianvs paradigm/joint_inference) on the lib's JointInference: the edgemodel and cloudmodel
 * modules are trained on the train set (Ianvs loads pretrained ones; here initial_model_url is not used), then
 * every test sample goes through the job one at a time with the hard example mining module; hard samples are
 * answered by the cloud model. The mining mode is testenv's hard_example_mining_mode (default
 * inference-then-mining: a classifier's confidence needs the edge model's output). samples_transfer_ratio counts
 * the samples sent to the cloud; the cloud link's bytes and per-sample latencies are measured too. The mining judges
 * the edge model's class probabilities (logits are softmaxed, as the lib's IncrementalLearning does), so
 * CrossEntropy works with a basemodel that outputs logits.
 */
import { JointInference, probabilities, type MiningMode, type Tensor } from '@sedna/lib';
import { moduleClass, moduleInstance, requireModule } from '../cases/modules.js';
import { predictedClasses, sampleSize } from './data.js';
import type { BaseModel, Paradigm } from './types.js';

export const jointInference: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const edge = await moduleInstance<BaseModel>(requireModule(spec.modules, 'edgemodel', 'jointinference'));
  const cloudModel = await moduleInstance<BaseModel>(requireModule(spec.modules, 'cloudmodel', 'jointinference'));
  const hemModule = requireModule(spec.modules, 'hard_example_mining', 'jointinference');
  await moduleClass(hemModule);
  const train = await ctx.train();
  ctx.log(`training the edge model on ${train.y.length} samples`);
  await edge.train(train.x, train.y);
  ctx.log(`training the cloud model on ${train.y.length} samples`);
  await cloudModel.train(train.x, train.y);
  let bytesUp = 0;
  let bytesDown = 0;
  const cloud = {
    endpoint: 'in-process cloud model',
    predict: async (batch: Tensor): Promise<Tensor> => {
      bytesUp += batch.data.byteLength;
      const out = await cloudModel.predict(batch);
      bytesDown += out.data.byteLength;
      return out;
    },
  };
  const mode = (spec.testenv.extra.hard_example_mining_mode as MiningMode | undefined) ?? 'inference-then-mining';
  const job = await JointInference.create({ estimator: edge, modelUrl: false, cloud, reporter: false, hardExampleMining: { method: hemModule.name, param: hemModule.hyperparameters as Record<string, never> }, miningMode: mode, hemInput: probabilities, env: {}, log: ctx.log });
  const test = await ctx.test();
  const n = test.y.length;
  const size = sampleSize(test.x);
  const rows: Float32Array[] = [];
  const latencies: number[] = [];
  let hard = 0;
  for (let i = 0; i < n; i++) {
    const sample: Tensor = { data: test.x.data.subarray(i * size, (i + 1) * size), shape: [1, ...test.x.shape.slice(1)] };
    const started = performance.now();
    const outcome = await job.infer(sample);
    latencies.push(performance.now() - started);
    if (outcome.isHardExample) hard++;
    rows.push(Float32Array.from(outcome.result.data));
  }
  const width = rows[0]?.length ?? 0;
  const all = new Float32Array(n * width);
  rows.forEach((r, i) => all.set(r, i * width));
  ctx.log(`${hard} of ${n} samples went to the cloud`);
  edge.dispose?.();
  cloudModel.dispose?.();
  return {
    predictions: predictedClasses({ data: all, shape: [n, width] }),
    system: { samples_transfer_ratio: [[n, hard]], bytes_per_link: { 'edge->cloud': bytesUp, 'cloud->edge': bytesDown }, latencies_ms: latencies },
  };
};
