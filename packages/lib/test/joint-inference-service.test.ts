/**
 * BigModelService over real HTTP on 127.0.0.1: the original JSON form (as the Python ModelClient sends it), the
 * binary form, info and health routes, batching of concurrent requests, and the answers to malformed requests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Estimator, Tensor } from '../src/core/estimator.js';
import { BigModelClient, BigModelService, decodeTensor, encodeTensor, type BigModelServiceOptions } from '../src/core/joint_inference/index.js';
import { waitFor } from './helpers/wait.js';
import { workerRegistry } from '../src/metrics/index.js';

/** A model of samples [3]: row i of the answer is [sum of sample i, first value of sample i]. Records its batch sizes. */
function sumModel(): Estimator & { batches: number[]; gate?: Promise<void> } {
  const notUsed = (): never => {
    throw new Error('not used in this test');
  };
  const model = {
    batches: [] as number[],
    gate: undefined as Promise<void> | undefined,
    async predict(x: Tensor): Promise<Tensor> {
      const n = x.shape[0] as number;
      model.batches.push(n);
      if (model.gate) await model.gate;
      const width = x.data.length / n;
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < width; j++) sum += x.data[i * width + j] as number;
        out[2 * i] = sum;
        out[2 * i + 1] = x.data[i * width] as number;
      }
      return { data: out, shape: [n, 2] };
    },
    inputShape: [3],
    train: notUsed,
    evaluate: notUsed,
    load: async () => undefined,
    save: notUsed,
    getWeights: notUsed,
    setWeights: notUsed,
  };
  return model;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(port: number, method: string, path: string, body?: string | Buffer, contentType?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function runPython(script: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}

const json = (reply: Reply): any => JSON.parse(reply.body.toString('utf8'));

const services: BigModelService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function startService(options: Partial<BigModelServiceOptions> = {}): Promise<{ service: BigModelService; port: number; model: ReturnType<typeof sumModel> }> {
  const model = sumModel();
  const logs: string[] = [];
  const service = new BigModelService({ estimator: model, env: {}, modelUrl: false, host: '127.0.0.1', port: 0, log: (l) => logs.push(l), ...options });
  services.push(service);
  const { port } = await service.start();
  return { service, port, model };
}

describe('BigModelService, JSON form', () => {
  it('answers the body the original Python client sends: {"post_process": null, "data": [[...]]} -> {"result": [[...]]}', async () => {
    const { port } = await startService();
    // json.dumps of {"post_process": None, "data": np.array([[1, 2, 3], [4, 5, 6]], dtype=float).tolist()}
    const reply = await send(port, 'POST', '/sedna/predict', '{"post_process": null, "data": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}', 'application/json');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(json(reply)).toEqual({ result: [[6, 1], [15, 4]] });
  });

  it('counts and times the requests it served in the worker\'s metrics', async () => {
    const { port } = await startService({ env: { JOB_NAME: 'counted' } });
    for (let i = 0; i < 3; i++) expect((await send(port, 'POST', '/counted/predict', '{"data": [[1, 2, 3]]}', 'application/json')).status).toBe(200);
    const text = await workerRegistry().metrics();
    expect(text).toMatch(/^sedna_joint_inference_cloud_requests_total\{namespace="default",name="counted",result="ok"\} 3$/m);
    expect(text).toMatch(/^sedna_joint_inference_cloud_service_seconds_count\{namespace="default",name="counted"\} 3$/m);
  });

  it('answers one sample without a batch axis with one row without a batch axis', async () => {
    const { port } = await startService();
    const reply = await send(port, 'POST', '/sedna/predict', JSON.stringify({ data: [1, 1, 1] }), 'application/json');
    expect(json(reply)).toEqual({ result: [3, 1] });
  });

  it('tolerates the callback field and serves under JOB_NAME', async () => {
    const { port } = await startService({ env: { JOB_NAME: 'helmet-detection' } });
    const reply = await send(port, 'POST', '/helmet-detection/predict', JSON.stringify({ data: [[0, 0, 2]], callback: 'some_registered_callback' }), 'application/json');
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ result: [[2, 0]] });
    expect((await send(port, 'POST', '/sedna/predict', '{"data": [[0, 0, 2]]}', 'application/json')).status).toBe(404);
  });

  it.skipIf(spawnSync('python3', ['-c', 'import requests, numpy']).status !== 0)('serves a client written like the original ModelClient (python3 requests)', async () => {
    const { port } = await startService();
    const script = [
      'import json, sys, numpy as np, requests',
      'endpoint = f"http://127.0.0.1:{sys.argv[1]}/sedna"',
      'data = np.array([[0.5, 0.25, 0.25], [1, 2, 3]], dtype=np.float32)',
      'res = requests.post(f"{endpoint}/predict", json={"post_process": None, "data": data.tolist()})',
      'assert res.status_code == 200, res.text',
      'info = requests.get(endpoint).json()',
      'print(json.dumps({"result": res.json()["result"], "paths": [i["path"] for i in info["infos"]]}))',
    ].join('\n');
    // Asynchronously: the service answering it runs in this process.
    const python = await runPython(script, [String(port)]);
    expect(python.stderr).toBe('');
    const out = JSON.parse(python.stdout) as { result: number[][]; paths: string[] };
    expect(out.result).toEqual([[1, 0.5], [6, 1]]);
    expect(out.paths).toContain('/sedna/predict');
  });

  it('reshapes samples that hold as many values as the model takes (an image for a flat model)', async () => {
    const { port } = await startService({ sampleShape: [4] });
    const reply = await send(port, 'POST', '/sedna/predict', JSON.stringify({ data: [[[1, 2], [3, 4]]] }), 'application/json');
    expect(json(reply)).toEqual({ result: [[10, 1]] });
  });
});

