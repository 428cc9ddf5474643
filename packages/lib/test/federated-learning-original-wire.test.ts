/**
 * A trainer of this lib against aggregators of either lib: AGG_WIRE json speaks the original's messages (no
 * sync_weight, nested lists, recv_weight), auto asks the aggregator's GET /<aggregation>, and a silent aggregator is
 * a clear error, not a wait forever. The aggregator takes MODEL_URL as a folder, as the original's workers use it,
 * and a model it cannot write still reaches the trainers.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { syntheticClasses } from '../src/backend/test-data.js';
import { AggregationServer, FederatedLearning, silentLog, type AggregationServerOptions } from '../src/core/federated_learning/index.js';
import { tempDir as kitTempDir } from '../../../test-kit/index.js';

const spec: ModelSpec = { inputShape: [6], layers: [{ type: 'dense', units: 5, activation: 'relu' }, { type: 'dense', units: 3 }] };
const { x, y } = syntheticClasses(60, [6], 3, 2);
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(options: Partial<AggregationServerOptions>): Promise<{ server: AggregationServer; url: string; logs: string[] }> {
  const logs: string[] = [];
  const server = new AggregationServer({ aggregation: 'FedAvg', participantsCount: 2, exitRound: 2, host: '127.0.0.1', port: 0, jobName: 'fl', lingerMs: 2000, log: (line) => logs.push(line), ...options });
  const { port } = await server.start();
  cleanups.push(() => server.stop());
  return { server, url: `ws://127.0.0.1:${port}/FedAvg`, logs };
}

function trainer(url: string, name: string, options: { wire?: 'auto' | 'json' | 'binary'; recvTimeoutMs?: number; syncTimeoutMs?: number; log?: (line: string) => void } = {}): FederatedLearning {
  return new FederatedLearning({ estimator: new MlpEstimator({ spec, seed: 5 }), env: {}, aggregatorUrl: url, workerName: name, reporter: false, log: options.log ?? silentLog, connectTimeoutMs: 5000, ...options });
}

function tempDir(): string {
  const dir = kitTempDir('fl-original-wire-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('a trainer of this lib', () => {
  it('in JSON mode finishes a job on the original messages; the aggregator saves into a MODEL_URL folder', async () => {
    const folder = tempDir();
    const { server } = await startServer({ estimator: new MlpEstimator({ spec, seed: 4 }), modelUrl: folder });
    const lines: string[] = [];
    const url = `ws://127.0.0.1:${server.address.port}/FedAvg`;
    const [a, b] = await Promise.all([trainer(url, 'json-a', { wire: 'json' }).train({ x, y }), trainer(url, 'auto-b', { log: (line) => lines.push(line) }).train({ x, y })]);
    expect(a.rounds).toBe(2);
    expect(b.rounds).toBe(2);
    // Both hold the final global model, whichever wire they spoke.
    expect(Array.from(a.estimator.getWeights()[0]!.data)).toEqual(Array.from(b.estimator.getWeights()[0]!.data));
    expect(lines.join('\n')).toContain("speaks this lib's binary wire");
    const done = await server.done;
    // The estimator's own format (a tfjs model folder) under the default name inside MODEL_URL.
    expect(done.model?.url).toBe(join(folder, 'model', 'model.json'));
    expect(readdirSync(folder)).toContain('model');
  }, 60_000);

  it('gets the final model even when the aggregator cannot write MODEL_URL, and the aggregator says why', async () => {
    const dir = tempDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const { server } = await startServer({ modelUrl: join(file, 'model.weights'), checkpointUrl: join(dir, 'ckpt'), participantsCount: 1, exitRound: 1 });
    const failure = server.done.then(
      () => undefined,
      (error: Error) => error,
    );
    const result = await trainer(`ws://127.0.0.1:${server.address.port}/FedAvg`, 'w', { wire: 'json' }).train({ x, y });
    expect(result.rounds).toBe(1);
    expect((await failure)?.message).toMatch(/the final model could not be saved to MODEL_URL .*a-file\/model\.weights: .*; the trainers got it \(the checkpoint .*ckpt holds it\)/);
  }, 60_000);

  it('fails with a clear error when an aggregator of the original kind never answers: no sync_weight, no recv_weight', async () => {
    // The original's AggregationServer as far as subscription goes: the echo, then nothing until every participant sent.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
    await new Promise((resolve) => wss.once('listening', resolve));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/FedAvg`;
    await expect(trainer(url, 'bin', { wire: 'binary', syncTimeoutMs: 500 }).train({ x, y })).rejects.toThrow(/sent no sync_weight within 0.5 s: .*set AGG_WIRE=json/);
    await expect(trainer(url, 'json', { wire: 'json', recvTimeoutMs: 500 }).train({ x, y })).rejects.toThrow(/no recv_weight from the aggregator at .* within 0.5 s after the update for round 1 \(AGG_RECV_TIMEOUT\)/);
  }, 30_000);
});
