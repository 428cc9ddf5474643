/**
 * Federated learning when things go wrong, over real loopback websockets: a worker killed in the middle of a round
 * (the round ends by timeout with the minimum, and the restarted worker rejoins at the current round), workers
 * sending NaN or weights of the wrong shape (refused and named, the rounds go on), and an aggregator that crashes
 * and is restarted from its checkpoint (it resumes, the workers reconnect).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { syntheticClasses } from '../src/backend/test-data.js';
import { AggregationServer, FederatedLearning, loadCheckpoint, type AggregationServerOptions, type FederatedTrainResult } from '../src/core/federated_learning/index.js';
import type { Estimator, Tensor } from '../src/core/estimator.js';
import { HookedEstimator } from './helpers/hooked-estimator.js';
import { waitFor } from './helpers/wait.js';

const spec: ModelSpec = { inputShape: [12], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 4 }] };
const task = syntheticClasses(480, [12], 4, 5, 0.8);

function share(k: number): { x: Tensor; y: Int32Array } {
  const n = 120;
  return { x: { data: task.x.data.slice(k * n * 12, (k + 1) * n * 12), shape: [n, 12] }, y: task.y.slice(k * n, (k + 1) * n) };
}

const logs: string[] = [];
const log = (line: string): void => {
  logs.push(line);
};

let dir: string;
const servers: AggregationServer[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fl-faults-'));
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  logs.length = 0;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startServer(options: Partial<AggregationServerOptions>): Promise<{ server: AggregationServer; url: string; port: number }> {
  const server = new AggregationServer({ aggregation: 'FedAvg', participantsCount: 3, exitRound: 3, host: '127.0.0.1', port: 0, jobName: 'fl-faults', log, estimator: new MlpEstimator({ spec, seed: 7 }), ...options });
  servers.push(server);
  const { port } = await server.start();
  return { server, url: `ws://127.0.0.1:${port}/FedAvg`, port };
}

function worker(url: string, name: string, estimator: Estimator, extra: Partial<ConstructorParameters<typeof FederatedLearning>[0]> = {}): FederatedLearning {
  return new FederatedLearning({ estimator, env: {}, aggregatorUrl: url, workerName: name, jobName: 'fl-faults', epochs: 1, batchSize: 16, learningRate: 0.01, reporter: false, log, ...extra });
}

describe('a worker killed in the middle of a round', () => {
  it('the round ends by timeout with the minimum, and the restarted worker rejoins at the current round', async () => {
    const { server, url } = await startServer({ exitRound: 4, minClients: 2, roundTimeoutMs: 1500 });
    const kill = new AbortController();
    // edge-2 dies during its second local training: after round 1, before sending its round-2 update.
    const doomed = new HookedEstimator(new MlpEstimator({ spec, seed: 3 }), { beforeTrain: (training) => (training === 2 ? kill.abort(new Error('killed')) : undefined) });
    const survivors = [0, 1].map((k) => worker(url, `edge-${k}`, new MlpEstimator({ spec, seed: k })).train(share(k)));
    const victim = worker(url, 'edge-2', doomed).train(share(2), { signal: kill.signal });
    await expect(victim).rejects.toThrow(/killed/);

    // Round 2 cannot hear from edge-2: it ends by timeout with the two others.
    await waitFor('round 2', () => server.status().completedRounds >= 2, 20_000);
    const round2 = server.status().history[1]!;
    expect(round2.closedBy).toBe('timeout');
    expect([...round2.accepted].sort()).toEqual(['edge-0', 'edge-1']);

    // The worker comes back (its pod restarted): it rejoins at the current round, not at round 1.
    const joinedAt = server.status().completedRounds;
    const restarted = worker(url, 'edge-2', new MlpEstimator({ spec, seed: 3 })).train(share(2));
    const results: FederatedTrainResult[] = await Promise.all([...survivors, restarted]);
    const outcome = await server.done;
    expect(outcome.rounds).toBe(4);
    expect(results.every((result) => result.rounds === 4)).toBe(true);
    expect(results[2]!.roundsTrained).toBeLessThanOrEqual(4 - joinedAt);
    expect(outcome.history.at(-1)!.accepted).toContain('edge-2');
    expect(logs.some((line) => /worker "edge-2" disconnected/.test(line))).toBe(true);
  });
});

describe('unusable updates', () => {
  it('NaN weights and weights of another shape are refused with the worker named, and the rounds go on', async () => {
    const { server, url } = await startServer({ participantsCount: 4, minClients: 2, exitRound: 2, roundTimeoutMs: 20_000 });
    const poisoned = new HookedEstimator(new MlpEstimator({ spec, seed: 9 }), {
      weights: (weights) => weights.map((tensor, index) => (index === 1 ? { ...tensor, data: tensor.data.map((value, i) => (i === 3 ? Number.NaN : value)) } : tensor)),
    });
    const wrongSpec: ModelSpec = { inputShape: [12], layers: [{ type: 'dense', units: 17, activation: 'relu' }, { type: 'dense', units: 4 }] };
    // A worker deployed with another model: it ignores the global model and keeps sending its own shapes.
    const misfit = new HookedEstimator(new MlpEstimator({ spec: wrongSpec, seed: 9 }), { ignoreSetWeights: true });
    const good = [0, 1].map((k) => worker(url, `edge-${k}`, new MlpEstimator({ spec, seed: k })).train(share(k)));
    const bad = [worker(url, 'edge-nan', poisoned).train(share(2)), worker(url, 'edge-shape', misfit).train(share(3))];
    await Promise.all(good);
    await Promise.allSettled(bad);
    const outcome = await server.done;

    expect(outcome.rounds).toBe(2);
    for (const record of outcome.history) {
      expect([...record.accepted].sort()).toEqual(['edge-0', 'edge-1']);
      const rejected = Object.fromEntries(record.rejected.map((rejection) => [rejection.id, rejection.reason]));
      expect(rejected['edge-nan']).toMatch(/tensor 1 \("dense_0\/bias"\) has NaN at flat index 3/);
      expect(rejected['edge-shape']).toMatch(/tensor 0 has shape \[12, 17\], the model's "dense_0\/kernel" has \[12, 16\]/);
    }
    expect(logs.some((line) => /round 1: refused the update of worker "edge-nan": .*NaN/.test(line))).toBe(true);
    expect(logs.some((line) => /round 1: refused the update of worker "edge-shape": .*shape/.test(line))).toBe(true);
    // The global model stayed finite.
    expect(outcome.weights!.every((tensor) => tensor.data.every(Number.isFinite))).toBe(true);
  });

  it('before there is a global model, the shape most workers sent wins and the odd one out is left out', async () => {
    const { server, url } = await startServer({ estimator: undefined, exitRound: 1 });
    const wrongSpec: ModelSpec = { inputShape: [12], layers: [{ type: 'dense', units: 5, activation: 'relu' }, { type: 'dense', units: 4 }] };
    const runs = [
      worker(url, 'edge-0', new MlpEstimator({ spec, seed: 1 })).train(share(0)),
      worker(url, 'edge-1', new MlpEstimator({ spec, seed: 2 })).train(share(1)),
      worker(url, 'edge-odd', new HookedEstimator(new MlpEstimator({ spec: wrongSpec, seed: 3 }), { ignoreSetWeights: true })).train(share(2)),
    ];
    await Promise.allSettled(runs);
    const outcome = await server.done;
    expect([...outcome.history[0]!.accepted].sort()).toEqual(['edge-0', 'edge-1']);
    expect(outcome.history[0]!.rejected).toEqual([{ id: 'edge-odd', reason: expect.stringMatching(/tensor 0 has shape \[12, 5\].*\(the shapes most workers sent\)/) }]);
  });
});

describe('strategies the aggregator cannot run', () => {
  it('fail at start with a message naming the strategy, or listing the known ones', () => {
    const make = (aggregation: AggregationServerOptions['aggregation']) => () => new AggregationServer({ aggregation, participantsCount: 1, exitRound: 1, log });
    expect(make('FedAvgV2')).toThrow(/"FedAvgV2" is not implemented/);
    expect(make('FedAvgX')).toThrow(/no "FedAvgX" registered as aggregation \(known: .*FedAdam.*FedAvg.*Krum/);
  });
});

describe('an aggregator restarted from its checkpoint', () => {
  it('resumes after the last checkpointed round (with the FedAdam state), and the workers reconnect and finish', async () => {
    const checkpointUrl = join(dir, 'restart.fl-checkpoint');
    const options: Partial<AggregationServerOptions> = { aggregation: { method: 'FedAdam', param: { eta: '0.02' } }, exitRound: 5, checkpointUrl, modelUrl: join(dir, 'restart-model') };
    const first = await startServer(options);
    // The workers' third local training waits until the first aggregator is gone.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runs = [0, 1, 2].map((k) =>
      worker(first.url, `edge-${k}`, new HookedEstimator(new MlpEstimator({ spec, seed: k }), { beforeTrain: (training) => (training === 3 ? gate : undefined) }), { connectTimeoutMs: 30_000 }).train(share(k)),
    );
    // The checkpoint of round 2 is written before its result goes out.
    const saved = await waitFor('the checkpoint of round 2', async () => {
      const checkpoint = await loadCheckpoint(checkpointUrl);
      return checkpoint?.completedRounds === 2 ? checkpoint : undefined;
    }, 20_000);
    expect(saved?.optimizer?.steps).toBeGreaterThan(0);
    expect(Object.keys(saved?.optimizer?.moments ?? {})).toEqual(expect.arrayContaining(['m/0', 'v/0']));
    await first.server.stop(); // a crash: every connection drops at once

    const second = await startServer({ ...options, port: first.port });
    expect(second.server.status().resumedFrom).toBe(2);
    expect(second.server.status().history.map((record) => record.round)).toEqual([1, 2]);
    release();
    const results = await Promise.all(runs);
    const outcome = await second.server.done;
    expect(outcome.rounds).toBe(5);
    expect(outcome.history.map((record) => record.round)).toEqual([1, 2, 3, 4, 5]);
    expect(results.every((result) => result.rounds === 5)).toBe(true);
    // A worker that had started round 3 when the first aggregator went down trains it again for the second (6
    // trainings); one whose round-2 result was lost in the crash learns of it on rejoining and trains round 3 once (5).
    for (const result of results) expect([5, 6]).toContain(result.roundsTrained);
    expect((await loadCheckpoint(checkpointUrl))?.finished).toBe(true);

    // A later run of the same job starts over instead of resuming a finished one.
    const third = await startServer(options);
    expect(third.server.status().resumedFrom).toBeUndefined();
    expect(logs.some((line) => /not resuming .* it belongs to a run that finished/.test(line))).toBe(true);
  });
});
