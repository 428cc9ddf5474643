/**
 * Rehearsal for the train worker: the round's new samples are mixed with a sample of the original training data, so
 * that learning the new site does not overwrite what the base model knew (fine-tuning on the new site alone cost
 * about 7 points on the original distribution).
 *
 * How much to replay is chosen on validation data only, never on the benchmark's held-out images: 20 % of the
 * round's samples (the new site) and original training images not used for replay (the original distribution).
 * Each candidate ratio (original samples per new sample) trains from the base model on the other 80 %; the choice
 * is the ratio with the best new-site validation accuracy among those that keep the original validation accuracy
 * within `maxDropPoints` of the base model's, else the one that keeps the most of it. The final model then trains on
 * all of the round's samples with that ratio.
 */
import type { Tensor } from './lib.js';
import { loadFashionMnist, MlpEstimator } from './lib.js';

export interface LabelledSet {
  x: Tensor;
  y: Int32Array;
}

export interface RehearsalOptions {
  baseModelUrl: string;
  /** Original samples per new sample to try, e.g. [0, 1, 2]. */
  ratios: readonly number[];
  /** Original training images to draw replay and validation from (the first ones of the training set). */
  originalCount: number;
  /** Original validation images (taken after the replay pool). */
  validationCount: number;
  /** The largest drop in original validation accuracy (points) a ratio may cost. */
  maxDropPoints: number;
  train: { epochs: number; batchSize: number; learningRate: number; seed: number };
  log: (line: string) => void;
}

function rows(set: LabelledSet, from: number, to: number): LabelledSet {
  const size = set.x.data.length / Math.max(1, set.y.length);
  return { x: { data: set.x.data.subarray(from * size, to * size), shape: [to - from, ...set.x.shape.slice(1)] }, y: set.y.subarray(from, to) };
}

function concat(a: LabelledSet, b: LabelledSet): LabelledSet {
  const data = new Float32Array(a.x.data.length + b.x.data.length);
  data.set(a.x.data);
  data.set(b.x.data, a.x.data.length);
  const y = new Int32Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return { x: { data, shape: [y.length, ...a.x.shape.slice(1)] }, y };
}

/** Every k-th sample to the validation part (k = 5: 20 %), the rest to training: both see the whole round. */
function holdOut(set: LabelledSet, every = 5): { fit: LabelledSet; validation: LabelledSet } {
  const size = set.x.data.length / Math.max(1, set.y.length);
  const pick = (keep: (i: number) => boolean): LabelledSet => {
    const idx = Array.from({ length: set.y.length }, (_, i) => i).filter(keep);
    const data = new Float32Array(idx.length * size);
    idx.forEach((i, k) => data.set(set.x.data.subarray(i * size, (i + 1) * size), k * size));
    return { x: { data, shape: [idx.length, ...set.x.shape.slice(1)] }, y: Int32Array.from(idx, (i) => set.y[i] as number) };
  };
  return { fit: pick((i) => i % every !== 0), validation: pick((i) => i % every === 0) };
}

async function accuracyOf(model: MlpEstimator, set: LabelledSet): Promise<number> {
  return (await model.evaluate(set.x, set.y)).accuracy ?? NaN;
}

async function trainFromBase(o: RehearsalOptions, data: LabelledSet): Promise<MlpEstimator> {
  const model = new MlpEstimator();
  await model.load(o.baseModelUrl);
  await model.train(data.x, data.y, o.train);
  return model;
}

/** The round's samples plus replayed original samples, the ratio chosen on validation data (see the top). */
export async function withRehearsal(round: LabelledSet, o: RehearsalOptions): Promise<{ data: LabelledSet; ratio: number }> {
  if (o.ratios.length === 0) return { data: round, ratio: 0 };
  const original = await loadFashionMnist({ split: 'train', count: o.originalCount + o.validationCount });
  const pool = rows(original, 0, o.originalCount);
  const originalValidation = rows(original, o.originalCount, o.originalCount + o.validationCount);
  const replay = (n: number, ratio: number): LabelledSet => rows(pool, 0, Math.min(o.originalCount, Math.round(n * ratio)));

  const base = new MlpEstimator();
  await base.load(o.baseModelUrl);
  const baseOriginal = await accuracyOf(base, originalValidation);
  const { fit, validation } = holdOut(round);
  const scored: { ratio: number; site: number; original: number }[] = [];
  for (const ratio of o.ratios) {
    const model = await trainFromBase(o, concat(fit, replay(fit.y.length, ratio)));
    const score = { ratio, site: await accuracyOf(model, validation), original: await accuracyOf(model, originalValidation) };
    scored.push(score);
    o.log(`rehearsal ratio ${ratio}: validation accuracy ${(score.site * 100).toFixed(1)} % on the new site, ${(score.original * 100).toFixed(1)} % on the original distribution (base model ${(baseOriginal * 100).toFixed(1)} %)`);
  }
  const keeping = scored.filter((s) => (baseOriginal - s.original) * 100 <= o.maxDropPoints);
  const chosen = keeping.length > 0 ? keeping.reduce((a, b) => (b.site > a.site ? b : a)) : scored.reduce((a, b) => (b.original > a.original ? b : a));
  o.log(`rehearsal: ratio ${chosen.ratio} chosen (${keeping.length > 0 ? `best new-site validation accuracy within ${o.maxDropPoints} point(s) of the base model on the original` : 'no ratio kept the original within bounds: the one that keeps the most'})`);
  return { data: concat(round, replay(round.y.length, chosen.ratio)), ratio: chosen.ratio };
}
