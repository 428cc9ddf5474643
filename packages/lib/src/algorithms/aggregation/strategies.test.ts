import { afterAll, describe, expect, it } from 'vitest';
import { ClassFactory, ClassType } from '../../common/class-factory.js';
import type { WeightTensor } from '../../core/estimator.js';
import {
  AggregationError,
  FedAdagrad,
  FedAdam,
  FedAvg,
  FedAvgM,
  FedMedian,
  FedProx,
  FedTrimmedAvg,
  FedYogi,
  Krum,
  MistNet,
  MultiKrum,
  addProximalGradient,
  createAggregation,
  krumScores,
  proximalGradient,
  proximalTerm,
  registerAggregations,
  type AggClient,
} from './index.js';
import { WeightedSumEngine } from './weighted-sum/engine.js';

const engine = new WeightedSumEngine({ threads: 1 });
const jsEngine = new WeightedSumEngine({ backend: 'js' });
afterAll(async () => {
  await engine.dispose();
  await jsEngine.dispose();
});

const tensor = (name: string, shape: number[], values: number[]): WeightTensor => ({ name, shape, data: Float32Array.from(values) });
const client = (id: string, numSamples: number, ...values: number[][]): AggClient => ({
  id,
  numSamples,
  weights: values.map((v, index) => tensor(`t${index}`, [v.length], v)),
});
const values = (weights: readonly WeightTensor[]): number[][] => weights.map((t) => Array.from(t.data));

