/**
 * The aggregation protocol as the original Python lib's worker speaks it (sedna-reference §4.4): JSON text frames,
 * weights as nested lists, subscribe acknowledged by its echo, recv_weight with exit_flag. Here a raw websocket
 * plays that worker, alone and next to a worker of this lib.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { syntheticClasses } from '../src/backend/test-data.js';
import { AggregationServer, FederatedLearning, silentLog, weightsToNested, type AggregationServerOptions } from '../src/core/federated_learning/index.js';
import { waitFor } from './helpers/wait.js';

/** A worker of the original lib: AggregationClient's connect/send/recv, message for message. */
class OriginalWorker {
  readonly received: any[] = [];
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string, readonly id: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(false); // the original's workers only ever get JSON
      this.received.push(JSON.parse(data.toString('utf8')));
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** subscribe, then await one message: the echo. */
  async subscribe(): Promise<any> {
    await this.opened;
    this.socket.send(JSON.stringify({ type: 'subscribe', client_id: this.id }));
    return waitFor('the subscribe echo', () => this.received.find((m) => m.type === 'subscribe' && m.client_id === this.id));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  update(numSamples: number, weights: unknown[]): void {
    this.socket.send(JSON.stringify({ type: 'update_weight', client: this.id, data: { num_samples: numSamples, weights }, job_name: 'fl-json' }));
  }

  /** recv(wait_data_type="recv_weight"): other messages are consumed and skipped. */
  async recvWeight(round: number): Promise<any> {
    return waitFor(`recv_weight ${round}`, () => this.received.find((m) => m.type === 'recv_weight' && m.round_number === round), 20_000);
  }

  close(): void {
    this.socket.close();
  }
}

let server: AggregationServer | undefined;
const workers: OriginalWorker[] = [];
const logs: string[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.close();
  await server?.stop();
  server = undefined;
  logs.length = 0;
});

async function startServer(options: Partial<AggregationServerOptions>): Promise<{ url: string; base: string }> {
  server = new AggregationServer({ aggregation: 'FedAvg', participantsCount: 2, exitRound: 2, host: '127.0.0.1', port: 0, jobName: 'fl-json', log: (line) => logs.push(line), ...options });
  const { port } = await server.start();
  return { url: `ws://127.0.0.1:${port}/FedAvg`, base: `http://127.0.0.1:${port}/FedAvg` };
}

function join(url: string, id: string): OriginalWorker {
  const worker = new OriginalWorker(url, id);
  workers.push(worker);
  return worker;
}

