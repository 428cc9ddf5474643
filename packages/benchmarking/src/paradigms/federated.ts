/**
 * federatedlearning (Ianvs paradigm/federated_learning): `client_number` clients, each a basemodel instance on its
 * partition of the train set (fl_data_setting.data_partition: iid, or non-iid where each client holds few classes),
 * train from the global weights each `round`; the aggregation module (the lib's FedAvg and friends, or a user
 * module) combines their weights weighted by sample counts. The global model then predicts the test set. Bytes
 * up and down per round are counted as the weights' size.
 */
import { createAggregation, partitionByClass, partitionIid, type AggClient } from '@sedna/lib';
import { moduleClass, moduleInstance, requireModule } from '../cases/modules.js';
import { predictedClasses, subset, type LabelledSet } from './data.js';
import type { CaseSpec } from '../cases/spec.js';
import type { BaseModel, Paradigm } from './types.js';

/** The clients' shares of the train set (fl_data_setting: train_ratio, iid or non-iid). */
export function partitionClients(train: LabelledSet, spec: CaseSpec): { pool: LabelledSet; parts: number[][] } {
  const setting = spec.algorithm.flSetting;
  const clients = spec.testenv.clientNumber;
  const labelled = Math.round(train.y.length * setting.trainRatio);
  const pool = subset(train, Array.from({ length: labelled }, (_, i) => i));
  // non-iid: with non_iid_ratio r each client holds about (1 - r) of the classes (at least one).
  const classes = new Set(pool.y).size;
  const parts =
    setting.dataPartition === 'iid'
      ? partitionIid(pool.y.length, clients, { seed: 1 })
      : partitionByClass(pool.y, clients, { classesPerClient: Math.max(1, Math.round(classes * (1 - setting.nonIidRatio))), seed: 1 });
  return { pool, parts };
}

export const federatedLearning: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const base = requireModule(spec.modules, 'basemodel', 'federatedlearning');
  const aggModule = requireModule(spec.modules, 'aggregation', 'federatedlearning');
  await moduleClass(aggModule);
  const aggregation = createAggregation({ method: aggModule.name, param: aggModule.hyperparameters as Record<string, never> });
  const clients = spec.testenv.clientNumber;
  const rounds = spec.testenv.round;
  const setting = spec.algorithm.flSetting;
  const { pool, parts } = partitionClients(await ctx.train(), spec);
  const models: BaseModel[] = [];
  for (let c = 0; c < clients; c++) models.push(await moduleInstance<BaseModel>(base));
  const global = await moduleInstance<BaseModel>(base);
  let weights = global.getWeights();
  let bytes = 0;
  ctx.log(`${clients} clients (${setting.dataPartition}): ${parts.map((p) => p.length).join(', ')} samples`);
  for (let r = 1; r <= rounds; r++) {
    const uploads: AggClient[] = [];
    for (let c = 0; c < clients; c++) {
      const model = models[c] as BaseModel;
      const part = subset(pool, parts[c] as number[]);
      if (part.y.length === 0) continue;
      model.setWeights(weights);
      await model.train(part.x, part.y);
      const w = model.getWeights();
      bytes += 2 * w.reduce((s, t) => s + t.data.byteLength, 0);
      uploads.push({ id: `client-${c}`, numSamples: part.y.length, weights: w });
    }
    const result = await aggregation.aggregate(uploads);
    weights = result.weights;
    global.setWeights(weights);
    const test = await ctx.test();
    const acc = predictedClasses(await global.predict(test.x)).reduce((s, p, i) => s + (p === test.y[i] ? 1 : 0), 0) / test.y.length;
    ctx.log(`round ${r}/${rounds}: aggregated ${result.accepted.length} clients; global test accuracy ${(acc * 100).toFixed(2)} %`);
  }
  const test = await ctx.test();
  const predictions = predictedClasses(await global.predict(test.x));
  for (const m of [...models, global]) m.dispose?.();
  return { predictions, system: { bytes_per_link: { 'clients<->aggregator': bytes } } };
};