describe('FedAvg', () => {
  it('weighs clients by their sample counts (hand-computed)', async () => {
    for (const e of [engine, jsEngine]) {
      const fedavg = new FedAvg({}, { engine: e });
      const result = await fedavg.aggregate([client('a', 1, [1, 2, 3], [10]), client('b', 3, [5, 6, 7], [20])]);
      // (1·1 + 3·5)/4 = 4, (2 + 18)/4 = 5, (3 + 21)/4 = 6; (10 + 60)/4 = 17.5
      expect(values(result.weights)).toEqual([[4, 5, 6], [17.5]]);
      expect(result.weights[0]!.name).toBe('t0');
      expect(result.totalSamples).toBe(4);
      expect(result.accepted).toEqual(['a', 'b']);
      expect(result.rejected).toEqual([]);
    }
  });

  it('keeps shapes of multi-dimensional tensors', async () => {
    const a: AggClient = { id: 'a', numSamples: 1, weights: [tensor('k', [2, 2], [1, 1, 1, 1])] };
    const b: AggClient = { id: 'b', numSamples: 1, weights: [tensor('k', [2, 2], [3, 3, 3, 3])] };
    const result = await new FedAvg({}, { engine }).aggregate([a, b]);
    expect(result.weights[0]!.shape).toEqual([2, 2]);
    expect(Array.from(result.weights[0]!.data)).toEqual([2, 2, 2, 2]);
  });

  it('names the client and the tensor when shapes differ', async () => {
    const fedavg = new FedAvg({}, { engine });
    const a: AggClient = { id: 'edge-a', numSamples: 1, weights: [tensor('dense/kernel', [2, 3], [1, 2, 3, 4, 5, 6])] };
    const b: AggClient = { id: 'edge-b', numSamples: 1, weights: [tensor('dense/kernel', [3, 2], [1, 2, 3, 4, 5, 6])] };
    await expect(fedavg.aggregate([a, b])).rejects.toThrow(/client "edge-b" tensor 0 \("dense\/kernel"\) has shape \[3, 2\], but client "edge-a" has "dense\/kernel" with shape \[2, 3\]/);
    await expect(fedavg.aggregate([a, client('edge-c', 1, [1, 2, 3, 4, 5, 6], [1])])).rejects.toThrow(/client "edge-c" sent 2 tensors, client "edge-a" sent 1/);
    const broken: AggClient = { id: 'edge-d', numSamples: 1, weights: [tensor('dense/kernel', [2, 3], [1, 2])] };
    await expect(fedavg.aggregate([broken])).rejects.toThrow(/client "edge-d" tensor 0 \("dense\/kernel"\): shape \[2, 3\] does not match its 2 values/);
  });

  it('rejects a client with NaN or infinite weights, names it, and averages the rest', async () => {
    for (const e of [engine, jsEngine]) {
      const fedavg = new FedAvg({}, { engine: e });
      const result = await fedavg.aggregate([
        client('good-1', 1, [1, 1]),
        client('nan', 5, [1, Number.NaN]),
        client('good-2', 3, [5, 5]),
        client('inf', 1, [Number.NEGATIVE_INFINITY, 0]),
      ]);
      expect(values(result.weights)).toEqual([[4, 4]]); // (1 + 15) / 4
      expect(result.accepted).toEqual(['good-1', 'good-2']);
      expect(result.rejected.map((r) => r.id)).toEqual(['nan', 'inf']);
      expect(result.rejected[0]!.reason).toMatch(/tensor 0 \("t0"\) has NaN at flat index 1/);
      expect(result.totalSamples).toBe(4);
    }
  });

  it('fails when no usable client is left, naming them', async () => {
    const fedavg = new FedAvg({}, { engine });
    const error = await fedavg.aggregate([client('x', 1, [Number.NaN]), client('y', 2.5, [1])]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregationError);
    expect((error as Error).message).toMatch(/no usable client update is left \("y": num_samples must be a non-negative integer, got 2.5; "x": tensor 0/);
    expect((error as AggregationError).rejected.map((r) => r.id).sort()).toEqual(['x', 'y']);
  });

  it('refuses a zero total of samples and duplicate client ids', async () => {
    const fedavg = new FedAvg({}, { engine });
    await expect(fedavg.aggregate([client('a', 0, [1]), client('b', 0, [2])])).rejects.toThrow(/0 samples in all/);
    await expect(fedavg.aggregate([client('a', 1, [1]), client('a', 1, [2])])).rejects.toThrow(/client "a" appears twice/);
  });

  it('returns the previous result for a round without clients, as the original', async () => {
    const fedavg = new FedAvg({}, { engine });
    await expect(fedavg.aggregate([])).rejects.toThrow(/no previous round/);
    await fedavg.aggregate([client('a', 1, [7])]);
    expect(values((await fedavg.aggregate([])).weights)).toEqual([[7]]);
  });
});

describe('FedAvgM', () => {
  it('is FedAvg with the default parameters', async () => {
    const strategy = new FedAvgM({}, { engine });
    strategy.setGlobalWeights([tensor('t0', [2], [1, 1])]);
    expect(values((await strategy.aggregate([client('a', 1, [0, 3])])).weights)).toEqual([[0, 3]]);
  });

  it('applies server momentum (hand-computed)', async () => {
    const strategy = new FedAvgM({ server_learning_rate: '1', server_momentum: '0.9' }, { engine });
    strategy.setGlobalWeights([tensor('t0', [2], [1, 1])]);
    // Δ' = w − avg = [1, −2]; v = Δ'; w = [1, 1] − v = [0, 3]
    expect(values((await strategy.aggregate([client('a', 1, [0, 3])])).weights)).toEqual([[0, 3]]);
    // Δ' = [0, 3] − [1, 1] = [−1, 2]; v = 0.9·[1, −2] + [−1, 2] = [−0.1, 0.2]; w = [0.1, 2.8]
    const second = values((await strategy.aggregate([client('a', 1, [1, 1])])).weights)[0]!;
    expect(second[0]).toBeCloseTo(0.1, 6);
    expect(second[1]).toBeCloseTo(2.8, 6);
  });

  it('applies a server learning rate (hand-computed)', async () => {
    const strategy = new FedAvgM({ server_learning_rate: '0.5' }, { engine });
    strategy.setGlobalWeights([tensor('t0', [2], [1, 1])]);
    // w − 0.5·(w − avg) = [1 − 0.5, 1 + 1]
    expect(values((await strategy.aggregate([client('a', 1, [0, 3])])).weights)).toEqual([[0.5, 2]]);
  });

  it('takes the first average as the global model when none was set', async () => {
    const strategy = new FedAvgM({ server_learning_rate: '0.5' }, { engine });
    expect(strategy.globalWeights).toBeUndefined();
    expect(values((await strategy.aggregate([client('a', 1, [2])])).weights)).toEqual([[2]]);
    expect(values(strategy.globalWeights!)).toEqual([[2]]);
    expect(values((await strategy.aggregate([client('a', 1, [4])])).weights)).toEqual([[3]]);
  });
});

describe('FedOpt family', () => {
  it('FedAdam keeps its moments between rounds (hand-computed)', async () => {
    const strategy = new FedAdam({}, { engine });
    strategy.setGlobalWeights([tensor('t0', [1], [0])]);
    // Δ = 1, m = 0.1, v = 0.01, η̂ = 0.1·√(1 − 0.99²)/(1 − 0.9²); w = η̂·m/(√v + τ)
    const first = (await strategy.aggregate([client('a', 1, [1])])).weights[0]!.data[0]!;
    expect(first).toBeCloseTo(0.074245978, 6);
    const second = (await strategy.aggregate([client('a', 1, [1])])).weights[0]!.data[0]!;
    expect(second).toBeCloseTo(0.159678386, 5);
  });

  it('FedYogi and FedAdagrad (hand-computed)', async () => {
    const yogi = new FedYogi({}, { engine });
    yogi.setGlobalWeights([tensor('t0', [1], [0])]);
    // Δ = 1, m = 0.1, v = 0 − 0.01·1·sign(−1) = 0.01, w = 0.01·0.1/(0.1 + 0.001)
    expect((await yogi.aggregate([client('a', 1, [1])])).weights[0]!.data[0]).toBeCloseTo(0.00990099, 7);
    const adagrad = new FedAdagrad({}, { engine });
    adagrad.setGlobalWeights([tensor('t0', [1], [0])]);
    // Δ = 2, m = 2, v = 4, w = 0.1·2/(2 + 1e-9)
    expect((await adagrad.aggregate([client('a', 1, [2])])).weights[0]!.data[0]).toBeCloseTo(0.1, 7);
    // Δ = 2 − 0.1 = 1.9, v = 4 + 3.61 = 7.61, w = 0.1 + 0.1·1.9/√7.61
    expect((await adagrad.aggregate([client('a', 1, [2])])).weights[0]!.data[0]).toBeCloseTo(0.1 + 0.19 / Math.sqrt(7.61), 6);
  });

  it('uses Flower defaults and validates parameters', () => {
    const adam = new FedAdam();
    expect([adam.eta, adam.etaL, adam.beta1, adam.beta2, adam.tau]).toEqual([0.1, 0.1, 0.9, 0.99, 1e-9]);
    const yogi = new FedYogi();
    expect([yogi.eta, yogi.etaL, yogi.beta1, yogi.beta2, yogi.tau]).toEqual([0.01, 0.0316, 0.9, 0.99, 0.001]);
    const adagrad = new FedAdagrad();
    expect([adagrad.eta, adagrad.beta1, adagrad.beta2, adagrad.tau]).toEqual([0.1, 0, 0, 1e-9]);
    expect(() => new FedAdam({ beta_1: '1' })).toThrow(/"FedAdam": parameter "beta_1": must be in \[0, 1\)/);
    expect(() => new FedYogi({ eta: 'fast' })).toThrow(/"FedYogi": parameter "eta"/);
  });

  it('refuses a round whose model does not match the global one', async () => {
    const strategy = new FedAdam({}, { engine });
    strategy.setGlobalWeights([tensor('t0', [2], [0, 0])]);
    await expect(strategy.aggregate([client('a', 1, [1])])).rejects.toThrow(/does not match the global model/);
  });
});

describe('robust strategies', () => {
  it('FedMedian takes the coordinate-wise median', async () => {
    const median = new FedMedian();
    expect(values((await median.aggregate([client('a', 1, [1, 9]), client('b', 1, [5, 2]), client('c', 1, [3, 4])])).weights)).toEqual([[3, 4]]);
    expect(values((await median.aggregate([client('a', 1, [1]), client('b', 1, [2]), client('c', 1, [10]), client('d', 1, [4])])).weights)).toEqual([[3]]);
  });

  it('FedTrimmedAvg cuts floor(beta·K) values from each end', async () => {
    const trimmed = new FedTrimmedAvg({ beta: '0.2' });
    const five = ['a', 'b', 'c', 'd', 'e'].map((id, i) => client(id, 1, [[1, 2, 3, 4, 100][i]!]));
    expect(values((await trimmed.aggregate(five)).weights)).toEqual([[3]]); // mean(2, 3, 4)
    const four = ['a', 'b', 'c', 'd'].map((id, i) => client(id, 1, [[1, 2, 3, 10][i]!]));
    expect(values((await trimmed.aggregate(four)).weights)).toEqual([[4]]); // floor(0.8) = 0 cut
    expect(() => new FedTrimmedAvg({ beta: '0.5' })).toThrow(/parameter "beta": must be in \[0, 0.5\)/);
  });

  it('robust strategies drop non-finite clients too', async () => {
    const result = await new FedMedian().aggregate([client('a', 1, [1]), client('b', 1, [Number.NaN]), client('c', 1, [3])]);
    expect(values(result.weights)).toEqual([[2]]);
    expect(result.rejected.map((r) => r.id)).toEqual(['b']);
  });

  const krumRound = [client('a', 1, [0, 0]), client('b', 1, [1, 0]), client('c', 1, [0, 1]), client('d', 1, [10, 10])];

  it('Krum scores by the n − f − 2 nearest squared distances and picks the lowest', async () => {
    // f = 1: one nearest neighbour each; a: 1, b: 1 (to a), c: 1 (to a), d: 181
    expect(krumScores(krumRound, 1)).toEqual([1, 1, 1, 181]);
    // f = 0: two nearest; a: 1 + 1, b: 1 + 2, c: 1 + 2, d: 181 + 181
    expect(krumScores(krumRound, 0)).toEqual([2, 3, 3, 362]);
    const result = await new Krum({ num_malicious_clients: '1' }, { engine }).aggregate(krumRound);
    expect(values(result.weights)).toEqual([[0, 0]]);
    expect(result.accepted).toEqual(['a']);
  });

  it('MultiKrum averages the best K − f clients by sample count', async () => {
    const result = await new MultiKrum({ num_malicious_clients: '1' }, { engine }).aggregate(krumRound);
    expect(result.accepted).toEqual(['a', 'b', 'c']);
    const averaged = values(result.weights)[0]!;
    expect(averaged[0]).toBeCloseTo(1 / 3, 6);
    expect(averaged[1]).toBeCloseTo(1 / 3, 6);
    const two = await new Krum({ num_clients_to_keep: '2' }, { engine }).aggregate(krumRound);
    expect(two.accepted).toEqual(['a', 'b']);
  });
});

describe('FedProx', () => {
  it('computes the proximal term and its gradient', () => {
    const local = [tensor('w', [2], [1, 2])];
    const global = [tensor('w', [2], [0, 0])];
    expect(proximalTerm(local, global, 0.5)).toBeCloseTo(1.25, 12); // 0.25·(1 + 4)
    expect(Array.from(proximalGradient(local, global, 0.5)[0]!)).toEqual([0.5, 1]);
    const gradients = [Float32Array.of(1, 1)];
    addProximalGradient(gradients, local, global, 0.5);
    expect(Array.from(gradients[0]!)).toEqual([1.5, 2]);
    expect(() => proximalTerm(local, [tensor('w', [1], [0])], 0.5)).toThrow(/tensor 0 \("w"\) has 2 values locally, 1 globally/);
    expect(() => proximalTerm(local, global, -1)).toThrow(/mu must be finite and >= 0/);
  });

  it('aggregates like FedAvg and carries proximal_mu', async () => {
    const strategy = new FedProx({ proximal_mu: '0.01' }, { engine });
    expect(strategy.proximalMu).toBe(0.01);
    expect(values((await strategy.aggregate([client('a', 1, [1]), client('b', 1, [3])])).weights)).toEqual([[2]]);
  });
});

describe('registry', () => {
  it('registers every strategy under ClassType.FL_AGG', () => {
    registerAggregations();
    expect(ClassFactory.list(ClassType.FL_AGG)).toEqual(
      expect.arrayContaining(['FedAvg', 'FedAvgM', 'FedAdam', 'FedYogi', 'FedAdagrad', 'FedProx', 'FedMedian', 'FedTrimmedAvg', 'Krum', 'MultiKrum']),
    );
    const strategy = createAggregation({ method: 'FedAdam', param: { eta: '0.05' } });
    expect(strategy).toBeInstanceOf(FedAdam);
    expect((strategy as FedAdam).eta).toBe(0.05);
  });

  it('keeps MistNet as parameters only: its rounds are the aggregation server\'s, not a weight average', async () => {
    const mistnet = new MistNet({ cut_layer: '4', epsilon: '50' });
    expect(mistnet.parameters).toEqual({ type: 'mistnet', cut_layer: 4, epsilon: 50 });
    await expect(mistnet.aggregate([])).rejects.toThrow(/no weight averaging: run it through the AggregationServer/);
  });
});