describe('workers of the original lib', () => {
  it('subscribe, send nested lists, and get the sample-weighted average back with round numbers and exit flags', async () => {
    const { url, base } = await startServer({});
    const a = join(url, 'py-a');
    const b = join(url, 'py-b');
    expect(await a.subscribe()).toEqual({ type: 'subscribe', client_id: 'py-a' });
    await b.subscribe();
    // The existing worker hears of the new one, then gets its subscribe echoed too.
    expect(a.received).toEqual([{ type: 'subscribe', client_id: 'py-a' }, { type: 'CLIENT_JOIN', data: 'py-b' }, { type: 'subscribe', client_id: 'py-b' }]);

    // GET /FedAvg lists the workers; with {"client_id"} in the body it gives one worker's details.
    expect(await (await fetch(base)).json()).toEqual({ clients: ['py-a', 'py-b'], wires: ['binary', 'json'] });
    // As Python's requests.get(url, json=...) sends it: a GET with a JSON body and its Content-Length.
    const info = await new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ client_id: 'py-b' });
      const target = new URL(base);
      const call = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'GET', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        },
      );
      call.on('error', reject);
      call.end(body);
    }).then((text) => JSON.parse(text));
    expect(info).toMatchObject({ client_id: 'py-b', connected_at: expect.any(String) });

    a.update(100, [[[1, 2], [3, 4]], [0.5, -0.5]]);
    b.update(300, [[[5, 6], [7, 8]], [1.5, 0.5]]);
    const first = await a.recvWeight(1);
    expect(first).toEqual({
      type: 'recv_weight',
      client: 'aggregator',
      job_name: 'fl-json',
      round_number: 1,
      data: { total_sample: 400, round_number: 1, exit_flag: 'continue', weights: [[[4, 5], [6, 7]], [1.25, 0.25]] },
    });
    expect(await b.recvWeight(1)).toEqual(first);

    // numpy sends integral sample counts as ints; a digit string is what int() accepts too.
    a.sendRaw(JSON.stringify({ type: 'update_weight', client: 'py-a', data: { num_samples: '1', weights: [[[0, 0], [0, 0]], [0, 0]] }, job_name: 'fl-json' }));
    b.update(1, [[[2, 2], [2, 2]], [2, 2]]);
    const last = await b.recvWeight(2);
    expect(last.data).toEqual({ total_sample: 2, round_number: 2, exit_flag: 'ok', weights: [[[1, 1], [1, 1]], [1, 1]] });
    expect((await server!.done).rounds).toBe(2);
  });

  it('refuse and name a worker whose weights are NaN (Python writes a bare NaN) or ragged, and go on', async () => {
    const { url } = await startServer({ participantsCount: 3, minClients: 1, exitRound: 1, roundTimeoutMs: 60_000 });
    const good = join(url, 'py-good');
    const nan = join(url, 'py-nan');
    const ragged = join(url, 'py-ragged');
    for (const worker of [good, nan, ragged]) await worker.subscribe();
    good.update(10, [[1, 2, 3]]);
    nan.sendRaw('{"type": "update_weight", "client": "py-nan", "data": {"num_samples": 10, "weights": [[1, NaN, 3]]}, "job_name": "fl-json"}');
    ragged.update(10, [[[1, 2], [3]]]);
    const result = await good.recvWeight(1);
    expect(result.data.weights).toEqual([[1, 2, 3]]);
    expect(result.data.total_sample).toBe(10);
    expect(logs.some((line) => /refused the update of worker "py-nan": its message is not valid JSON/.test(line))).toBe(true);
    expect(logs.some((line) => /refused the update of worker "py-ragged": weights\[0\] is ragged/.test(line))).toBe(true);
    expect(nan.received.find((m) => m.type === 'reject_weight')).toMatchObject({ client: 'py-nan', round_number: 1, retry: true });
    // The refused workers get the round's result too, as the original broadcast to all.
    await nan.recvWeight(1);
  });

  it('work next to a worker of this lib: the same model in nested lists and in binary frames', async () => {
    const spec: ModelSpec = { inputShape: [6], layers: [{ type: 'dense', units: 5, activation: 'relu' }, { type: 'dense', units: 3 }] };
    const { x, y } = syntheticClasses(60, [6], 3, 2);
    const { url } = await startServer({ estimator: new MlpEstimator({ spec, seed: 4 }), exitRound: 2 });
    const python = join(url, 'py-edge');
    await python.subscribe();
    const ours = new FederatedLearning({ estimator: new MlpEstimator({ spec, seed: 5 }), env: {}, aggregatorUrl: url, workerName: 'ts-edge', reporter: false, log: silentLog }).train({ x, y });
    await waitFor('both workers', () => server!.status().connected.length === 2);
    // The Python worker trains its own copy (here: a fixed model) and sends it as lists.
    const pythonModel = new MlpEstimator({ spec, seed: 6 });
    python.update(40, weightsToNested(pythonModel.getWeights()));
    const round1 = await python.recvWeight(1);
    expect(round1.data.weights.map((layer: unknown[]) => layer.length)).toEqual([6, 5, 5, 3]);
    python.update(40, round1.data.weights);
    const result = await ours;
    expect(result.rounds).toBe(2);
    const history = (await server!.done).history;
    expect(history.map((record) => [...record.accepted].sort())).toEqual([
      ['py-edge', 'ts-edge'],
      ['py-edge', 'ts-edge'],
    ]);
    expect(history[0]!.totalSamples).toBe(100);
    expect((await python.recvWeight(2)).data.exit_flag).toBe('ok');
  });
});