describe('BigModelService, binary form and routes', () => {
  it('answers a binary tensor with a binary tensor', async () => {
    const { port } = await startService();
    const body = encodeTensor({ data: Float32Array.from([1, 2, 3, 0.5, 0.5, 0]), shape: [2, 3] });
    const reply = await send(port, 'POST', '/sedna/predict', body, 'application/octet-stream');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    const out = decodeTensor(reply.body);
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([6, 1, 1, 0.5]);
  });

  it('is reached by BigModelClient in both forms, over kept-alive connections', async () => {
    const { port, service } = await startService();
    for (const format of ['binary', 'json'] as const) {
      const client = new BigModelClient({ host: '127.0.0.1', port, jobName: 'sedna', format });
      for (let i = 0; i < 3; i++) {
        const out = await client.predict({ data: Float32Array.from([i, 1, 1]), shape: [1, 3] });
        expect(Array.from(out.data)).toEqual([i + 2, i]);
        expect(out.shape).toEqual([1, 2]);
      }
      client.close();
    }
    expect(service.stats.binaryRequests).toBe(3);
    expect(service.stats.jsonRequests).toBe(3);
  });

  it('GET /{job} lists the routes in the original infos shape, GET /healthz answers ok', async () => {
    const { port } = await startService();
    const info = json(await send(port, 'GET', '/sedna'));
    expect(info.infos).toEqual(expect.arrayContaining([{ path: '/sedna/predict', name: 'predict' }]));
    expect(info.service).toMatchObject({ jobName: 'sedna', sampleShape: [3], maxBatchSize: 64 });
    const health = await send(port, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(json(health)).toEqual({ status: 'ok' });
  });

  it('loads MODEL_URL on start and refuses to start without one', async () => {
    const loaded: string[] = [];
    const model = { ...sumModel(), load: async (url: string) => void loaded.push(url) };
    const service = new BigModelService({ estimator: model, env: { MODEL_URL: '/models/big.onnx', BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: '0' }, log: () => undefined });
    services.push(service);
    const address = await service.start();
    expect(loaded).toEqual(['/models/big.onnx']);
    expect(address.host).toBe('127.0.0.1');
    expect(address.url).toBe(`http://127.0.0.1:${address.port}/sedna`);
    expect(() => new BigModelService({ estimator: sumModel(), env: {} })).toThrow(/MODEL_URL is not set/);
  });
});

describe('BigModelService batching', () => {
  it('runs requests that arrive while a batch runs as one batch and routes each row to its caller', async () => {
    const { port, model, service } = await startService({ batchWindowMs: 1 });
    let release!: () => void;
    model.gate = new Promise((resolve) => (release = resolve));
    const first = send(port, 'POST', '/sedna/predict', JSON.stringify({ data: [[100, 0, 0]] }), 'application/json');
    await waitFor('the first batch to start', () => model.batches.length === 1);
    const clients = Array.from({ length: 10 }, (_, i) => new BigModelClient({ host: '127.0.0.1', port, jobName: 'sedna', format: i % 2 === 0 ? 'binary' : 'json' }));
    const answers = clients.map((client, i) => client.predict({ data: Float32Array.from([i, i, i]), shape: [1, 3] }));
    await waitFor('ten requests waiting', () => service.stats.batching.queuedRequests === 10);
    release();
    model.gate = undefined;
    expect(json(await first)).toEqual({ result: [[100, 100]] });
    const outs = await Promise.all(answers);
    outs.forEach((out, i) => expect(Array.from(out.data)).toEqual([3 * i, i]));
    expect(model.batches).toEqual([1, 10]);
    expect(service.stats.batching).toMatchObject({ requests: 11, samples: 11, batches: 2, largestBatch: 10 });
    clients.forEach((c) => c.close());
  });

  it('never runs more than maxBatchSize samples together', async () => {
    const { port, model, service } = await startService({ maxBatchSize: 4 });
    let release!: () => void;
    model.gate = new Promise((resolve) => (release = resolve));
    const first = send(port, 'POST', '/sedna/predict', JSON.stringify({ data: [[1, 0, 0]] }), 'application/json');
    await waitFor('the first batch to start', () => model.batches.length === 1);
    const client = new BigModelClient({ host: '127.0.0.1', port, jobName: 'sedna', maxSockets: 16 });
    const answers = Array.from({ length: 10 }, (_, i) => client.predict({ data: Float32Array.from([i, 0, 0]), shape: [1, 3] }));
    await waitFor('ten requests waiting', () => service.stats.batching.queuedRequests === 10);
    release();
    model.gate = undefined;
    await first;
    (await Promise.all(answers)).forEach((out, i) => expect(Array.from(out.data)).toEqual([i, i]));
    expect(model.batches).toEqual([1, 4, 4, 2]);
    client.close();
  });
});

describe('BigModelService, malformed requests', () => {
  const cases: [string, string | Buffer, string | undefined, number, RegExp][] = [
    ['bad JSON', '{"data": [1, 2', 'application/json', 400, /bad JSON/],
    ['a body that is not an object', '[1, 2, 3]', 'application/json', 400, /JSON object/],
    ['missing data', '{"post_process": null}', 'application/json', 400, /missing data/],
    ['data that is not a list', '{"data": "abc"}', 'application/json', 400, /bad data/],
    ['ragged data', '{"data": [[1, 2, 3], [1, 2]]}', 'application/json', 400, /ragged/],
    ['data with a string', '{"data": [[1, "x", 3]]}', 'application/json', 400, /finite number/],
    ['empty data', '{"data": []}', 'application/json', 400, /empty/],
    ['samples of the wrong shape', '{"data": [[1, 2, 3, 4]]}', 'application/json', 400, /wrong shape/],
    ['a binary tensor with a bad magic', Buffer.from('XXXX0000'), 'application/octet-stream', 400, /bad tensor/],
    ['a truncated binary tensor', encodeTensor({ data: Float32Array.from([1, 2, 3]), shape: [1, 3] }).subarray(0, 18), 'application/octet-stream', 400, /bad tensor/],
    ['a binary tensor of the wrong shape', encodeTensor({ data: Float32Array.from([1, 2]), shape: [1, 2] }), 'application/octet-stream', 400, /wrong shape/],
    ['an unsupported content type', 'data=1', 'application/x-www-form-urlencoded', 415, /unsupported Content-Type/],
  ];
  for (const [what, body, type, status, reason] of cases) {
    it(`answers ${status} with a reason to ${what}`, async () => {
      const { port, model } = await startService();
      const reply = await send(port, 'POST', '/sedna/predict', body, type);
      expect(reply.status).toBe(status);
      expect(json(reply).error).toMatch(reason);
      expect(model.batches).toEqual([]);
    });
  }

  it('answers 404 to unknown paths, 405 to wrong methods and 413 to bodies over the limit', async () => {
    const { port } = await startService({ maxBodyBytes: 100 });
    expect((await send(port, 'GET', '/nowhere')).status).toBe(404);
    const wrongMethod = await send(port, 'GET', '/sedna/predict');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('POST');
    const big = await send(port, 'POST', '/sedna/predict', JSON.stringify({ data: Array.from({ length: 100 }, () => [1, 2, 3]) }), 'application/json');
    expect(big.status).toBe(413);
  });

  it('answers 500 with the reason when the model fails, and keeps serving', async () => {
    const { port, model } = await startService();
    const predict = model.predict;
    model.predict = async () => {
      throw new Error('out of memory');
    };
    const failed = await send(port, 'POST', '/sedna/predict', '{"data": [[1, 2, 3]]}', 'application/json');
    expect(failed.status).toBe(500);
    expect(json(failed).error).toMatch(/inference failed: out of memory/);
    model.predict = predict;
    expect((await send(port, 'POST', '/sedna/predict', '{"data": [[1, 2, 3]]}', 'application/json')).status).toBe(200);
  });
});
