/**
 * What the federated learning benchmark's parts share: the model (the example's 784-128-10 network), the data
 * (Fashion-MNIST from the Debian package) and the deterministic split of the training set among clients, so the
 * main process and every client process compute the same shares from a seed.
 */
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import type { ModelSpec } from '@sedna/lib/model-spec';
import type { Tensor } from '@sedna/lib/common';
import { loadFashionMnist, type FashionMnistSlice } from '@sedna/lib/datasources';
import { partitionDirichlet, partitionIid } from '@sedna/lib/datasources';

/** The 784-hidden-10 network; hidden 128 is the example's, 12,580 makes it a 10 M-parameter model. */
export function specOf(hidden: number): ModelSpec {
  return {
    inputShape: [784],
    layers: [
      { type: 'dense', units: hidden, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  };
}
export const SPEC: ModelSpec = specOf(128);
/** Hidden units of the 10 M-parameter model: 784 x 12,580 + 12,580 + 12,580 x 10 + 10 = 10,001,110. */
export const BIG_HIDDEN = 12_580;
export const MODEL_SEED = 1;
export const BATCH_SIZE = 32;

export type SplitKind = 'iid' | 'dirichlet';

export interface Shard {
  x: Tensor;
  y: Int32Array;
}

export function createModel(seed = MODEL_SEED, hidden = 128): MlpEstimator {
  return new MlpEstimator({ spec: hidden === 128 ? SPEC : specOf(hidden), seed });
}

export function loadTrain(): Promise<FashionMnistSlice> {
  return loadFashionMnist({ split: 'train' });
}

export function loadTest(): Promise<FashionMnistSlice> {
  return loadFashionMnist({ split: 'test' });
}

/** Client k's share of `train` among `clients` (iid, or Dirichlet with alpha 0.5 over the classes). */
export function shardOf(train: FashionMnistSlice, split: SplitKind, clients: number, k: number, seed = 0): Shard {
  const partition = split === 'iid' ? partitionIid(train.y.length, clients, { seed }) : partitionDirichlet(train.y, clients, { alpha: 0.5, seed, minPerClient: 10 });
  const indices = partition[k];
  if (indices === undefined) throw new Error(`no share ${k} of ${clients}`);
  const x = new Float32Array(indices.length * 784);
  const y = new Int32Array(indices.length);
  indices.forEach((index, row) => {
    x.set(train.x.data.subarray(index * 784, (index + 1) * 784), row * 784);
    y[row] = train.y[index]!;
  });
  return { x: { data: x, shape: [indices.length, 784] }, y };
}
